import numpy as np
import pytest

from predictor.tasks import (
    STAT_NAMES,
    EmbedderConfig,
    TaskFeatures,
    TaskFeaturizer,
    WindowEmbedder,
    fingerprint,
    task_stats,
)


def _seasonal(t=480, n=4, seed=0):
    rng = np.random.default_rng(seed)
    x = np.arange(t)
    return np.sin(2 * np.pi * x / 24)[:, None] * np.ones((1, n)) + 0.05 * rng.standard_normal(
        (t, n)
    )


def _walk(t=400, n=6, seed=1):
    return np.random.default_rng(seed).standard_normal((t, n)).cumsum(0)


class FakeTask:
    def __init__(self, arr, fp, freq=24):
        self.arr, self.fingerprint, self.freq = arr, fp, freq

    def splits(self):
        return {"train": self.arr}


def test_stats_values_known_cases():
    s = dict(zip(STAT_NAMES, task_stats(_seasonal()), strict=True))
    assert s["log_n_series"] == pytest.approx(np.log(4))
    assert s["log_length"] == pytest.approx(np.log(480))
    assert s["acf_24"] > 0.9 and s["acf_1"] > 0.9 and s["acf_8"] < 0  # period-24 sine
    assert s["seasonal_strength"] > 0.9
    assert s["cross_corr"] > 0.9  # identical sines
    assert s["spectral_entropy"] < 0.3
    w = dict(zip(STAT_NAMES, task_stats(_walk()), strict=True))
    assert w["spectral_entropy"] < s["spectral_entropy"] + 1 and w["acf_24"] > 0.5
    assert w["cross_corr"] < 0.9


def test_two_tasks_differ_same_task_identical(tmp_path):
    emb = WindowEmbedder(EmbedderConfig.tiny())
    emb.fit([_seasonal(), _walk()])
    f = TaskFeaturizer(emb, cache_dir=tmp_path)
    a1, b = f.features(_seasonal()), f.features(_walk())
    assert np.abs(a1.stats - b.stats).max() > 0.3
    assert np.linalg.norm(a1.pooled - b.pooled) > 1e-3
    a2 = TaskFeaturizer(emb, cache_dir=tmp_path).features(_seasonal())  # from the npz cache
    assert np.array_equal(a1.vector(), a2.vector()) and np.array_equal(a1.windows, a2.windows)
    a3 = TaskFeaturizer(emb).features(_seasonal())  # recomputed
    assert np.array_equal(a1.vector(), a3.vector())
    assert a1.windows.shape == (16, 8) and a1.pooled.shape == (8,)
    assert list(tmp_path.glob("*.npz"))


def test_duck_typed_task_and_fingerprint():
    arr = _walk()
    t = FakeTask(arr, "fp-1")
    assert fingerprint(t) == "fp-1"
    assert fingerprint(arr) == fingerprint(arr.copy()) != fingerprint(arr + 1)
    f = TaskFeaturizer()
    ft = f.features(t)
    assert isinstance(ft, TaskFeatures) and ft.windows.size == 0
    assert ft.stats[STAT_NAMES.index("log_freq")] == pytest.approx(np.log1p(24))
    assert f.features(t) is ft  # memory cache


def test_bad_shapes():
    with pytest.raises(ValueError, match="training split"):
        task_stats(np.zeros((2, 3)))
