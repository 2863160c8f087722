"""The probe-kind summary on hand-made sweep records (no training)."""

from __future__ import annotations

import json

import pytest

from benchmarks import label_knn as lk


def _rec(task: str, index: int, seed: int, knn: float, ridge: float, **extra) -> dict:
    return {
        "task": task,
        "index": index,
        "seed": seed,
        "steps": 30,
        "status": "ok",
        "knn_val_mse": knn,
        "untrained_knn_val_mse": 1.0,
        "knn_gain": knn / 1.0,
        "val_mse": ridge,
        "untrained_val_mse": 0.5,
        "gain": ridge / 0.5,
        "cpu_seconds": 2.0,
        **extra,
    }


def test_preset_summary_counts_seeds_and_budgets():
    rows = [
        _rec("a", 0, 0, 0.8, 0.6, at10_knn_val_mse=0.9, at10_val_mse=0.4),
        _rec("a", 0, 1, 1.2, 0.4, at10_knn_val_mse=0.95, at10_val_mse=0.45),
        _rec("a", 0, 2, 0.7, 0.7, at10_knn_val_mse=1.1, at10_val_mse=0.6),
    ]
    out = lk.preset_summary(rows)["a"]
    assert out["knn@30"]["seeds_better"] == 2 and out["knn@30"]["seeds"] == 3
    assert out["knn@30"]["trained"] == pytest.approx(0.9)
    assert out["ridge@30"]["seeds_better"] == 1
    assert out["knn@10"]["seeds_better"] == 2 and out["ridge@10"]["seeds_better"] == 2
    assert out["seeds"] == [0, 1, 2]


def test_preset_summary_keeps_runs_of_two_budgets_apart():
    # a 30-step run and a 100-step run with a checkpoint at 30: budget 30 is the 30-step run's
    rows = [
        _rec("a", 0, 0, 0.8, 0.6),
        {**_rec("a", 0, 0, 0.5, 0.6, at30_knn_val_mse=1.4, at30_val_mse=0.4), "steps": 100},
    ]
    out = lk.preset_summary(rows)["a"]
    assert out["knn@30"] == {
        "trained": 0.8,
        "untrained": 1.0,
        "gain": 0.8,
        "seeds_better": 1,
        "seeds": 1,
    }
    assert out["knn@100"]["trained"] == 0.5 and out["knn@100"]["seeds"] == 1
    only_long = lk.preset_summary(rows[1:])["a"]  # no 30-step run: its checkpoint serves
    assert only_long["knn@30"]["trained"] == 1.4 and only_long["knn@30"]["seeds_better"] == 0
    # CPU time is summarised per budget a run ended at, never mixed across budgets
    timed = [{**rows[0], "cpu_seconds": 3.0}, {**rows[1], "cpu_seconds": 11.0}]
    timed.append({**timed[0], "seed": 1, "cpu_seconds": 5.0})
    assert lk.preset_summary(timed)["a"]["median_cpu_seconds"] == {"30": 4.0, "100": 11.0}


def test_arch_summary_taus_over_archs_with_both_seeds(tmp_path):
    # kNN ranks agree across seeds exactly; ridge ranks are reversed; arch 4 lacks seed 1
    rows = [_rec("t", i, 0, 0.1 * (i + 1), 0.1 * (i + 1)) for i in range(5)]
    rows += [_rec("t", i, 1, 0.2 * (i + 1), 1.0 - 0.1 * i) for i in range(4)]
    rows.append({**_rec("t", 9, 1, 0.0, 0.0), "status": "failed"})
    out = lk.arch_summary(rows)["t"]
    assert out["archs_with_both_seeds"] == 4 and out["failed"] == 1
    assert out["tau_seed_knn_val_mse"] == pytest.approx(1.0)
    assert out["tau_seed_val_mse"] == pytest.approx(-1.0)
    assert out["share_helped_knn"] == pytest.approx(1.0)
    assert "archs_with_4_seeds" not in out
    rows += [_rec("t", i, s, 0.1 * (i + 1) + s, 0.3) for i in range(4) for s in (2, 3)]
    four = lk.arch_summary(rows)["t"]
    assert four["archs_with_4_seeds"] == 4 and four["tau_mean2_knn_val_mse"] == pytest.approx(1.0)
    assert four["tau_pairs_knn_val_mse"] == pytest.approx(1.0)
    # ridge: seeds 0, 1 reversed; seeds 2, 3 constant (tau NaN) -> NaN pairs propagate honestly
    assert four["tau_pairs_val_mse"] != four["tau_pairs_val_mse"]
    path = tmp_path / "s.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    assert (
        lk.main([f"--archs={path}", "--preset=none", "--no-refs", f"--out={tmp_path / 'r'}"]) == 0
    )
    text = (tmp_path / "r.md").read_text()
    doc = json.loads((tmp_path / "r.json").read_text())
    assert doc["command"].endswith("--no-refs --out=" + str(tmp_path / "r"))
    assert text == lk.markdown(doc) and f"Command: `{doc['command']}`" in text
    assert "| t | 4 | 30 | 1.00 |" in text and "| t | 4 | 1.00 / 1.00 |" in text
    with pytest.raises(ValueError, match="no records"):
        lk.main(["--archs=none", "--preset=none", "--no-refs", f"--out={tmp_path / 'r'}"])
