"""Hand-computed cases for benchmarks.metrics (scores higher = better, labels lower = better)."""

import math

import numpy as np
import pytest

from benchmarks import metrics as M


def test_kendall_and_spearman_one_swap():
    # Labels 1..4 (arch 0 best); the scores swap archs 2 and 3: one discordant pair of 6.
    scores, labels = np.array([4.0, 3.0, 1.0, 2.0]), np.array([1.0, 2.0, 3.0, 4.0])
    assert M.kendall_tau(scores, labels) == pytest.approx((5 - 1) / 6)
    # rho = 1 - 6 * sum d^2 / (n (n^2 - 1)) = 1 - 6 * 2 / 60 = 0.8
    assert M.spearman(scores, labels) == pytest.approx(0.8)
    assert M.kendall_tau(-labels, labels) == pytest.approx(1.0)
    assert M.spearman(labels, labels) == pytest.approx(-1.0)


def test_spearman_degenerate():
    assert math.isnan(M.spearman(np.array([1.0]), np.array([2.0])))
    assert M.spearman(np.ones(3), np.array([1.0, 2.0, 3.0])) == 0.0


def test_pairwise_accuracy_noise_threshold():
    labels = np.array([0.0, 0.05, 1.0, 2.0])
    scores = np.array([0.0, 1.0, 3.0, 2.0])
    # Pairs (i, j) with truth "i better": (0,1) wrong, (0,2) wrong, (0,3) wrong, (1,2) wrong,
    # (1,3) wrong, (2,3) right -> 1/6. With noise 0.1 the (0,1) pair is dropped -> 1/5.
    assert M.pairwise_accuracy(scores, labels) == pytest.approx(1 / 6)
    assert M.pairwise_accuracy(scores, labels, noise=0.1) == pytest.approx(1 / 5)
    # Ties in the scores count one half.
    assert M.pairwise_accuracy(np.zeros(2), np.array([0.0, 1.0])) == pytest.approx(0.5)


def test_precision_at_k():
    labels = np.arange(10, dtype=float)  # true top-2: archs 0 and 1
    scores = np.zeros(10)
    scores[[0, 5]] = [2.0, 3.0]  # predicted top-2: archs 5 and 0
    assert M.top_k_count(10, 0.2) == 2
    assert M.precision_at_k(scores, labels, 0.2) == pytest.approx(0.5)
    assert M.precision_at_k(-labels, labels, 0.2) == pytest.approx(1.0)
    assert M.top_k_count(10, 0.05) == 1 and M.top_k_count(7, 0.3) == 3
    with pytest.raises(ValueError):
        M.top_k_count(10, 0.0)


def test_top1_regret():
    labels = np.array([0.3, 0.1, 0.5])
    assert M.top1_regret(np.array([1.0, 0.0, 2.0]), labels) == pytest.approx(0.4)
    assert M.top1_regret(-labels, labels) == 0.0


def test_ndcg_at_k():
    labels = np.array([0.0, 1.0, 2.0, 3.0])  # gains max - y = [3, 2, 1, 0]
    scores = np.array([0.5, 0.9, 0.1, 0.0])  # predicted order 1, 0, ...
    dcg = 2 / 1 + 3 / math.log2(3)
    idcg = 3 / 1 + 2 / math.log2(3)
    assert M.ndcg_at_k(scores, labels, 0.5) == pytest.approx(dcg / idcg)
    assert M.ndcg_at_k(-labels, labels, 0.5) == pytest.approx(1.0)
    assert M.ndcg_at_k(scores, np.ones(4), 0.5) == 1.0


def test_length_mismatch_raises():
    with pytest.raises(ValueError, match="differ"):
        M.spearman(np.zeros(3), np.zeros(4))


def test_bootstrap_ci_seeded_and_brackets_value():
    rng = np.random.default_rng(0)
    labels = rng.random(300)
    scores = -labels + 0.3 * rng.standard_normal(300)
    a = M.bootstrap_ci(M.kendall_tau, scores, labels, n_boot=50, seed=3)
    b = M.bootstrap_ci(M.kendall_tau, scores, labels, n_boot=50, seed=3)
    c = M.bootstrap_ci(M.kendall_tau, scores, labels, n_boot=50, seed=4)
    assert a == b and a != c
    value = M.kendall_tau(scores, labels)
    assert a[0] < value < a[1] and a[1] - a[0] < 0.2
    assert M.bootstrap_ci(M.kendall_tau, -labels, labels, n_boot=20) == pytest.approx((1.0, 1.0))
    assert all(math.isnan(v) for v in M.bootstrap_ci(M.kendall_tau, scores, labels, n_boot=0))


def test_evaluate_reports_every_metric():
    labels = np.arange(20, dtype=float)
    out = M.evaluate(-labels, labels, n_boot=10, k_frac=0.1)
    assert set(out) == set(M.METRICS)
    assert out["kendall_tau"]["value"] == pytest.approx(1.0)
    assert out["precision_at_k"]["value"] == 1.0 and out["top1_regret"]["value"] == 0.0
    assert out["kendall_tau"]["lo"] == pytest.approx(1.0)


def test_reuses_predictor_metrics():
    from predictor import metrics as P

    assert M.kendall_tau is P.kendall_tau and M.pairwise_accuracy is P.pairwise_accuracy
