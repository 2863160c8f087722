"""The probes (forecasting: windows, ridge, kNN; classification: pooling, logistic, kNN)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from contrastive.config import ALPHAS
from contrastive.probes import (
    fit_classifier,
    fit_probe,
    knn_classify,
    knn_probe,
    lag_windows,
    pool_features,
    targets,
    window_ends,
)

from .tiny import CS, separable


def test_windows_targets_and_ends_are_aligned():
    series = np.arange(30, dtype=np.float32)[:, None] * np.array([1.0, -1.0], dtype=np.float32)
    ends = window_ends(30, context=5, horizon=3, max_windows=100)
    assert ends[0] == 4 and ends[-1] == 26 and len(ends) == 23  # never past the split
    w = lag_windows(series, ends, 5)
    y = targets(series, ends, 3)
    assert w.shape == (23, 2, 5) and y.shape == (23, 2, 3)
    np.testing.assert_array_equal(w[0, 0], [0, 1, 2, 3, 4])
    np.testing.assert_array_equal(y[0, 0], [5, 6, 7])
    np.testing.assert_array_equal(y[-1, 1], [-27, -28, -29])
    assert len(window_ends(30, 5, 3, max_windows=4)) == 4
    assert len(window_ends(6, 5, 3, max_windows=4)) == 0


def test_ridge_probe_recovers_a_linear_map_and_reports_horizons():
    rng = np.random.default_rng(0)
    w = rng.standard_normal((6, 4))
    feats = {k: rng.standard_normal((40, 3, 6)) for k in ("train", "val", "test")}
    ys = {k: v @ w for k, v in feats.items()}
    out = fit_probe(feats, ys, (2, 4), ALPHAS)
    assert out["val_mse"] < 1e-4 and out["test_mae"] < 1e-2
    assert out["val_mse"] == out["val_mse_h2"] and "val_mse_h4" in out
    assert out["alpha"] == min(ALPHAS)
    scarce = fit_probe(feats, ys, (4,), ALPHAS, train_rows=np.arange(8))
    assert scarce["val_mse"] < 1e-2


def test_knn_probe_hand_computed():
    # train rows point along (1, 0), (0, 1), (1, 1); their changes (future - last) are 1, 2, 2
    feats = {"train": np.array([[[1.0, 0.0]], [[0.0, 1.0]], [[1.0, 1.0]]])}  # [W=3, N=1, F=2]
    ys = {"train": np.array([[[1.0]], [[2.0]], [[3.0]]])}  # [W, N, H=1]
    last = {"train": np.array([[0.0], [0.0], [1.0]])}  # [W, N]
    # one val/test row at (2, 0.1): nearest (1, 0) [cos .999], then (1, 1) [cos .74], then (0, 1)
    for split in ("val", "test"):
        feats[split] = np.array([[[2.0, 0.1]]])
        ys[split] = np.array([[[2.0]]])
        last[split] = np.array([[0.5]])
    one = knn_probe(feats, ys, last, (1,), k=1)  # 0.5 + 1 = 1.5
    assert one["knn_val_mse"] == pytest.approx(0.25) and one["knn_test_mae"] == pytest.approx(0.5)
    two = knn_probe(feats, ys, last, (1,), k=2)  # 0.5 + (1 + 2) / 2 = 2.0
    assert two["knn_val_mse"] == pytest.approx(0.0)
    every = knn_probe(feats, ys, last, (1,), k=50)  # capped at 3 rows: 0.5 + 5 / 3
    assert every["knn_val_mae"] == pytest.approx(abs(0.5 + 5 / 3 - 2.0))
    assert every["knn_val_mse_h1"] == every["knn_val_mse"]


def test_knn_probe_ignores_feature_scale_and_level_shifts():
    rng = np.random.default_rng(0)
    feats = {k: rng.standard_normal((20, 2, 5)) for k in ("train", "val", "test")}
    ys = {k: rng.standard_normal((20, 2, 3)) for k in feats}
    last = {k: rng.standard_normal((20, 2)) for k in feats}
    base = knn_probe(feats, ys, last, (3,), k=4)
    scaled = knn_probe({k: 7.0 * v for k, v in feats.items()}, ys, last, (3,), k=4)
    assert scaled == base
    shift = {k: v + (5.0 if k == "val" else 0.0) for k, v in ys.items()}
    moved = {k: v + (5.0 if k == "val" else 0.0) for k, v in last.items()}
    shifted = knn_probe(feats, shift, moved, (3,), k=4)
    assert shifted["knn_val_mse"] == pytest.approx(base["knn_val_mse"])
    for chunk in (1, 7, 40):  # the similarity blocks bound memory, never the result
        assert knn_probe(feats, ys, last, (3,), k=4, chunk=chunk) == base


def test_alpha_grid_reaches_well_below_point_one():
    assert min(ALPHAS) == pytest.approx(1e-3) and max(ALPHAS) == pytest.approx(1e3)


def test_blocked_cv_probe_picks_a_larger_alpha_than_loo_on_autocorrelated_windows():
    # smooth random-walk features, noise targets: neighbours leak under leave-one-out
    rng = np.random.default_rng(1)
    walk = np.cumsum(rng.standard_normal((300, 1, 40)), axis=0) * 0.1
    feats = {"train": walk[:200], "val": walk[200:250], "test": walk[250:]}
    ys = {k: np.cumsum(rng.standard_normal((len(v), 1, 1)), axis=0) for k, v in feats.items()}
    loo = fit_probe(feats, ys, (1,), ALPHAS, cv="loo")
    blocked = fit_probe(feats, ys, (1,), ALPHAS, cv="blocked")
    assert blocked["alpha"] > loo["alpha"]


def test_pool_features_exact():
    z = np.arange(2 * 3 * 2 * 4, dtype=np.float32).reshape(2, 3, 2, 4)  # [S, R, N, L]
    mx = pool_features(z, "max")
    assert mx.shape == (2, 6)
    np.testing.assert_array_equal(mx[0], [3, 11, 19, 7, 15, 23])  # series 0's R, then series 1's
    np.testing.assert_array_equal(pool_features(z, "last", "mean")[0], [5, 13, 21])
    with pytest.raises(ValueError, match="pool 'avg'"):
        pool_features(z, "avg")


def test_classifier_on_a_separable_problem():
    x, y = separable(40, n=1, t=4)
    xte, yte = separable(20, n=1, t=4, seed=1)
    r = fit_classifier(x.reshape(40, -1), y, xte.reshape(20, -1), yte, CS)
    assert r["folds"] == 5 and r["C"] in CS
    assert r["cv_acc"] >= 0.95 and r["test_acc"] >= 0.95
    noise = np.random.default_rng(2).normal(size=(40, 4))
    r_noise = fit_classifier(noise, y, noise[:20] * 0 + 1, yte, CS)
    assert 0.0 <= r_noise["test_acc"] <= 1.0
    # A class with a single train sample: no CV, C = 1.
    r1 = fit_classifier(x[:3].reshape(3, -1), np.array([0, 1, 0]), x[:2].reshape(2, -1), y[:2])
    assert math.isnan(r1["cv_acc"]) and r1["C"] == 1.0


def test_knn_classify_hand_computed():
    x_train = np.array([[1.0, 0.0], [0.9, 0.1], [0.0, 1.0], [0.1, 1.0]])
    y_train = np.array([0, 1, 1, 2])
    # cosine similarities of the test row to the 4 train rows: .9988, .9982, .0499, .1492
    x_test = np.array([[2.0, 0.1]])  # scale does not matter
    assert knn_classify(x_train, y_train, x_test, k=1).tolist() == [0]
    assert knn_classify(x_train, y_train, x_test, k=3).tolist() == [0]  # .9988 > .9982
    # all 4: class 1 sums .9982 + .0499 = 1.048 > .9988
    assert knn_classify(x_train, y_train, x_test, k=99).tolist() == [1]
