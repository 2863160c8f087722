"""Baselines that every benchmark table shows beside the comparator.

All return scores ``[n]`` with HIGHER = predicted better; labels are LOWER-is-better.

- :func:`random_scores`: uniform noise (seeded).
- :func:`rank_matrix` / :func:`average_rank_scores`: average-rank transfer from source tasks.
- :func:`best_source_scores`: one source task's labels as the ranking (hindsight or probe pick).
- :func:`regressor_scores`: random forest, gradient boosting, or an MLP (scikit-learn) on flat
  features (optionally with task features appended).
- :func:`forest_scores`: a random forest fitted to the raw labels or to their ranks (the
  NAS-Bench-Graph in-task forests); :func:`gp_scores`: a Gaussian process on label ranks.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
from scipy.stats import rankdata
from threadpoolctl import threadpool_limits

REGRESSORS = ("rf", "gb", "mlp")


def random_scores(n: int, seed: int | Sequence[int] = 0) -> np.ndarray:
    """``[n]`` uniform scores from a seeded Generator (``seed``: an int or a sequence of ints,
    e.g. ``(seed, task_index)`` for one independent draw per held-out task)."""
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


def rank_targets(y: np.ndarray) -> np.ndarray:
    """Labels ``[n]`` as ranks in ``(0, 1]`` (lower label, lower rank; ties share the average):
    robust to the few archs whose accuracy collapses, which dominate a squared loss on raw
    labels."""
    y = np.asarray(y, dtype=np.float64)
    return rankdata(y) / len(y)


def forest_scores(
    x_train: np.ndarray,
    y_train: np.ndarray,
    x_test: np.ndarray,
    seed: int = 0,
    *,
    target: str = "label",
    n_estimators: int = 200,
    min_samples_leaf: int = 1,
) -> np.ndarray:
    """A scikit-learn random forest on ``x_train [n, D]`` -> ``y_train [n]`` (lower better);
    returns ``-prediction [m]`` of ``x_test [m, D]`` (higher better).

    Unlike :func:`regressor_scores` the target is not standardised: ``target="label"`` fits the
    labels as they are, ``"rank"`` fits :func:`rank_targets` of them.
    """
    from sklearn.ensemble import RandomForestRegressor

    if target not in ("label", "rank"):
        raise ValueError(f"target must be 'label' or 'rank', got {target!r}")
    y = rank_targets(y_train) if target == "rank" else np.asarray(y_train)
    rf = RandomForestRegressor(
        n_estimators, min_samples_leaf=min_samples_leaf, random_state=seed, n_jobs=1
    )
    with threadpool_limits(1):  # small matrices: threaded BLAS only contends (see above)
        rf.fit(x_train, y)
        return -rf.predict(x_test)


def gp_scores(
    x_train: np.ndarray, y_train: np.ndarray, x_test: np.ndarray, seed: int = 0
) -> np.ndarray:
    """Gaussian-process regression of label ranks (:func:`rank_targets`) on feature rows
    ``x_train [n, F]``; returns the posterior mean's negative at ``x_test [m, F]`` (higher better).

    RBF kernel times a constant plus white noise, hyperparameters by maximum marginal likelihood
    (scikit-learn's optimiser, length scale started at 3, i.e. about two differing one-hot
    slots of a NAS-Bench-Graph row).
    """
    from sklearn.gaussian_process import GaussianProcessRegressor
    from sklearn.gaussian_process.kernels import RBF, ConstantKernel, WhiteKernel

    kernel = ConstantKernel(1.0) * RBF(3.0) + WhiteKernel(0.1, (1e-6, 10.0))
    gp = GaussianProcessRegressor(kernel, normalize_y=True, random_state=seed)
    with threadpool_limits(1):
        gp.fit(x_train, rank_targets(y_train))
        return -gp.predict(x_test)
