"""The width benchmarks' helpers: the temporal twin of an arch and the spatial summary."""

from __future__ import annotations

import json

import pytest

import archgraph
from benchmarks import width_spatial
from benchmarks.width_spatial import summarise, temporal_twin
from contrastive.presets import preset


def test_temporal_twin_swaps_spatial_ops_only():
    arch = archgraph.canonical(preset("ts2vec"))
    arch["encoder"] = [[0, 2], [0, 4], [1, 1], [1, 3], [2, 0]]
    twin = temporal_twin(arch)
    assert twin["encoder"] == [[0, 1], [0, 3], [1, 1], [1, 3], [2, 0]]
    assert twin["contrastive"] == arch["contrastive"] and twin["hyper"] == arch["hyper"]
    archgraph.validate(twin)
    assert temporal_twin(twin) is None


def _rows() -> list[dict]:
    """One task's rows: references, the preset, three archs (two with twins)."""

    def row(kind, h, lab, untrained, spatial=None, twin=None):
        return {
            "task": "t",
            "kind": kind,
            "arch_hash": h,
            "shape": [10, 3],
            "status": "ok",
            "label": lab,
            "untrained_knn_val_mse": untrained,
            "spatial": spatial,
            "twin_hash": twin,
        }

    refs = {"raw_short": {"knn_val_mse": 0.5}, "raw_long": {"knn_val_mse": 0.4}}
    rows = [
        {"task": "t", "kind": "references", "shape": [10, 3], "refs": refs},
        row("preset", "p", 0.6, 0.7),
        row("arch", "a", 0.8, 1.0, True, "ta"),
        row("twin", "ta", 1.0, 1.0),
        row("arch", "b", 0.9, 0.8, True, "tb"),
        row("twin", "tb", 0.6, 0.7),
        row("arch", "c", 0.7, 0.9, False),
    ]
    return rows


def test_summary_pairs_archs_with_their_twins():
    (s,) = summarise(_rows())
    assert s["raw_best"] == 0.4 and s["preset"] == 0.6 and s["archs"] == 3
    assert s["arch_best"] == 0.7 and s["arch_median"] == 0.8
    assert s["share_training_helped"] == 2 / 3
    assert s["pairs"] == 2 and s["share_spatial_better"] == 0.5
    assert s["median_spatial_over_twin"] == (0.8 + 1.5) / 2
    assert s["sign_test_p"] == 1.0  # 1 win of 2
    assert s["spatial_median"] == (0.8 + 0.9) / 2 and s["no_spatial_median"] == 0.7


def test_summary_only_rewrites_the_report_from_the_rows(tmp_path, capsys):
    stem = tmp_path / "ws"
    argv = ["--summary-only", "--out", str(stem), "--archs", "3"]
    assert width_spatial.main(argv) == 1  # no rows yet
    assert f"{stem}.jsonl: no rows to summarise" in capsys.readouterr().err
    rows = [dict(r, loadavg=1.5) for r in _rows()]
    stem.with_suffix(".jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    assert width_spatial.main(argv) == 0
    md = stem.with_suffix(".md").read_text()
    assert f"Command: `python -m benchmarks.width_spatial --out {stem} --archs 3` (rows" in md
    assert "| t | 10x3 | 0.400 |" in md
    doc = json.loads(stem.with_suffix(".json").read_text())
    assert doc["config"]["archs"] == 3 and doc["config"]["summary_only"] is True
    assert doc["summary"][0]["pairs"] == 2


def test_width_spatial_config_file_and_flags(tmp_path):
    parser = width_spatial.build_parser()
    assert parser.parse([]) == width_spatial.Config()
    cfg = parser.parse(["--budget", "12", "--summary-only", "--tasks", "a,b"])
    assert (cfg.budget, cfg.summary_only, cfg.tasks) == (12, True, "a,b")
    conf = tmp_path / "c.json"
    conf.write_text('{"archs": 5, "summary-only": true, "budget": null}')
    cfg = parser.parse(["--config", str(conf), "--archs", "7"])
    assert (cfg.archs, cfg.summary_only, cfg.budget) == (7, True, None)


def test_sign_test_p_exact():
    assert width_spatial.sign_test_p(0, 0) is None
    assert width_spatial.sign_test_p(0, 5) == pytest.approx(2 / 32)  # 2 x .5^5
    assert width_spatial.sign_test_p(1, 5) == pytest.approx(2 * 6 / 32)
    assert width_spatial.sign_test_p(3, 6) == pytest.approx(1.0)


def test_shards_split_the_jobs_without_overlap(tmp_path, monkeypatch):
    """Two shards label disjoint jobs that together are the whole list."""
    import contrastive.protocol
    import contrastive.references

    calls = []

    def fake_label(arch, task, cfg):
        calls.append(archgraph.arch_hash(arch))
        return {"status": "ok", "label": 1.0, "knn_val_mse": 1.0, "untrained_knn_val_mse": 2.0}

    monkeypatch.setattr(contrastive.protocol, "label", fake_label)
    monkeypatch.setattr(contrastive.references, "references", lambda task, cfg: {})
    stem = tmp_path / "ws"
    base = ["--tasks", "india_power_south", "--archs", "4", "--out", str(stem)]
    for i in range(2):
        width_spatial.main([*base, "--shard", f"{i}/2"])
    rows = [json.loads(line) for line in stem.with_suffix(".jsonl").read_text().splitlines()]
    keys = [(r["kind"], r["arch_hash"]) for r in rows]
    assert len(keys) == len(set(keys))  # no job twice
    twins = sum(width_spatial.temporal_twin(a) is not None for a in archgraph.sample(4, seed=0))
    assert len(rows) == 1 + 1 + 4 + twins  # references, preset, archs, twins
    n = len(calls)
    width_spatial.main(base)  # unsharded rerun: nothing left to label
    assert len(calls) == n
    with pytest.raises(ValueError, match="--shard"):
        width_spatial.parse_shard("2/2")
    with pytest.raises(ValueError, match="--shard"):
        width_spatial.parse_shard("x")


@pytest.mark.skipif(__import__("torch").cuda.is_available(), reason="a CUDA device is present")
def test_gpu_part_without_a_device_exits_1_and_writes_nothing(tmp_path, capsys):
    from benchmarks import width

    assert width.main(["--part", "gpu", "--out", str(tmp_path / "g")]) == 1
    assert "--device cuda: no CUDA device" in capsys.readouterr().err
    assert not list(tmp_path.iterdir())


def test_gpu_part_machinery_on_the_cpu(tmp_path):
    """--device cpu runs the gpu part end to end: both labels of an arch are the same label."""
    from benchmarks import width

    stem = tmp_path / "g"
    argv = ["--part", "gpu", "--device", "cpu", "--width", "3", "--steps", "600"]
    argv += ["--archs", "1", "--gpu-steps", "2", "--threads", "1", "--out", str(stem)]
    assert width.main(argv) == 0
    doc = json.loads(stem.with_suffix(".json").read_text())
    g = doc["result"]["gpu"]
    assert g["shape"] == [600, 3] and len(g["rows"]) == 2  # the preset and 1 sampled arch
    for r in g["rows"]:
        assert r["status"] == "ok" and r["label_device"] == r["label_cpu"]
        assert r["speedup"] == pytest.approx(r["cpu_seconds"] / r["device_seconds"])
    md = stem.with_suffix(".md").read_text()
    assert "## One label at N = 3, T = 600 (synthetic), budget 2: cpu vs the CPU" in md
    assert "Median speed-up" in md
