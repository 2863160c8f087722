"""Labelled-sample tasks: building, the length rule, errors, aeon datasets."""

from __future__ import annotations

import sys

import numpy as np
import pytest

from contrastive import samples as cl
from contrastive.data import DataError
from contrastive.samples import from_samples, resample

from .tiny import sample_task


def test_from_samples_shapes_classes_and_fingerprint():
    task = sample_task()
    assert task.shape == (24, 16, 2, 20)
    assert task.classes == ("0", "1") and task.n_classes == 2
    assert task.x_train.dtype == np.float32 and task.y_train.dtype == np.int64
    assert not task.x_train.flags.writeable
    assert task.fingerprint == sample_task().fingerprint
    assert task.fingerprint != sample_task(seed=5).fingerprint
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
