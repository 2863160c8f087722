"""The label sweep: exported tasks round-trip exactly; 1 and 2 workers give the same records."""

from __future__ import annotations

import json

import numpy as np
import pytest

from benchmarks import label_sweep as ls
from contrastive.data import DataError, from_array


def _task(rng: np.random.Generator):
    t = np.arange(400, dtype=np.float64)
    values = np.sin(t[:, None] / np.array([5.0, 9.0, 13.0])) + 0.1 * rng.standard_normal((400, 3))
    return from_array(values, "toy", domain="test", freq="1h")


def test_export_round_trip_is_exact(tmp_path):
    task = _task(np.random.default_rng(0))
    ls.export_task(task, tmp_path)
    back = ls.load_exported(tmp_path, "toy")
    assert back.fingerprint == task.fingerprint
    assert back.columns == task.columns and back.report == task.report
    np.testing.assert_array_equal(back.values, task.values)
    for name, split in task.splits().items():
        np.testing.assert_array_equal(back.splits()[name], split)
    with pytest.raises(DataError, match="missing.npz"):
        ls.load_exported(tmp_path, "missing")


def _sweep(tmp_path, out: str, workers: int) -> list[dict]:
    argv = [
        "--tasks=toy",
        f"--task-dir={tmp_path}",
        "--n-archs=2",
        "--seeds=0,1",
        "--steps=2",
        "--window=16",
        "--checkpoints=1",
        f"--workers={workers}",
        f"--out={tmp_path / out}",
    ]
    assert ls.main(argv) == 0
    rows = [json.loads(line) for line in (tmp_path / out).read_text().splitlines()]
    return sorted(rows, key=lambda r: (r["index"], r["seed"]))


def test_sweep_workers_agree_and_resume(tmp_path):
    ls.export_task(_task(np.random.default_rng(1)), tmp_path)
    one = _sweep(tmp_path, "one.jsonl", 1)
    two = _sweep(tmp_path, "two.jsonl", 2)
    assert [(r["index"], r["seed"]) for r in one] == [(0, 0), (0, 1), (1, 0), (1, 1)]
    for a, b in zip(one, two, strict=True):
        assert a["status"] == "ok", a["error"]
        assert (a["window"], a["steps"], a["device"]) == (16, 2, "cpu")
        assert a["val_mse"] == b["val_mse"] and a["at1_val_mse"] == b["at1_val_mse"]
    assert _sweep(tmp_path, "one.jsonl", 1) == one  # a rerun adds nothing
