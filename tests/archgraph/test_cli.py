import json

import pytest

from archgraph.__main__ import main

from .conftest import EXAMPLE


def test_sample_jsonl(capsys):
    assert main(["sample", "-n", "3", "--seed", "1"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 3
    import archgraph as ag

    assert [json.loads(line) for line in lines] == ag.sample(3, seed=1)


def test_config_file_mirrors_flags_and_flags_win(tmp_path, capsys):
    cfg = tmp_path / "c.toml"
    cfg.write_text("n = 2\nseed = 1\n")
    assert main(["sample", "--config", str(cfg)]) == 0
    assert len(capsys.readouterr().out.splitlines()) == 2
    assert main(["sample", "--config", str(cfg), "-n", "4"]) == 0
    assert len(capsys.readouterr().out.splitlines()) == 4
    bad = tmp_path / "bad.json"
    bad.write_text('{"count": 3}')
    with pytest.raises(SystemExit) as info:
        main(["sample", "--config", str(bad)])
    assert info.value.code == 2
    assert "unknown key 'count'" in capsys.readouterr().err


def test_validate_ok_and_bad(tmp_path, capsys):
    good = tmp_path / "good.json"
    good.write_text(json.dumps(EXAMPLE))
    assert main(["validate", str(good)]) == 0
    assert "ok" in capsys.readouterr().out
    bad_arch = json.loads(json.dumps(EXAMPLE))
    bad_arch["contrastive"]["LossCell"]["temperature"] = 2
    bad = tmp_path / "bad.jsonl"
    bad.write_text(json.dumps(EXAMPLE) + "\n" + json.dumps(bad_arch) + "\n")
    assert main(["validate", str(bad)]) == 1
    err = capsys.readouterr().err
    assert "arch 1" in err and "contrastive.LossCell.temperature" in err


def test_encode_summary_and_draw(tmp_path, capsys):
    f = tmp_path / "a.json"
    f.write_text(json.dumps([EXAMPLE]))
    assert main(["encode", str(f)]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert (
        summary["num_nodes"] == 16 and summary["num_edges"] == 21 and summary["feature_dim"] == 31
    )
    out = tmp_path / "a.png"
    assert main(["draw", str(f), "-o", str(out)]) == 0
    assert out.stat().st_size > 0


def test_unknown_command_and_missing_file(tmp_path, capsys):
    assert main(["frobnicate"]) == 2
    with pytest.raises(ValueError, match="cannot read"):
        main(["validate", str(tmp_path / "nope.json")])


def test_demo_default(tmp_path, capsys):
    assert main(["--out-dir", str(tmp_path), "-n", "2"]) == 0
    assert len(list(tmp_path.glob("*.png"))) == 2
    assert len((tmp_path / "archs.jsonl").read_text().splitlines()) == 2
