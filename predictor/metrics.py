"""Ranking metrics used for validation and reports (higher score = predicted better)."""

from __future__ import annotations

import numpy as np
from scipy.stats import kendalltau


def kendall_tau(scores: np.ndarray, labels: np.ndarray) -> float:
    """Kendall tau between ``scores`` (higher better) and ``labels`` (lower better)."""
    if len(scores) < 2:
        return float("nan")
    tau = kendalltau(scores, -np.asarray(labels)).statistic
    return float(tau) if np.isfinite(tau) else 0.0


def pairwise_accuracy(
    scores: np.ndarray,
    labels: np.ndarray,
    noise: float = 0.0,
    max_pairs: int = 200_000,
    seed: int = 0,
) -> float:
    """Share of pairs ``|l_i - l_j| > noise`` whose order the scores get right (ties: 0.5)."""
    n = len(scores)
    if n < 2:
        return float("nan")
    rng = np.random.default_rng(seed)
    if n * (n - 1) // 2 <= max_pairs:
        i, j = np.triu_indices(n, 1)
    else:
        i, j = rng.integers(0, n, max_pairs), rng.integers(0, n, max_pairs)
    diff = np.asarray(labels)[j] - np.asarray(labels)[i]  # > 0: i better
    keep = np.abs(diff) > noise
    if not keep.any():
        return float("nan")
    s = np.asarray(scores)[i] - np.asarray(scores)[j]
    right = np.where(s == 0, 0.5, (np.sign(s) == np.sign(diff)).astype(float))
    return float(right[keep].mean())
