"""Training, probes, the label record, references and the train CLI, on tiny data."""

from __future__ import annotations

import copy
import json
import math
from types import SimpleNamespace

import numpy as np
import pytest
import torch

from contrastive import train as tr
from contrastive.config import ALPHAS, TrainConfig
from contrastive.net import ContrastiveNet
from contrastive.probes import fit_probe, knn_probe, lag_windows, targets, window_ends
from contrastive.protocol import label
from contrastive.references import references
from contrastive.report import SEARCH_MORE, verdict_lines
from contrastive.training import _lr_at, compute_settings, resolve_device, train_net

BASE = {
    "contrastive": {
        "AugCell1": {"enabled_ops": ["jitter", "crop"], "params": {"jitter": 0.2, "crop": 0.3}},
        "AugCell2": {
            "enabled_ops": ["point_masking", "rescaling"],
            "params": {"point_masking": 0.2, "rescaling": 0.3},
        },
        "EmbedCell": {"jitter": 0.1, "mask": 0.1, "norm": "none"},
        "PairCell": {
            "instance": True,
            "temporal": True,
            "neighbor": False,
            "multiscale": False,
            "pool_type": "avg",
            "kernel": 2,
        },
        "LossCell": {"loss": "InfoNCE", "sim": "cosine", "temperature": 0.2},
    },
    "encoder": [[0, 1], [0, 2], [1, 3], [1, 4], [2, 0]],
    "hyper": {
        "cells": 1,
        "hidden": 16,
        "repr_dim": 32,
        "lr": 1e-3,
        "batch_size": 8,
        "dropout": 0.1,
    },
}


def tiny_series(t: int = 200, n: int = 3, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    steps = np.arange(t)[:, None]
    x = np.sin(2 * np.pi * steps / 12 + rng.uniform(0, 6, n)) + 0.3 * rng.standard_normal((t, n))
    return x.astype(np.float32)


def tiny_task(t: int = 200, n: int = 3) -> SimpleNamespace:
    x = tiny_series(t, n)
    a, b = int(0.6 * t), int(0.8 * t)
    mean, std = x[:a].mean(0), x[:a].std(0)
    parts = {"train": x[:a], "val": x[a:b], "test": x[b:]}
    return SimpleNamespace(
        name="tiny", splits=lambda: {k: (v - mean) / std for k, v in parts.items()}
    )


def edit(path: str, value) -> dict:
    arch = copy.deepcopy(BASE)
    *keys, last = path.split(".")
    node = arch
    for k in keys:
        node = node[k]
    node[last] = value
    return arch


AUG1 = "contrastive.AugCell1"
AUG2 = "contrastive.AugCell2"
MUTATIONS = {
    "AugCell1 order": edit(f"{AUG1}.enabled_ops", ["crop", "jitter"]),
    "AugCell1 strength": edit(f"{AUG1}.params", {"jitter": 0.4, "crop": 0.3}),
    "AugCell1 ops": edit(
        AUG1, {"enabled_ops": ["jitter", "resize"], "params": {"jitter": 0.2, "resize": 0.3}}
    ),
    "AugCell2 order": edit(f"{AUG2}.enabled_ops", ["rescaling", "point_masking"]),
    "AugCell2 strength": edit(f"{AUG2}.params", {"point_masking": 0.2, "rescaling": 0.1}),
    "AugCell2 ops": edit(
        AUG2, {"enabled_ops": ["frequency_masking"], "params": {"frequency_masking": 0.3}}
    ),
    "EmbedCell jitter": edit("contrastive.EmbedCell.jitter", 0.3),
    "EmbedCell mask": edit("contrastive.EmbedCell.mask", 0.3),
    "EmbedCell norm l2": edit("contrastive.EmbedCell.norm", "l2"),
    "EmbedCell norm layernorm": edit("contrastive.EmbedCell.norm", "layernorm"),
    "EmbedCell norm batchnorm": edit("contrastive.EmbedCell.norm", "batchnorm"),
    "PairCell instance": edit("contrastive.PairCell.instance", False),
    "PairCell temporal": edit("contrastive.PairCell.temporal", False),
    "PairCell neighbor": edit("contrastive.PairCell.neighbor", True),
    "PairCell multiscale": edit("contrastive.PairCell.multiscale", True),
    "PairCell pool_type": edit("contrastive.PairCell.pool_type", "max"),
    "PairCell kernel": edit("contrastive.PairCell.kernel", 3),
    "LossCell loss NTXent": edit("contrastive.LossCell.loss", "NTXent"),
    "LossCell loss Triplet": edit("contrastive.LossCell.loss", "Triplet"),
    "LossCell sim dot": edit("contrastive.LossCell.sim", "dot"),
    "LossCell sim euclidean": edit("contrastive.LossCell.sim", "euclidean"),
    "LossCell temperature": edit("contrastive.LossCell.temperature", 0.5),
    "encoder op": edit("encoder", [[0, 1], [0, 2], [1, 3], [1, 4], [2, 1]]),
    "encoder input": edit("encoder", [[0, 1], [0, 2], [1, 3], [0, 4], [2, 0]]),
    "encoder nodes": edit("encoder", [[0, 1], [0, 2], [1, 3], [1, 4], [2, 0], [1, 1], [3, 0]]),
    "hyper cells": edit("hyper.cells", 2),
    "hyper hidden": edit("hyper.hidden", 32),
    "hyper repr_dim": edit("hyper.repr_dim", 64),
    "hyper lr": edit("hyper.lr", 3e-3),
    "hyper batch_size": edit("hyper.batch_size", 16),
    "hyper dropout": edit("hyper.dropout", 0.0),
}


def run_signature(arch: dict) -> tuple:
    """Losses of 2 training steps and the trained encoder's output on a fixed input."""
    torch.manual_seed(0)
    net = ContrastiveNet(arch, n_series=3)
    cfg = TrainConfig.tiny(steps=2)
    out = train_net(
        net, tiny_series(60), cfg, torch.Generator().manual_seed(0), torch.device("cpu")
    )
    net.eval()
    with torch.no_grad():
        z = net.encode(torch.from_numpy(tiny_series(16).T.copy())[None, None])
    return tuple(out["losses"]), float(z.sum())


def test_every_arch_field_changes_the_run():
    torch.set_flush_denormal(True)
    torch.set_num_threads(1)
    base = run_signature(BASE)
    assert base == run_signature(BASE)  # the comparison below is not noise
    unchanged = [name for name, arch in MUTATIONS.items() if run_signature(arch) == base]
    assert unchanged == []


def test_label_record_is_complete_and_finite():
    cfg = TrainConfig.tiny(checkpoints=(2,))
    rec = label(BASE, tiny_task(), cfg)
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
    rec = label(BASE, tiny_task(), TrainConfig.tiny(label_kind="scarce_gain"))
    assert rec["label"] == rec["scarce_gain"] and rec["label_kind"] == "scarce_gain"
    rec = label(BASE, tiny_task(), TrainConfig.tiny(label_kind="knn_gain"))
    assert rec["label"] == rec["knn_gain"] and rec["label_kind"] == "knn_gain"


def _stable(rec: dict) -> dict:
    return {k: v for k, v in rec.items() if "seconds" not in k}


def test_same_seed_same_label_other_seed_other_label():
    task = tiny_task()
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
    rec = label(BASE, tiny_task(), TrainConfig.tiny())
    assert rec["status"] == "failed"
    assert "non-finite loss" in rec["error"] and "step 0" in rec["error"]
    assert math.isnan(rec["label"])


def test_bad_inputs_are_failure_records():
    short = tiny_task(t=40)  # val split of 8 steps cannot hold window + horizon
    rec = label(BASE, short, TrainConfig.tiny())
    assert rec["status"] == "failed" and "val split" in rec["error"]
    bad = edit("hyper.hidden", 7)
    rec = label(bad, tiny_task(), TrainConfig.tiny())
    assert rec["status"] == "failed" and "hyper.hidden" in rec["error"]


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


def test_lr_schedules():
    cfg = TrainConfig(steps=10, schedule="cosine", warmup=2)
    assert _lr_at(0, 1.0, cfg) == pytest.approx(0.5)
    assert _lr_at(2, 1.0, cfg) == pytest.approx(1.0)
    assert _lr_at(10, 1.0, cfg) == pytest.approx(0.1)
    assert _lr_at(7, 1.0, TrainConfig(steps=10)) == 1.0


def test_device_auto(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    assert resolve_device("auto") == torch.device("cpu")
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    assert resolve_device("auto") == torch.device("cuda")
    assert resolve_device("cpu") == torch.device("cpu")


def test_thread_counts_are_set_for_a_label_and_restored_after(monkeypatch):
    from threadpoolctl import threadpool_info

    seen = []
    real_loss = ContrastiveNet.loss

    def spy(self, *args):
        seen.append((torch.get_num_threads(), [p["num_threads"] for p in threadpool_info()]))
        return real_loss(self, *args)

    monkeypatch.setattr(ContrastiveNet, "loss", spy)
    before = torch.get_num_threads()
    try:
        torch.set_num_threads(2)
        blas = [p["num_threads"] for p in threadpool_info()]
        with compute_settings(TrainConfig(threads=1, device="cpu")) as device:
            assert device == torch.device("cpu") and torch.get_num_threads() == 1
        assert torch.get_num_threads() == 2
        rec = label(BASE, tiny_task(), TrainConfig.tiny(steps=2, threads=1))
        assert rec["status"] == "ok" and len(seen) == 2
        assert all(t == 1 and all(b == 1 for b in bs) for t, bs in seen)  # during the label
        assert torch.get_num_threads() == 2  # after it, the caller's counts again
        assert [p["num_threads"] for p in threadpool_info()] == blas
        failed = label(BASE, tiny_task(t=40), TrainConfig.tiny(threads=1))  # fails in the probe
        assert failed["status"] == "failed" and torch.get_num_threads() == 2
        refs = references(tiny_task(), TrainConfig.tiny(threads=1))
        assert "raw_short" in refs and torch.get_num_threads() == 2
    finally:
        torch.set_num_threads(before)


def test_references_hold_raw_lag_and_untrained_preset_probes():
    cfg = TrainConfig.tiny(long_lags=400)
    refs = references(tiny_task(), cfg)
    assert refs["raw_short"]["lags"] == cfg.short_lags
    assert refs["raw_long"]["lags"] == 40 - max(cfg.horizons)  # capped to what fits the val split
    for key in ("raw_short", "raw_long", "untrained_preset"):
        assert math.isfinite(refs[key]["val_mse"]) and math.isfinite(refs[key]["scarce_test_mse"])


def test_config_check():
    with pytest.raises(ValueError, match="label_kind"):
        TrainConfig(label_kind="nope").check()
    with pytest.raises(ValueError, match="schedule"):
        TrainConfig(schedule="step").check()
    with pytest.raises(ValueError, match="probe_cv"):
        TrainConfig(probe_cv="kfold").check()
    with pytest.raises(ValueError, match="knn_k"):
        TrainConfig(knn_k=0).check()


def test_blocked_cv_probe_picks_a_larger_alpha_than_loo_on_autocorrelated_windows():
    # smooth random-walk features, noise targets: neighbours leak under leave-one-out
    rng = np.random.default_rng(1)
    walk = np.cumsum(rng.standard_normal((300, 1, 40)), axis=0) * 0.1
    feats = {"train": walk[:200], "val": walk[200:250], "test": walk[250:]}
    ys = {k: np.cumsum(rng.standard_normal((len(v), 1, 1)), axis=0) for k, v in feats.items()}
    loo = fit_probe(feats, ys, (1,), ALPHAS, cv="loo")
    blocked = fit_probe(feats, ys, (1,), ALPHAS, cv="blocked")
    assert blocked["alpha"] > loo["alpha"]


def test_cli_json(tmp_path, capsys):
    x = tiny_series(300, 3)
    csv = tmp_path / "tiny.csv"
    csv.write_text("a,b,c\n" + "\n".join(",".join(f"{v:.5f}" for v in row) for row in x) + "\n")
    arch = tmp_path / "arch.json"
    arch.write_text(json.dumps(BASE))
    code = tr.main(
        [
            "--arch",
            str(arch),
            "--data",
            str(csv),
            "--steps",
            "2",
            "--window",
            "16",
            "--horizons",
            "4",
            "--json",
        ]
    )
    out = json.loads(capsys.readouterr().out)
    assert code == 0
    assert out["result"]["status"] == "ok" and out["config"]["steps"] == 2
    assert set(out["references"]) >= {"raw_short", "raw_long", "untrained_preset"}


def test_cli_table_with_preset(tmp_path, capsys):
    x = tiny_series(300, 2)
    csv = tmp_path / "tiny.csv"
    csv.write_text("a,b\n" + "\n".join(",".join(f"{v:.5f}" for v in row) for row in x) + "\n")
    code = tr.main(
        [
            "--preset",
            "ts2vec",
            "--data",
            str(csv),
            "--steps",
            "1",
            "--window",
            "16",
            "--horizons",
            "4",
        ]
    )
    captured = capsys.readouterr()
    text = captured.out
    assert code == 0
    for row in ("this arch, trained", "this arch, untrained", "raw lags 48", "raw lags 56"):
        assert f"\n{row} " in text, row
    assert "ts2vec preset, untrained" in text
    # the long window (336 capped to 56 here) is explained; a verdict with a next step closes it
    assert "no training; 48 and 336 steps (two weeks of hourly data), capped to 56," in text
    assert "\nverdict: this arch, knn_val_mse " in text and "\n  next: " in text
    assert "training on " in captured.err and "probing the references" in captured.err
    assert "series 2: each training step on 2, probes on 2\n" in text
    assert "raw lags 48 +1 corr." in text  # the cross-series reference: the other series


def test_verdict_lines_compare_on_label_and_test_and_flag_untrained():
    rec = {"status": "ok", "knn_val_mse": 0.8, "knn_test_mse": 0.5, "untrained_knn_val_mse": 0.7}
    others = [
        ("the trained ts2vec preset", {"knn_val_mse": 1.0, "knn_test_mse": 0.4}),
        ("raw lags 48", {"knn_val_mse": 0.9, "knn_test_mse": 1.0}),
        ("raw lags 336", {"knn_val_mse": 0.6, "knn_test_mse": 0.5}),
    ]
    lines = verdict_lines("the kept arch (rank 2)", rec, others, "knn_val_mse")
    assert lines == [
        "verdict: the kept arch (rank 2), knn_val_mse 0.8000 (val) / 0.5000 (knn_test_mse):",
        "  vs the trained ts2vec preset: 20% better on the label, 25% worse on test",
        "  vs the best raw-lag reference (raw lags 336): 33% worse on the label, "
        "even (within 0.5%) on test",
        "  note: the kept arch (rank 2) scores 0.7000 untrained, better than trained (0.8000): "
        "training did not help its label here",
        "  next: raw lags forecast better here (as on most bundled tasks): for forecasting, start "
        "from raw lags; to keep searching, " + SEARCH_MORE,
    ]
    failed = verdict_lines("x", {"status": "failed", "error": "boom"}, others, "knn_val_mse")
    assert failed == ["verdict: x failed to train (boom); nothing to compare"]


def test_cli_usage_errors():
    with pytest.raises(SystemExit) as err:
        tr.main(["--task", "x"])
    assert err.value.code == 2
    with pytest.raises(SystemExit) as err:  # a 0-step "trained" row would be a lie
        tr.main(["--preset", "ts2vec", "--task", "pedestrian", "--steps", "0"])
    assert err.value.code == 2
    with pytest.raises(SystemExit) as err:  # one arch: a file or a preset
        tr.main(["--preset", "ts2vec", "--arch", "a.json", "--task", "pedestrian"])
    assert err.value.code == 2
    with pytest.raises(SystemExit) as err:
        tr.main(["--preset", "nope", "--task", "pedestrian"])
    assert err.value.code == 2


def test_every_protocol_setting_is_a_flag_of_its_name_and_a_config_key(tmp_path):
    from dataclasses import fields

    names = {f.name for f in fields(TrainConfig)}
    flags = {a.dest for a in tr._parser()._actions}
    assert names <= flags  # one name per setting, from the flag to TrainConfig
    conf = tmp_path / "c.toml"
    conf.write_text('knn_k = 3\nschedule = "cosine"\nhorizons = [4, 8]\nwindow = 99\n')
    argv = ["--config", str(conf), "--preset", "ts2vec", "--task", "pedestrian", "--window", "16"]
    args, arch, cfg = tr._parse(argv)
    assert arch["hyper"] == tr.preset("ts2vec")["hyper"]
    assert cfg == TrainConfig(knn_k=3, schedule="cosine", horizons=(4, 8), window=16)
    _, _, cfg = tr._parse(["--preset", "ts2vec", "--task", "pedestrian", "--checkpoints", "5,10"])
    assert cfg.checkpoints == (5, 10) and type(cfg) is TrainConfig
    with pytest.raises(SystemExit) as err:  # the choices come from the config's Literal types
        tr._parse(["--preset", "ts2vec", "--task", "pedestrian", "--probe-cv", "kfold"])
    assert err.value.code == 2
