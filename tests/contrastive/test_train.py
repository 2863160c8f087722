"""The ``python -m contrastive.train`` CLI, on tiny data."""

from __future__ import annotations

import json

import pytest

from contrastive import train as tr
from contrastive.config import TrainConfig

from .tiny import BASE, tiny_series


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
