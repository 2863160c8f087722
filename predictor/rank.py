"""Ranking many candidates with a pair-only comparator (AutoCTS++'s procedure).

Candidates are cut into slices; inside each slice a heap ordered by the comparator keeps the
best few (``heapq.nlargest`` with ``a < b`` iff ``P(a better than b) < 0.5``, the slice's pair
probabilities computed in one batch). Survivors are sliced again until at most ``max_final``
remain, and a round robin among those finalists (mean win probability against all the others)
gives the final order.
"""

from __future__ import annotations

import functools
import heapq
from collections.abc import Callable

import numpy as np
import torch

PairProb = Callable[[torch.Tensor, torch.Tensor], torch.Tensor]


def _pair_matrix(ids: np.ndarray, prob: PairProb) -> np.ndarray:
    """``P[i, j] = P(ids[i] better than ids[j])`` for all i != j (diagonal 0.5)."""
    k = len(ids)
    ia, ib = np.nonzero(~np.eye(k, dtype=bool))
    p = np.full((k, k), 0.5)
    if len(ia):
        p[ia, ib] = prob(torch.from_numpy(ids[ia]), torch.from_numpy(ids[ib])).double().numpy()
    return p


def _slice_best(ids: np.ndarray, keep: int, prob: PairProb) -> np.ndarray:
    p = _pair_matrix(ids, prob)

    @functools.total_ordering
    class Key:
        def __init__(self, i: int):
            self.i = i

        def __lt__(self, other: Key) -> bool:
            return bool(p[self.i, other.i] < 0.5)

        def __eq__(self, other: object) -> bool:
            return isinstance(other, Key) and self.i == other.i

    best = heapq.nlargest(keep, range(len(ids)), key=Key)
    return ids[best]


def autocts_rank(
    n: int, prob: PairProb, top: int = 10, slice_size: int = 64, max_final: int = 64, seed: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """Rank ``n`` candidates with pair probabilities only.

    Args:
        n: number of candidates (ids ``0..n-1``).
        prob: ``(ia, ib) -> P(ia better than ib)`` batched over id tensors.
        top: how many each slice keeps (at least ``top`` finalists survive).
        slice_size: candidates per slice (must exceed ``top``).
        max_final: at most this many enter the round robin.
        seed: shuffles candidates before slicing.

    Returns:
        ``(order, win)``: finalist ids best first and their round-robin mean win probability.
    """
    if slice_size <= top:
        raise ValueError(f"slice_size ({slice_size}) must exceed top ({top})")
    ids = np.random.default_rng(seed).permutation(n)
    while len(ids) > max(max_final, top):
        ids = np.concatenate(
            [
                _slice_best(ids[i : i + slice_size], min(top, len(ids[i : i + slice_size])), prob)
                for i in range(0, len(ids), slice_size)
            ]
        )
    if len(ids) == 0:
        return ids, np.zeros(0)
    p = _pair_matrix(ids, prob)
    win = (p.sum(1) - 0.5) / max(len(ids) - 1, 1)
    order = np.argsort(-win, kind="stable")
    return ids[order], win[order]
