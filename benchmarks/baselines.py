"""Baselines that every benchmark table shows beside the comparator.

All return scores ``[n]`` with HIGHER = predicted better; labels are LOWER-is-better.

- :func:`flat_features`: a fixed-width vector per arch derived from the space's own encoding
  (``encode_many``'s node features ``x``), so it works for every :class:`GraphSpace`.
- :func:`random_scores`: uniform noise (seeded).
- :func:`rank_matrix` / :func:`average_rank_scores`: average-rank transfer from source tasks.
- :func:`best_source_scores`: one source task's labels as the ranking (hindsight or probe pick).
- :func:`regressor_scores`: random forest, gradient boosting, or an MLP (scikit-learn) on flat
  features (optionally with task features appended).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from scipy.stats import rankdata
from threadpoolctl import threadpool_limits

from archgraph.base import GraphSpace

REGRESSORS = ("rf", "gb", "mlp")


def flat_features(
    space: GraphSpace, archs: Sequence[Any], max_nodes: int | None = None, validated: bool = False
) -> np.ndarray:
    """Flat featurisation through the space's encoding, identical in width for every arch.

    Per arch: the node-feature rows ``x`` in node order, zero-padded to ``max_nodes`` rows
    (one-hot node type | one-hot op | scaled params: a one-hot description of the arch), then
    the column sums of ``x`` (a bag of node types/ops), then each position's in- and out-degree
    (padded likewise).

    Args:
        space: the arch space.
        archs: ``n`` archs of it.
        max_nodes: rows to pad to; default the largest graph among ``archs`` (pass the same
            value for train and test sets, or featurise them together).
        validated: archs known canonical.

    Returns:
        ``[n, max_nodes * F + F + 2 * max_nodes]`` float32 with ``F = space.feature_dim``.
    """
    batch = space.encode_many(list(archs), validated=validated)
    n, f = len(archs), space.feature_dim
    ptr = batch.ptr.numpy()
    counts = np.diff(ptr)
    m = int(counts.max()) if max_nodes is None and n else int(max_nodes or 0)
    if n and counts.max() > m:
        raise ValueError(f"an arch has {counts.max()} nodes; max_nodes is {m}")
    x = batch.x.numpy()
    graph = np.repeat(np.arange(n), counts)
    pos = np.arange(len(x)) - ptr[graph]
    rows = np.zeros((n, m, f), dtype=np.float32)
    rows[graph, pos] = x
    ei = batch.edge_index.numpy()
    deg = np.zeros((n, 2, m), dtype=np.float32)
    if ei.size:
        np.add.at(deg, (graph[ei[1]], 0, pos[ei[1]]), 1.0)  # in-degree
        np.add.at(deg, (graph[ei[0]], 1, pos[ei[0]]), 1.0)  # out-degree
    bag = rows.sum(1)
    return np.concatenate([rows.reshape(n, m * f), bag, deg.reshape(n, 2 * m)], axis=1)


def random_scores(n: int, seed: int = 0) -> np.ndarray:
    """``[n]`` uniform scores from a seeded Generator."""
    return np.random.default_rng(seed).random(n)


def rank_matrix(labels: np.ndarray) -> np.ndarray:
    """Per-task percentile ranks of ``labels [T, n]`` (lower label -> lower rank, in [0, 1]).

    NaN labels (arch not labelled on that task) stay NaN; ties share their average rank.
    """
    labels = np.atleast_2d(np.asarray(labels, dtype=np.float64))
    out = np.full(labels.shape, np.nan)
    for t, row in enumerate(labels):
        ok = np.isfinite(row)
        if ok.sum() == 1:
            out[t, ok] = 0.5
        elif ok.any():
            out[t, ok] = (rankdata(row[ok]) - 1) / (ok.sum() - 1)
    return out


def average_rank_scores(source_labels: np.ndarray) -> np.ndarray:
    """Average-rank transfer: ``-mean_t rank_t(arch)`` over the source tasks that label it.

    Args:
        source_labels: ``[T, n]`` labels of the target's ``n`` archs on ``T`` source tasks
            (NaN where an arch is unlabelled on a source).

    Returns:
        ``[n]`` scores; archs no source labels get the neutral rank 0.5.
    """
    ranks = rank_matrix(source_labels)
    seen = np.isfinite(ranks).any(0)
    mean = np.full(ranks.shape[1], 0.5)
    mean[seen] = np.nanmean(ranks[:, seen], axis=0)
    return -mean


def best_source_scores(
    source_labels: np.ndarray, select: Callable[[np.ndarray], float]
) -> tuple[int, np.ndarray]:
    """The single source task whose ranking ``select`` rates highest.

    Args:
        source_labels: ``[T, n]`` as in :func:`average_rank_scores`.
        select: ``scores [n] -> float`` (e.g. tau on the target's test labels: hindsight; or
            tau on K probe archs only: a fair few-shot pick).

    Returns:
        ``(t, scores [n])`` with ``scores = -rank_t`` (unlabelled archs neutral).
    """
    ranks = rank_matrix(source_labels)
    best, best_val, best_scores = -1, -np.inf, None
    for t in range(ranks.shape[0]):
        scores = -np.where(np.isfinite(ranks[t]), ranks[t], 0.5)
        val = select(scores)
        if best_scores is None or (np.isfinite(val) and val > best_val):
            best, best_val, best_scores = t, val, scores
    return best, best_scores


def make_regressor(kind: str, seed: int, small: bool = False):
    """A scikit-learn regressor by name: ``rf`` (RandomForest, 200 trees), ``gb``
    (GradientBoosting, 200 stages), ``mlp`` (2x128 MLP on standardised inputs, 500 epochs);
    ``small``: 20 trees / 20 stages / 50 epochs (CI smoke runs only)."""
    from sklearn.ensemble import GradientBoostingRegressor, RandomForestRegressor
    from sklearn.neural_network import MLPRegressor
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    size = 20 if small else 200
    factories = {
        "rf": lambda: RandomForestRegressor(n_estimators=size, random_state=seed, n_jobs=1),
        "gb": lambda: GradientBoostingRegressor(
            n_estimators=size, max_depth=3, learning_rate=0.05, subsample=0.8, random_state=seed
        ),
        "mlp": lambda: make_pipeline(
            StandardScaler(),
            MLPRegressor(
                hidden_layer_sizes=(128, 128),
                alpha=1e-3,
                learning_rate_init=1e-3,
                max_iter=50 if small else 500,
                early_stopping=False,
                random_state=seed,
            ),
        ),
    }
    if kind not in factories:
        raise ValueError(f"unknown regressor {kind!r}; choose from {sorted(factories)}")
    return factories[kind]()


def regressor_scores(
    kind: str,
    x_train: np.ndarray,
    y_train: np.ndarray,
    x_test: np.ndarray,
    seed: int = 0,
    small: bool = False,
) -> np.ndarray:
    """Fit a regressor on ``x_train [n, D]`` -> standardised ``y_train [n]`` (lower better)
    and score ``x_test [m, D]``; returns ``-prediction [m]`` (higher better)."""
    import warnings

    from sklearn.exceptions import ConvergenceWarning

    y = np.asarray(y_train, dtype=np.float64)
    sd = y.std()
    y = (y - y.mean()) / (sd if sd > 0 else 1.0)
    model = make_regressor(kind, seed, small)
    # One BLAS thread: these matrices are small, and threaded BLAS on a busy 2-core machine
    # spends most of its time contending (measured: 10 ms per tiny matmul).
    with warnings.catch_warnings(), threadpool_limits(1):
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(x_train, y)
        pred = model.predict(x_test)
    return -np.asarray(pred, dtype=np.float64)
