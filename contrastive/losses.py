"""Similarities and contrastive losses of the LossCell, as small pure functions.

Every loss takes two aligned sets ``a`` and ``b`` of shape ``[G, M, D]``: ``G`` independent groups
(e.g. timestamps for instance contrast), ``M`` items per group, ``D`` features. Item ``i`` of ``a``
and item ``i`` of ``b`` are the positive pair; every other item of the group is a negative.

- ``info_nce``: ``-log softmax_j(sim(a_i, b_j) / tau)[i]``, averaged over ``G`` and ``M``
  (one direction, ``a`` is the anchor; CPC / TS2Vec style).
- ``nt_xent``: SimCLR's loss on the ``2M`` items ``[a; b]``: each item's positive is its twin,
  the other ``2M - 2`` items are negatives (self excluded), averaged over the ``2M`` anchors.
- ``triplet``: soft-margin triplet loss ``softplus((sim(a_i, b_j) - sim(a_i, b_i)) / tau)``
  averaged over all ``i != j`` (Hermans et al., 2017, with a temperature).

Similarities: ``cosine``, ``dot`` and ``euclidean`` (the negative Euclidean distance).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import torch
import torch.nn.functional as F

SimFn = Callable[[torch.Tensor, torch.Tensor], torch.Tensor]
LossFn = Callable[[torch.Tensor, torch.Tensor, SimFn, float], torch.Tensor]


def cosine_sim(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """``a``: ``[G, M, D]``, ``b``: ``[G, K, D]`` -> ``[G, M, K]`` cosine similarities."""
    return F.normalize(a, dim=-1, eps=1e-8) @ F.normalize(b, dim=-1, eps=1e-8).transpose(-1, -2)


def dot_sim(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """``[G, M, D] x [G, K, D] -> [G, M, K]`` dot products."""
    return a @ b.transpose(-1, -2)


def euclidean_sim(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """``[G, M, D] x [G, K, D] -> [G, M, K]`` negative Euclidean distances (smooth at 0)."""
    sq = (
        (a * a).sum(-1)[..., :, None]
        + (b * b).sum(-1)[..., None, :]
        - 2.0 * (a @ b.transpose(-1, -2))
    )
    return -torch.sqrt(sq.clamp_min(0.0) + 1e-8)


SIMILARITIES: Mapping[str, SimFn] = {
    "cosine": cosine_sim,
    "dot": dot_sim,
    "euclidean": euclidean_sim,
}


def info_nce(a: torch.Tensor, b: torch.Tensor, sim: SimFn, tau: float) -> torch.Tensor:
    """InfoNCE with ``a`` as anchors. ``a``, ``b``: ``[G, M, D]`` -> scalar."""
    logits = sim(a, b) / tau  # [G, M, M]; diagonal = positives
    g, m, _ = logits.shape
    target = torch.arange(m, device=a.device).expand(g, m)  # [G, M]
    return F.cross_entropy(logits.reshape(g * m, m), target.reshape(-1))


def nt_xent(a: torch.Tensor, b: torch.Tensor, sim: SimFn, tau: float) -> torch.Tensor:
    """NT-Xent (SimCLR). ``a``, ``b``: ``[G, M, D]`` -> scalar."""
    z = torch.cat([a, b], dim=1)  # [G, 2M, D]
    g, m2, _ = z.shape
    m = m2 // 2
    logits = sim(z, z) / tau  # [G, 2M, 2M]
    eye = torch.eye(m2, dtype=torch.bool, device=z.device)
    logits = logits.masked_fill(eye, float("-inf"))  # a sample is never its own negative
    idx = torch.arange(m2, device=z.device)
    target = ((idx + m) % m2).expand(g, m2)  # [G, 2M]: twin in the other view
    return F.cross_entropy(logits.reshape(g * m2, m2), target.reshape(-1))


def triplet(a: torch.Tensor, b: torch.Tensor, sim: SimFn, tau: float) -> torch.Tensor:
    """Soft-margin triplet over all negatives. ``a``, ``b``: ``[G, M, D]`` -> scalar."""
    s = sim(a, b)  # [G, M, M]
    pos = s.diagonal(dim1=-2, dim2=-1)[..., :, None]  # [G, M, 1]
    m = s.shape[-1]
    off = ~torch.eye(m, dtype=torch.bool, device=s.device)  # [M, M]
    return F.softplus((s - pos) / tau)[:, off].mean()


LOSSES: Mapping[str, LossFn] = {"InfoNCE": info_nce, "NTXent": nt_xent, "Triplet": triplet}


def contrast(a: torch.Tensor, b: torch.Tensor, loss_cell: Mapping) -> torch.Tensor:
    """The LossCell's loss between aligned sets ``a``, ``b`` of shape ``[G, M, D]``.

    Returns 0 (a graph-connected zero) when a group has fewer than 2 items: no negatives.
    """
    if a.shape[1] < 2:
        return a.sum() * 0.0
    sim = SIMILARITIES[loss_cell["sim"]]
    return LOSSES[loss_cell["loss"]](a, b, sim, float(loss_cell["temperature"]))
