"""Few-label in-task ranking with a GNN arch encoder: optional self-supervised pretraining on
every (unlabelled) arch of a space, then a score head trained on a handful of labelled archs.

Everything works on a :class:`~predictor.graphs.GraphTable` holding the whole candidate pool
(e.g. all 26,206 NAS-Bench-Graph archs): pretraining sees the pool without labels, fine-tuning
sees only the labelled indices, scoring returns one score per pool arch.

- :class:`RankerConfig`: encoder, loss, epochs, ensemble size, side features, pretraining.
- :func:`pretrain_encoder`: masked-op prediction (node level) and/or an arch2vec-style
  graph-level autoencoder of a per-arch target vector; returns the encoder's state dict.
- :func:`fit_scores`: train ``ensemble`` seeded members on the labelled archs, return the mean
  of their per-member standardised scores over the pool (higher = predicted better).
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from .graphs import GraphTable
from .models import GNNS, mlp
from .tasks import torch_threads

LOSSES = ("pairwise", "mse")
PRETRAIN_OBJECTIVES = ("none", "mask", "ae", "mask+ae")
CHUNK = 2048


@dataclass
class RankerConfig:
    """An in-task few-label GNN ranker.

    ``loss``: ``pairwise`` (logistic loss over every labelled pair whose labels differ) or
    ``mse`` (on standardised label ranks). ``side``: concatenate the caller's per-arch side
    features (e.g. a one-hot row) to the graph readout before the head. ``pretrain``: the
    self-supervised objective run on the whole pool before fitting (``none`` to skip).
    ``encoder_lr``: learning-rate factor of a pretrained encoder during fine-tuning.
    """

    gnn: str = "gin"
    depth: int = 3
    width: int = 64
    head_hidden: int = 64
    dropout: float = 0.0
    lr: float = 2e-3
    weight_decay: float = 1e-4
    epochs: int = 200
    loss: str = "pairwise"
    side: bool = False
    ensemble: int = 5
    pretrain: str = "none"
    pretrain_epochs: int = 10
    pretrain_batch: int = 256
    mask_rate: float = 0.25
    kl_weight: float = 1e-3
    encoder_lr: float = 1.0
    threads: int = 1
    seed: int = 0

    def __post_init__(self) -> None:
        for name, options in (
            ("gnn", GNNS),
            ("loss", LOSSES),
            ("pretrain", PRETRAIN_OBJECTIVES),
        ):
            if getattr(self, name) not in options:
                raise ValueError(
                    f"unknown {name} {getattr(self, name)!r}; choose from {sorted(options)}"
                )


class Encoder(nn.Module):
    """Bidirectional message passing + sum readout: ``(x [N, F], ei [2, E], batch [N], G)``
    -> node embeddings ``[N, W]`` and graph embeddings ``[G, W]``."""

    def __init__(self, cfg: RankerConfig, feature_dim: int):
        super().__init__()
        self.gnn = GNNS[cfg.gnn](
            in_channels=feature_dim,
            hidden_channels=cfg.width,
            num_layers=cfg.depth,
            out_channels=cfg.width,
            dropout=cfg.dropout,
        )

    def forward(
        self, x: torch.Tensor, edge_index: torch.Tensor, batch: torch.Tensor, n_graphs: int
    ) -> tuple[torch.Tensor, torch.Tensor]:
        ei = torch.cat([edge_index, edge_index.flip(0)], dim=1)  # [2, 2E]
        h = self.gnn(x, ei)  # [N, W]
        g = torch.zeros(n_graphs, h.size(1), dtype=h.dtype).index_add_(0, batch, h)  # [G, W]
        return h, g


class RankNet(nn.Module):
    """Encoder + score head ``s = MLP([g; side])``; ``forward -> [G]``."""

    def __init__(self, cfg: RankerConfig, feature_dim: int, side_dim: int):
        super().__init__()
        self.encoder = Encoder(cfg, feature_dim)
        self.head = mlp([cfg.width + side_dim, cfg.head_hidden, 1], cfg.dropout)

    def forward(
        self,
        x: torch.Tensor,
        edge_index: torch.Tensor,
        batch: torch.Tensor,
        n_graphs: int,
        side: torch.Tensor | None,
    ) -> torch.Tensor:
        _, g = self.encoder(x, edge_index, batch, n_graphs)  # [G, W]
        if side is not None:
            g = torch.cat([g, side], dim=1)  # [G, W + S]
        return self.head(g).squeeze(1)  # [G]


def pretrain_encoder(
    table: GraphTable,
    cfg: RankerConfig,
    op_slice: slice,
    targets: torch.Tensor | None = None,
    groups: Sequence[tuple[int, int]] = (),
    seed: int = 0,
) -> tuple[dict[str, torch.Tensor], list[float]]:
    """Self-supervised pretraining of an :class:`Encoder` on every arch of ``table``.

    ``mask``: for a ``mask_rate`` share of the nodes that carry an op (seeded), the op one-hot
    is zeroed in the input and predicted from the node embedding (cross-entropy). ``ae``
    (arch2vec-style): the graph embedding is the mean of a diagonal Gaussian; a sample of it
    is decoded into ``targets [G, K]``, each ``(start, stop)`` column group of ``groups`` a
    one-hot read with cross-entropy; ``kl_weight`` times the KL to N(0, I) is added.

    Args:
        table: the pool, all archs (no labels used).
        cfg: sizes, ``pretrain``, ``pretrain_epochs``, ``pretrain_batch``, ``lr``.
        op_slice: the op one-hot columns of the node features.
        targets: ``[G, K]`` per-arch reconstruction targets (``ae`` only).
        groups: categorical column groups of ``targets`` (``ae`` only).
        seed: seeds the initialisation, batching and masks.

    Returns:
        ``(encoder state dict, mean loss per epoch)``.
    """
    use_mask, use_ae = "mask" in cfg.pretrain, "ae" in cfg.pretrain
    if use_ae and (targets is None or not groups):
        raise ValueError("pretrain 'ae' needs targets and groups")
    torch.manual_seed(seed)
    gen = torch.Generator().manual_seed(seed)
    n_ops = op_slice.stop - op_slice.start
    enc = Encoder(cfg, table.x.size(1))
    params = list(enc.parameters())
    if use_mask:
        op_dec = mlp([cfg.width, cfg.width, n_ops])
        params += list(op_dec.parameters())
    if use_ae:
        logvar = nn.Linear(cfg.width, cfg.width)
        ae_dec = mlp([cfg.width, cfg.width, targets.size(1)])
        params += list(logvar.parameters()) + list(ae_dec.parameters())
    opt = torch.optim.Adam(params, lr=cfg.lr)
    history = []
    with torch_threads(cfg.threads):
        for _ in range(cfg.pretrain_epochs):
            perm = torch.randperm(len(table), generator=gen)
            total, steps = 0.0, 0
            for i in range(0, len(perm), cfg.pretrain_batch):
                idx = perm[i : i + cfg.pretrain_batch]
                x, ei, batch = table.select(idx)  # [N, F], [2, E], [N]
                loss = torch.zeros(())
                if use_mask:
                    ops = x[:, op_slice]  # [N, n_ops]
                    has_op = ops.sum(1) > 0
                    hit = has_op & (torch.rand(len(x), generator=gen) < cfg.mask_rate)
                    x = x.clone()
                    x[hit, op_slice] = 0.0
                h, g = enc(x, ei, batch, len(idx))
                if use_mask and hit.any():
                    loss = loss + F.cross_entropy(op_dec(h[hit]), ops[hit].argmax(1))
                if use_ae:
                    lv = logvar(g).clamp(-10, 10)  # [G, W]
                    z = g + torch.randn(g.shape, generator=gen) * (0.5 * lv).exp()
                    out = ae_dec(z)  # [G, K]
                    tgt = targets[idx]
                    for a, b in groups:
                        loss = loss + F.cross_entropy(out[:, a:b], tgt[:, a:b].argmax(1))
                    kl = 0.5 * (g.pow(2) + lv.exp() - 1 - lv).sum(1).mean()
                    loss = loss + cfg.kl_weight * kl
                opt.zero_grad()
                loss.backward()
                opt.step()
                total, steps = total + float(loss.detach()), steps + 1
            history.append(total / max(1, steps))
    return {k: v.detach().clone() for k, v in enc.state_dict().items()}, history


def _rank_targets(labels: np.ndarray) -> torch.Tensor:
    """Standardised ranks, higher = better (labels are lower-is-better); ``[n]`` float32."""
    r = np.argsort(np.argsort(-labels, kind="stable"), kind="stable").astype(np.float64)
    r = (r - r.mean()) / (r.std() + 1e-12)
    return torch.from_numpy(r.astype(np.float32))


def _pairwise_loss(s: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
    """Mean logistic loss over pairs ``i, j`` with ``label_i < label_j`` (i better)."""
    better = labels.unsqueeze(1) < labels.unsqueeze(0)  # [n, n]
    diff = s.unsqueeze(1) - s.unsqueeze(0)  # [n, n]: s_i - s_j
    return F.softplus(-diff[better]).mean()


@torch.no_grad()
def _score_pool(net: RankNet, table: GraphTable, side: torch.Tensor | None) -> torch.Tensor:
    """Scores of every pool arch, ``CHUNK`` graphs at a time; ``[G]``."""
    net.eval()
    out = []
    for i in range(0, len(table), CHUNK):
        stop = min(i + CHUNK, len(table))
        x, ei, batch = table.select_range(i, stop)
        out.append(net(x, ei, batch, stop - i, None if side is None else side[i:stop]))
    return torch.cat(out)


def fit_member(
    table: GraphTable,
    train_idx: np.ndarray,
    labels: np.ndarray,
    cfg: RankerConfig,
    seed: int,
    side: torch.Tensor | None = None,
    encoder_state: dict[str, torch.Tensor] | None = None,
) -> RankNet:
    """Train one :class:`RankNet` on the labelled archs ``train_idx`` (full batch, fixed epochs).

    Args:
        table: the pool.
        train_idx: ``[n]`` pool indices of the labelled archs.
        labels: ``[n]`` their labels, lower is better.
        cfg: the config (``side`` must match whether ``side`` is given).
        seed: initialisation seed.
        side: ``[G, S]`` side features of every pool arch, or None.
        encoder_state: pretrained encoder weights to start from.
    """
    torch.manual_seed(seed)
    net = RankNet(cfg, table.x.size(1), 0 if side is None else side.size(1))
    if encoder_state is not None:
        net.encoder.load_state_dict(encoder_state)
    groups = [
        {"params": net.encoder.parameters(), "lr": cfg.lr * cfg.encoder_lr},
        {"params": net.head.parameters(), "lr": cfg.lr},
    ]
    opt = torch.optim.AdamW(groups, weight_decay=cfg.weight_decay)
    idx = torch.as_tensor(train_idx, dtype=torch.long)
    x, ei, batch = table.select(idx)
    side_tr = None if side is None else side[idx]
    y_lab = torch.as_tensor(labels, dtype=torch.float32)
    y_rank = _rank_targets(np.asarray(labels))
    net.train()
    for _ in range(cfg.epochs):
        s = net(x, ei, batch, len(idx), side_tr)  # [n]
        loss = _pairwise_loss(s, y_lab) if cfg.loss == "pairwise" else F.mse_loss(s, y_rank)
        opt.zero_grad()
        loss.backward()
        opt.step()
    return net


def fit_scores(
    table: GraphTable,
    train_idx: np.ndarray,
    labels: np.ndarray,
    cfg: RankerConfig,
    side: torch.Tensor | None = None,
    encoder_state: dict[str, torch.Tensor] | None = None,
    score_idx: np.ndarray | None = None,
) -> np.ndarray:
    """Ensemble scores over the pool (higher = predicted better).

    Member ``k`` uses seed ``1000 * cfg.seed + k``; each member's scores are standardised over
    the pool before averaging, so no member dominates by scale.

    Returns:
        ``[G]`` float64 (or ``[len(score_idx)]`` when ``score_idx`` is given).
    """
    if cfg.side != (side is not None):
        raise ValueError("cfg.side and the side argument disagree")
    total = None
    with torch_threads(cfg.threads):
        for k in range(cfg.ensemble):
            net = fit_member(
                table,
                train_idx,
                labels,
                cfg,
                1000 * cfg.seed + k,
                side,
                None if encoder_state is None else copy.deepcopy(encoder_state),
            )
            if score_idx is None:
                s = _score_pool(net, table, side)
            else:
                sel = torch.as_tensor(score_idx, dtype=torch.long)
                net.eval()
                with torch.no_grad():
                    x, ei, batch = table.select(sel)
                    s = net(x, ei, batch, len(sel), None if side is None else side[sel])
            s = s.double()
            s = (s - s.mean()) / (s.std() + 1e-12)
            total = s if total is None else total + s
    return (total / cfg.ensemble).numpy()
