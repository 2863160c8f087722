"""Ranking metrics of a benchmark run, each with a bootstrap confidence interval over test archs.

Convention (the project's): ``scores`` are HIGHER-is-better predictions, ``labels`` are
LOWER-is-better truths (e.g. ``1 - accuracy``). Kendall tau and pairwise accuracy come from
:mod:`predictor.metrics` (one implementation in the project); the rest live here.

- :func:`spearman`: Spearman rho between ``scores`` and ``-labels``.
- :func:`precision_at_k`: share of the true top ``frac`` of archs found in the predicted top.
- :func:`top1_regret`: true label of the predicted best minus the best true label (>= 0).
- :func:`ndcg_at_k`: NDCG of the predicted top ``frac`` with gains ``max(labels) - labels``.
- :func:`bootstrap_ci` / :func:`evaluate`: percentile intervals from a seeded Generator.
- :func:`label_tau` / :func:`shared_tau`: agreement of two labellings of the same archs (two
  training seeds, two tasks, two step budgets), both lower-is-better: the label's repeatability.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Hashable, Mapping, Sequence

import numpy as np
from scipy.stats import kendalltau, spearmanr

from predictor.metrics import kendall_tau, pairwise_accuracy

__all__ = [
    "METRICS",
    "bootstrap_ci",
    "evaluate",
    "kendall_tau",
    "label_tau",
    "ndcg_at_k",
    "pairwise_accuracy",
    "precision_at_k",
    "shared_tau",
    "spearman",
    "top1_regret",
    "top_k_count",
]


def _check(scores: np.ndarray, labels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    s = np.asarray(scores, dtype=np.float64).reshape(-1)
    y = np.asarray(labels, dtype=np.float64).reshape(-1)
    if s.shape != y.shape:
        raise ValueError(f"scores {s.shape} and labels {y.shape} differ in length")
    return s, y


def spearman(scores: np.ndarray, labels: np.ndarray) -> float:
    """Spearman rho of ``scores [n]`` (higher better) vs ``labels [n]`` (lower better).

    Returns NaN for ``n < 2`` and 0.0 when either side is constant.
    """
    s, y = _check(scores, labels)
    if len(s) < 2:
        return float("nan")
    if np.all(s == s[0]) or np.all(y == y[0]):
        return 0.0
    return float(spearmanr(s, -y).statistic)


def top_k_count(n: int, frac: float) -> int:
    """How many archs "the top ``frac``" of ``n`` is: ``max(1, ceil(frac * n))``."""
    if not 0 < frac <= 1:
        raise ValueError(f"frac must be in (0, 1], got {frac}")
    return max(1, math.ceil(frac * n - 1e-9))


def _order(scores: np.ndarray) -> np.ndarray:
    """Indices by descending score; ties keep index order (stable)."""
    return np.argsort(-scores, kind="stable")


def precision_at_k(scores: np.ndarray, labels: np.ndarray, frac: float = 0.05) -> float:
    """Share of the true top-``k`` archs (lowest labels) among the predicted top-``k``.

    ``k = top_k_count(n, frac)``; ties are broken by index order on both sides (stable sorts).
    """
    s, y = _check(scores, labels)
    if len(s) == 0:
        return float("nan")
    k = top_k_count(len(s), frac)
    pred = set(_order(s)[:k].tolist())
    true = set(np.argsort(y, kind="stable")[:k].tolist())
    return len(pred & true) / k


def top1_regret(scores: np.ndarray, labels: np.ndarray) -> float:
    """``labels[argmax scores] - min(labels)``: how much worse the predicted best is (>= 0)."""
    s, y = _check(scores, labels)
    if len(s) == 0:
        return float("nan")
    return float(y[_order(s)[0]] - y.min())


def ndcg_at_k(scores: np.ndarray, labels: np.ndarray, frac: float = 0.05) -> float:
    """NDCG over the predicted top-``k`` with gain ``max(labels) - labels`` and ``1/log2(i+2)``.

    Returns 1.0 when every gain is zero (all labels equal: any order is ideal).
    """
    s, y = _check(scores, labels)
    if len(s) == 0:
        return float("nan")
    k = top_k_count(len(s), frac)
    gain = y.max() - y
    disc = 1.0 / np.log2(np.arange(k) + 2.0)
    ideal = float(np.sort(gain)[::-1][:k] @ disc)
    if ideal <= 0:
        return 1.0
    return float(gain[_order(s)[:k]] @ disc / ideal)


Metric = Callable[[np.ndarray, np.ndarray], float]


def make_metrics(
    noise: float = 0.0, k_frac: float = 0.05, max_pairs: int = 50_000
) -> dict[str, Metric]:
    """The report's metrics by name, with the noise threshold and ``k`` bound in."""
    return {
        "kendall_tau": kendall_tau,
        "spearman": spearman,
        "pairwise_acc": lambda s, y: pairwise_accuracy(s, y, noise, max_pairs=max_pairs),
        "precision_at_k": lambda s, y: precision_at_k(s, y, k_frac),
        "ndcg_at_k": lambda s, y: ndcg_at_k(s, y, k_frac),
        "top1_regret": top1_regret,
    }


METRICS = tuple(make_metrics())
"""Names of the metrics :func:`evaluate` reports."""


def bootstrap_ci(
    metric: Metric,
    scores: np.ndarray,
    labels: np.ndarray,
    n_boot: int = 200,
    alpha: float = 0.05,
    seed: int = 0,
) -> tuple[float, float]:
    """Percentile bootstrap interval of ``metric`` over resampled test archs.

    Args:
        metric: ``(scores [n], labels [n]) -> float``.
        scores, labels: ``[n]`` each.
        n_boot: resamples (with replacement, ``n`` archs each); 0 gives ``(nan, nan)``.
        alpha: two-sided level (0.05: a 95% interval).
        seed: seeds the ``numpy.random.Generator`` that draws the resamples.

    Returns:
        ``(low, high)``; NaN resamples are ignored.
    """
    s, y = _check(scores, labels)
    if n_boot <= 0 or len(s) < 2:
        return float("nan"), float("nan")
    rng = np.random.default_rng(seed)
    vals = np.array([metric(s[i], y[i]) for i in rng.integers(0, len(s), (n_boot, len(s)))])
    vals = vals[np.isfinite(vals)]
    if not len(vals):
        return float("nan"), float("nan")
    lo, hi = np.quantile(vals, [alpha / 2, 1 - alpha / 2])
    return float(lo), float(hi)


def evaluate(
    scores: np.ndarray,
    labels: np.ndarray,
    *,
    noise: float = 0.0,
    k_frac: float = 0.05,
    n_boot: int = 100,
    alpha: float = 0.05,
    seed: int = 0,
) -> dict[str, dict[str, float]]:
    """Every metric with its bootstrap interval.

    Args:
        scores: ``[n]`` predictions, higher = predicted better.
        labels: ``[n]`` truths, lower = better.
        noise: pairwise accuracy ignores pairs whose labels differ by at most this.
        k_frac: the "top k" of precision@k and NDCG@k as a share of ``n``.
        n_boot, alpha, seed: see :func:`bootstrap_ci` (the same resamples for every metric).

    Returns:
        ``{metric: {"value", "lo", "hi"}}`` for :data:`METRICS`.
    """
    s, y = _check(scores, labels)
    out = {}
    for name, fn in make_metrics(noise, k_frac).items():
        lo, hi = bootstrap_ci(fn, s, y, n_boot, alpha, seed)
        out[name] = {"value": float(fn(s, y)), "lo": lo, "hi": hi}
    return out


def label_tau(x: Sequence[float], y: Sequence[float], min_n: int = 3) -> float:
    """Kendall tau-b between two labellings ``x [n]`` and ``y [n]`` of the same archs (same
    order, same direction: no sign flip, unlike :func:`kendall_tau` of scores against labels).

    Returns NaN for fewer than ``min_n`` archs, and scipy's NaN when either side is constant.
    """
    if len(x) != len(y):
        raise ValueError(f"the two labellings differ in length: {len(x)} and {len(y)}")
    if len(x) < max(2, min_n):
        return float("nan")
    return float(kendalltau(x, y).statistic)


def shared_tau(
    a: Mapping[Hashable, float], b: Mapping[Hashable, float], min_n: int = 3
) -> tuple[float, int]:
    """:func:`label_tau` over the archs both labellings hold (keys: arch hashes or indices);
    ``(tau, number of shared archs)``, tau NaN below ``min_n`` shared archs.

    The one seed-to-seed (and task-to-task) tau of the benchmarks: ``a`` = seed 0's labels, ``b``
    = seed 1's.
    """
    common = [k for k in a if k in b]
    return label_tau([a[k] for k in common], [b[k] for k in common], min_n), len(common)
