"""Labelled-sample tasks, the classification probe and label, on tiny synthetic data."""

from __future__ import annotations

import copy
import math
import sys

import numpy as np
import pytest
import torch

from contrastive import samples as cl
from contrastive.config import TrainConfig
from contrastive.data import DataError
from contrastive.presets import preset
from contrastive.probes import fit_classifier, knn_classify, pool_features
from contrastive.protocol import classify_label
from contrastive.references import raw_probe
from contrastive.samples import SampleTask, from_samples, resample
from contrastive.training import _window_sampler

CS = (0.1, 1.0)  # a short C grid keeps the tests fast


def tiny_arch() -> dict:
    arch = copy.deepcopy(preset("ts2vec"))
    arch["hyper"].update(cells=1, hidden=16, repr_dim=32, batch_size=8)
    return arch


def separable(s: int = 24, n: int = 2, t: int = 20, seed: int = 0) -> tuple:
    """Two classes: class 1 has a +3 offset on series 0; unit noise; own generator."""
    rng = np.random.default_rng(seed)
    y = np.arange(s) % 2
    x = rng.normal(size=(s, n, t))
    x[:, 0] += 3.0 * y[:, None]
    return x, y


def tiny_task(seed: int = 0) -> SampleTask:
    xtr, ytr = separable(24, seed=seed)
    xte, yte = separable(16, seed=seed + 1)
    return from_samples("tiny", xtr, ytr, xte, yte)


def test_from_samples_shapes_classes_and_fingerprint():
    task = tiny_task()
    assert task.shape == (24, 16, 2, 20)
    assert task.classes == ("0", "1") and task.n_classes == 2
    assert task.x_train.dtype == np.float32 and task.y_train.dtype == np.int64
    assert not task.x_train.flags.writeable
    assert task.fingerprint == tiny_task().fingerprint
    assert task.fingerprint != tiny_task(seed=5).fingerprint
    assert task.summary()["classes"] == 2
    xtr, xte = task.standardised()
    np.testing.assert_allclose(xtr.mean(axis=(0, 2)), 0.0, atol=1e-5)
    np.testing.assert_allclose(xtr.std(axis=(0, 2)), 1.0, atol=1e-5)
    assert xte.shape == (16, 2, 20)


def test_unequal_lengths_are_resampled_to_the_longest_train_sample():
    ramp = [np.linspace(0, 1, t)[None] for t in (5, 9, 7)]  # [1, T_i] each
    test = [np.linspace(0, 1, 12)[None], np.linspace(0, 1, 3)[None]]
    task = from_samples("ramps", ramp, ["a", "b", "a"], test, ["b", "a"])
    assert task.shape == (3, 2, 1, 9)
    assert task.report == {
        "length": 9,
        "train_lengths": [5, 9],
        "test_lengths": [3, 12],
        "train_resampled": 2,
        "test_resampled": 2,
    }
    np.testing.assert_allclose(task.x_train[:, 0], np.tile(np.linspace(0, 1, 9), (3, 1)), 1e-6)
    np.testing.assert_allclose(resample(np.array([[0.0, 2.0]]), 3), [[0.0, 1.0, 2.0]])
    capped = from_samples("ramps", ramp, ["a", "b", "a"], test, ["b", "a"], max_length=4)
    assert capped.shape[-1] == 4


def test_trailing_nan_padding_is_dropped():
    a = np.array([[1.0, 2.0, 3.0, np.nan, np.nan]])
    b = np.array([[1.0, 2.0, 3.0, 4.0, 5.0]])
    task = from_samples("pad", [a, b], [0, 1], [b], [1])
    assert task.report["train_lengths"] == [3, 5]
    np.testing.assert_allclose(task.x_train[0, 0], [1.0, 1.5, 2.0, 2.5, 3.0])


@pytest.mark.parametrize(
    "change, match",
    [
        (lambda a: {**a, "x_train": np.zeros((4, 5))}, r"tiny train: expected samples \[S, N, T\]"),
        (lambda a: {**a, "y_train": [0, 1, 0]}, r"3 labels for 4 samples"),
        (lambda a: {**a, "y_train": [0, 0, 0, 0]}, r"1 class"),
        (lambda a: {**a, "y_test": [0, 7]}, r"never seen in train: \['7'\]"),
        (lambda a: {**a, "x_test": np.zeros((2, 3, 6))}, r"2 series, test samples 3"),
        (lambda a: {**a, "x_train": [np.zeros((2, 6))] * 3 + [np.zeros((1, 6))]}, r"numbers of"),
        (lambda a: {**a, "x_train": np.zeros((4, 2, 1))}, r"sample 0 has 1 finite steps"),
    ],
)
def test_bad_samples_raise_data_errors_naming_the_problem(change, match):
    base = {
        "x_train": np.zeros((4, 2, 6)),
        "y_train": [0, 1, 0, 1],
        "x_test": np.zeros((2, 2, 6)),
        "y_test": [0, 1],
    }
    with pytest.raises(DataError, match=match):
        from_samples("tiny", **change(base))


def test_interior_non_finite_value_names_sample_and_step():
    x = np.zeros((3, 1, 6))
    x[2, 0, 1] = np.inf
    with pytest.raises(DataError, match="tiny train: sample 2 has a non-finite value at step 1"):
        from_samples("tiny", x, [0, 1, 0], x[:2] * 0, [0, 1])


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


def test_raw_probe_separates_the_tiny_task():
    r = raw_probe(tiny_task(), CS)
    assert r["test_acc"] == 1.0 and r["cv_acc"] == 1.0


def test_sample_windows_come_from_single_samples():
    samples = np.arange(5 * 2 * 10, dtype=np.float32).reshape(5, 2, 10)  # [S, N, T]
    draw = _window_sampler(samples, 4, 16, torch.Generator().manual_seed(0))
    x = draw().numpy()  # [B, 1, N, 4]
    assert x.shape == (16, 1, 2, 4)
    for row in x[:, 0]:
        s, start = int(row[0, 0]) // 20, int(row[0, 0]) % 20
        np.testing.assert_array_equal(row, samples[s, :, start : start + 4])
    with pytest.raises(ValueError, match="window=11"):
        _window_sampler(samples, 11, 4, torch.Generator())


def test_classify_label_record_and_determinism():
    task = tiny_task()
    cfg = TrainConfig(steps=3, window=8, seed=0)
    r = classify_label(tiny_arch(), task, cfg, cs=CS)
    assert r["status"] == "ok", r["error"]
    assert r["label_kind"] == "test_error" and r["window"] == 8 and r["steps"] == 3
    for k in ("test_acc", "cv_acc", "untrained_test_acc", "last_test_acc", "max_C"):
        assert 0.0 <= r[k] <= 100.0, k
    assert r["label"] == pytest.approx(1.0 - r["max_test_acc"])
    assert r["acc_gain"] == pytest.approx(r["test_acc"] - r["untrained_test_acc"])
    assert r["knn_acc_gain"] == pytest.approx(r["knn_test_acc"] - r["untrained_knn_test_acc"])
    assert r["knn_test_acc"] == r["max_knn_test_acc"] and 0.0 <= r["last_knn_test_acc"] <= 1.0
    assert r["test_acc"] >= 0.9  # an offset of 3 noise units survives any encoder
    again = classify_label(tiny_arch(), task, cfg, cs=CS)
    skip = {"seconds", "cpu_seconds", "train_seconds"}
    assert {k: v for k, v in r.items() if k not in skip} == {
        k: v for k, v in again.items() if k not in skip
    }
    other = classify_label(tiny_arch(), task, TrainConfig(steps=3, window=8, seed=1), cs=CS)
    assert other["final_loss"] != r["final_loss"]


def test_classify_label_caps_the_window_and_reports_failures():
    task = tiny_task()
    r = classify_label(tiny_arch(), task, TrainConfig(steps=1, window=64), pools=("last",), cs=CS)
    assert r["status"] == "ok" and r["window"] == 20 and "max_test_acc" not in r
    bad = classify_label(tiny_arch(), task, TrainConfig(steps=1), pools=("avg",))
    assert bad["status"] == "failed" and "pools" in bad["error"] and math.isnan(bad["label"])
    huge = classify_label(tiny_arch(), task, TrainConfig(steps=1, max_memory_gb=1e-6))
    assert huge["status"] == "failed" and "hyper.batch_size 8" in huge["error"]


def test_load_aeon_without_aeon_is_a_clear_data_error(monkeypatch):
    monkeypatch.setitem(sys.modules, "aeon", None)
    monkeypatch.setitem(sys.modules, "aeon.datasets", None)
    with pytest.raises(DataError, match=r"pip install 'ctsnas\[cls\]'"):
        cl.load_aeon("BasicMotions")


def test_load_aeon_bundled_datasets():
    pytest.importorskip("aeon")
    task = cl.load_aeon("BasicMotions")
    assert task.shape == (40, 40, 6, 100) and task.n_classes == 4
    assert task.source == "aeon:BasicMotions"
    assert task.fingerprint == cl.load_aeon("BasicMotions").fingerprint
    vowels = cl.load_aeon("JapaneseVowels")
    assert vowels.shape == cl.AEON_DATASETS["JapaneseVowels"]["shape"]
    assert vowels.report["train_lengths"] == [7, 26] and vowels.report["test_resampled"] > 0
    assert set(cl.AEON_DATASETS) <= set(cl.bundled_aeon())
    with pytest.raises(DataError, match="'Nope' is not a classification dataset bundled"):
        cl.load_aeon("Nope")
