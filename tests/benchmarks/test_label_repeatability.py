"""benchmarks.label_repeatability on tiny JSONL runs and on a store."""

import json

import pytest

from benchmarks.label_repeatability import main
from contrastive.store import LabelStore


def _write_runs(path):
    rows = []
    for i in range(6):
        for seed in range(4):
            # kind "a": the same order on every seed; kind "b": h0/h1 swap on odd seeds
            b = float(i if seed % 2 == 0 or i > 1 else 1 - i)
            rows.append({"task": "t", "hash": f"h{i}", "seed": seed, "a": float(i), "b": b,
                         "cpu_seconds": 2.0 + seed, "status": "ok"})  # fmt: skip
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))


def test_runs_table(tmp_path, capsys):
    _write_runs(tmp_path / "runs.jsonl")
    out = tmp_path / "rep"
    argv = ["--runs", str(tmp_path / "runs.jsonl"), "--kinds", "a,b,missing", "--out", str(out)]
    assert main([*argv, "--corpus-archs", "10"]) == 0
    doc = json.loads(out.with_suffix(".json").read_text())
    a, b, missing = doc["tasks"]
    assert a["split_tau"] == pytest.approx(1.0) and a["seeds_needed"] == 2 and a["kept"]
    assert b["split_tau"] == pytest.approx(13 / 15)  # halves (0, 2) vs (1, 3)
    assert a["median_seconds"] == 3.5
    assert a["corpus_cpu_hours"] == pytest.approx(2 * 10 * 3.5 / 3600)
    assert "error" in missing and "needs >= 5 archs" in missing["error"]
    md = out.with_suffix(".md").read_text()
    assert "| t | 6 | 4 | 1.00 |" in md and "Read literally, the keep rule drops none" in md


def test_store_source(tmp_path):
    path = tmp_path / "l.sqlite"
    with LabelStore(path) as s:
        for i in range(5):
            for seed in (0, 1):
                s.put((f"h{i}", "t", 30, seed), {"i": i},
                      {"status": "ok", "label": float(i), "knn_val_mse": float(i), "seconds": 1})  # fmt: skip
    out = tmp_path / "rep"
    assert main(["--store", str(path), "--kinds", "knn_val_mse", "--out", str(out)]) == 0
    (e,) = json.loads(out.with_suffix(".json").read_text())["tasks"]
    assert e["split_tau"] == pytest.approx(1.0) and e["n_archs"] == 5 and e["seeds"] == [0, 1]
    with pytest.raises(ValueError, match="no such label store"):
        main(["--store", str(tmp_path / "none.sqlite"), "--out", str(out)])
