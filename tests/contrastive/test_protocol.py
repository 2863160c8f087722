"""The label path: the forecasting and the classification label records, on tiny data."""

from __future__ import annotations

import math

import pytest

from contrastive.config import TrainConfig
from contrastive.net import ContrastiveNet
from contrastive.protocol import classify_label, label

from .tiny import BASE, CS, edit, sample_task, series_task, tiny_arch


def test_label_record_is_complete_and_finite():
    cfg = TrainConfig.tiny(checkpoints=(2,))
    rec = label(BASE, series_task(), cfg)
    assert rec["status"] == "ok", rec["error"]
    assert rec["error"] is None and rec["steps"] == cfg.steps
    for key in (
        "label",
        "val_mse",
        "val_mae",
        "test_mse",
        "test_mae",
        "final_loss",
        "seconds",
        "cpu_seconds",
    ):
        assert math.isfinite(rec[key]), key
    assert rec["label"] == rec["knn_val_mse"] and rec["label_kind"] == "knn_val_mse"  # default
    assert rec["gain"] == pytest.approx(rec["val_mse"] / rec["untrained_val_mse"])
    assert rec["scarce_gain"] == pytest.approx(
        rec["scarce_val_mse"] / rec["untrained_scarce_val_mse"]
    )
    assert rec["knn_gain"] == pytest.approx(rec["knn_val_mse"] / rec["untrained_knn_val_mse"])
    assert math.isfinite(rec["knn_test_mae"])
    assert "at2_val_mse" in rec and "at2_gain" in rec and "at2_knn_gain" in rec
    assert f"val_mse_h{cfg.horizons[0]}" in rec
    assert rec["alpha"] in cfg.alphas


def test_label_kind_selects_the_label():
    rec = label(BASE, series_task(), TrainConfig.tiny(label_kind="scarce_gain"))
    assert rec["label"] == rec["scarce_gain"] and rec["label_kind"] == "scarce_gain"
    rec = label(BASE, series_task(), TrainConfig.tiny(label_kind="knn_gain"))
    assert rec["label"] == rec["knn_gain"] and rec["label_kind"] == "knn_gain"


def _stable(rec: dict) -> dict:
    return {k: v for k, v in rec.items() if "seconds" not in k}


def test_same_seed_same_label_other_seed_other_label():
    task = series_task()
    a = label(BASE, task, TrainConfig.tiny(seed=3))
    b = label(BASE, task, TrainConfig.tiny(seed=3))
    c = label(BASE, task, TrainConfig.tiny(seed=4))
    assert a["status"] == b["status"] == c["status"] == "ok"
    assert _stable(a) == _stable(b)
    assert a["label"] != c["label"]


def test_non_finite_loss_is_a_failure_record_not_an_exception(monkeypatch):
    def nan_loss(self, x, gen):
        return self.encode(x).sum() * float("nan"), {}

    monkeypatch.setattr(ContrastiveNet, "loss", nan_loss)
    rec = label(BASE, series_task(), TrainConfig.tiny())
    assert rec["status"] == "failed"
    assert "non-finite loss" in rec["error"] and "step 0" in rec["error"]
    assert math.isnan(rec["label"])


def test_bad_inputs_are_failure_records():
    short = series_task(t=40)  # val split of 8 steps cannot hold window + horizon
    rec = label(BASE, short, TrainConfig.tiny())
    assert rec["status"] == "failed" and "val split" in rec["error"]
    bad = edit("hyper.hidden", 7)
    rec = label(bad, series_task(), TrainConfig.tiny())
    assert rec["status"] == "failed" and "hyper.hidden" in rec["error"]


def test_classify_label_record_and_determinism():
    task = sample_task()
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
    task = sample_task()
    r = classify_label(tiny_arch(), task, TrainConfig(steps=1, window=64), pools=("last",), cs=CS)
    assert r["status"] == "ok" and r["window"] == 20 and "max_test_acc" not in r
    bad = classify_label(tiny_arch(), task, TrainConfig(steps=1), pools=("avg",))
    assert bad["status"] == "failed" and "pools" in bad["error"] and math.isnan(bad["label"])
    huge = classify_label(tiny_arch(), task, TrainConfig(steps=1, max_memory_gb=1e-6))
    assert huge["status"] == "failed" and "hyper.batch_size 8" in huge["error"]


def test_both_kinds_run_the_one_label_path_with_its_callbacks():
    for run in (
        lambda **kw: label(BASE, series_task(), TrainConfig.tiny(steps=3), **kw),
        lambda **kw: classify_label(
            tiny_arch(), sample_task(), TrainConfig.tiny(steps=3), cs=CS, **kw
        ),
    ):
        steps: list[int] = []
        nets: list[ContrastiveNet] = []
        rec = run(on_step=lambda k, loss, seen=steps: seen.append(k), on_trained=nets.append)
        assert rec["status"] == "ok" and steps == [1, 2, 3]
        assert len(nets) == 1 and isinstance(nets[0], ContrastiveNet)
