"""The classification-probe benchmark's summary, on hand-made records (no aeon needed)."""

from __future__ import annotations

import json

import pytest

from benchmarks import label_classify as lc


def _arch(index: int, seed: int, acc: float, untrained: float, status: str = "ok") -> dict:
    return {
        "dataset": "D",
        "kind": "arch",
        "index": index,
        "seed": seed,
        "steps": 30,
        "status": status,
        "test_acc": acc,
        "cv_acc": acc,
        "untrained_test_acc": untrained,
        "acc_gain": acc - untrained,
        "seconds": 2.0 + index,
        "cpu_seconds": 1.0,
    }


def test_summary_tau_shares_and_preset_counts(tmp_path, capsys):
    rows = [_arch(i, s, 0.5 + 0.1 * i, 0.6) for i in range(4) for s in (0, 1)]
    rows.append(_arch(4, 0, 0.9, 0.6, status="failed"))
    rows.append(
        {
            "dataset": "D",
            "kind": "raw",
            "index": -1,
            "seed": 0,
            "steps": 0,
            "status": "ok",
            "test_acc": 0.7,
            "cv_acc": 0.6,
        }
    )
    for seed, gain in ((0, 0.1), (1, -0.1)):
        rows.append(
            {
                "dataset": "D",
                "kind": "preset",
                "index": -1,
                "seed": seed,
                "steps": 30,
                "status": "ok",
                "acc_gain": gain,
                "seconds": 1.0,
                "cpu_seconds": 1.0,
                "max_test_acc": 0.8,
                "untrained_max_test_acc": 0.8 - gain,
                "last_test_acc": 0.5,
                "untrained_last_test_acc": 0.5,
            }
        )
    s = lc.summarize(rows)["D"]
    a = s["arch_s30"]
    assert a["tau_test_acc"] == pytest.approx(1.0) and a["tau_archs"] == 4
    assert (a["share_helped"], a["share_tied"], a["share_hurt"]) == (0.5, 0.25, 0.25)
    assert a["failed"] == 1 and a["median_seconds"] == 3.5
    p = s["preset_s30"]
    assert (p["seeds_better"], p["seeds_worse"], p["seeds"]) == (1, 1, [0, 1])
    assert s["raw_test_acc"] == 0.7
    out = tmp_path / "r.jsonl"
    out.write_text("".join(json.dumps(r) + "\n" for r in rows))
    summary = tmp_path / "s.json"
    assert lc.main(["--summarize", "--out", str(out), "--summary", str(summary)]) == 0
    assert "| D | 30 | 4 | 1.00 |" in capsys.readouterr().out
    assert json.loads(summary.read_text())["D"]["raw_test_acc"] == 0.7
    assert "kNN classifier" not in lc.table(lc.summarize(rows))  # old records: no kNN tables
    for r in rows:
        if r["kind"] in ("arch", "preset") and r["status"] == "ok":
            gain = r["acc_gain"]
            r.update(knn_test_acc=0.9 - 0.1 * r["index"], untrained_knn_test_acc=0.9 - gain)
            r["knn_acc_gain"] = r["knn_test_acc"] - r["untrained_knn_test_acc"]
    k = lc.summarize(rows)["D"]
    assert k["arch_s30"]["tau_knn_test_acc"] == pytest.approx(1.0)
    assert (k["preset_s30"]["knn_seeds_better"], k["preset_s30"]["knn_seeds_worse"]) == (1, 0)
    text = lc.table({"D": k})
    assert "kNN classifier" in text and "| D | 30 | 4 | 1.00 |" in text


def test_unknown_dataset_is_named():
    with pytest.raises(ValueError, match=r"--datasets: unknown \['Nope'\]"):
        lc._names("BasicMotions,Nope", tuple(lc.AEON_DATASETS), "--datasets")
