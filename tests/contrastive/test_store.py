"""The label store: idempotent writes, queries, export, references, concurrent writers."""

from __future__ import annotations

import csv
import json
import math
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from contrastive.store import Key, LabelStore

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def store(tmp_path):
    with LabelStore(tmp_path / "labels.sqlite") as s:
        yield s


def _ok(v: float, **extra) -> dict:
    return {"status": "ok", "label": v, "val_mse": v, "seconds": 0.5, **extra}


def test_wal_and_schema(store):
    assert store._con.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert store.integrity_check() == "ok"
    assert store.count() == 0 and store.records() == [] and store.tasks() == []


def test_ok_rows_are_final(store):
    key = Key("h1", "t", 100, 0)
    assert store.put(key, {"a": 1}, _ok(0.4), code_version="c1", space_version="cts-1")
    assert not store.put(key, {"a": 1}, _ok(0.9), code_version="c2")
    assert not store.put(key, {"a": 1}, {"status": "failed", "error": "late"})
    (rec,) = store.records()
    assert rec["label"] == 0.4 and rec["code_version"] == "c1" and rec["space_version"] == "cts-1"
    assert rec["arch"] == {"a": 1} and rec["metrics"]["val_mse"] == 0.4 and rec["seconds"] == 0.5
    assert set(rec) == {
        "arch_hash", "task", "budget", "seed", "arch", "status", "error", "label", "metrics",
        "seconds", "code_version", "space_version", "created",
    }  # fmt: skip
    assert store.count() == 1


def test_failed_rows_are_replaced_by_retries(store):
    key = ("h1", "t", 100, 0)
    store.put(key, {}, {"status": "failed", "error": "RuntimeError: first"})
    store.put(key, {}, {"status": "failed", "error": "RuntimeError: second"})
    assert store.records(status="failed")[0]["error"] == "RuntimeError: second"
    assert store.put(key, {}, _ok(0.2))
    assert store.status(key) == "ok" and store.count() == 1


def test_non_finite_label_is_a_failure(store):
    store.put(("h", "t", 1, 0), {}, {"status": "ok", "label": math.nan, "val_mse": math.inf})
    (rec,) = store.records(status="failed")
    assert "not a finite number" in rec["error"] and rec["label"] is None
    assert rec["metrics"]["val_mse"] is None  # stored as strict JSON (no NaN/Infinity)


def test_has_missing_records_filters(store):
    for i in range(4):
        store.put((f"h{i}", "a", 100, 0), {"i": i}, _ok(i / 10))
    store.put(("h0", "b", 100, 0), {"i": 0}, _ok(0.5))
    store.put(("h1", "b", 200, 1), {"i": 1}, {"status": "failed", "error": "x"})
    assert store.has(("h1", "b", 200, 1)) and not store.has(
        ("h1", "b", 200, 1), include_failed=False
    )
    want = [Key("h0", "a", 100, 0), Key("h9", "a", 100, 0), Key("h1", "b", 200, 1)]
    assert store.missing(want) == [Key("h9", "a", 100, 0)]
    assert store.missing(want, retry_failed=True) == want[1:]
    assert len(store.records(task="a")) == 4 and len(store.records(budget=100)) == 5
    assert len(store.records(status=None)) == 6 and store.records(task="b", budget=200) == []
    tasks = {t["task"]: t for t in store.tasks()}
    assert tasks["a"]["ok"] == 4 and tasks["b"] == {
        "task": "b", "ok": 1, "failed": 1, "budgets": [100, 200], "references": [],
    }  # fmt: skip


def test_references_upsert(store):
    store.put_reference("a", "raw_lag", {"label": 0.3, "val_mse": 0.3})
    store.put_reference("a", "raw_lag", {"label": 0.2, "val_mse": 0.2})
    store.put_reference("a", "untrained", {"label": 0.5}, budget=100, seed=1)
    refs = store.references("a")
    assert [(r["kind"], r["label"]) for r in refs] == [("raw_lag", 0.2), ("untrained", 0.5)]
    assert store.has_reference("a", "untrained", 100, 1) and not store.has_reference("a", "x")
    assert store.tasks()[0]["references"] == ["raw_lag", "untrained"]


def test_export_jsonl_and_csv(store, tmp_path):
    for i in range(3):
        store.put((f"h{i}", "a", 100, 0), {"i": i}, _ok(i / 10))
    store.put(("hx", "a", 100, 0), {}, {"status": "failed", "error": "boom"})
    assert store.export(tmp_path / "out.jsonl") == 4
    lines = [json.loads(x) for x in (tmp_path / "out.jsonl").read_text().splitlines()]
    assert {r["arch_hash"] for r in lines} == {"h0", "h1", "h2", "hx"}
    assert store.export(tmp_path / "ok.csv", status="ok") == 3
    rows = list(csv.DictReader((tmp_path / "ok.csv").open()))
    assert json.loads(rows[1]["arch"]) == {"i": 1} and float(rows[1]["label"]) == 0.1
    with pytest.raises(ValueError, match="must be .jsonl or .csv"):
        store.export(tmp_path / "out.txt")


_WRITER = textwrap.dedent(
    """
    import sys
    from contrastive.store import LabelStore
    path, offset = sys.argv[1], int(sys.argv[2])
    store = LabelStore(path)
    for i in range(offset, offset + 150):
        store.put((f"h{i}", "t", 10, 0), {"i": i}, {"status": "ok", "label": i / 1000})
    store.close()
    """
)


def test_concurrent_writers_do_not_corrupt(tmp_path):
    path = tmp_path / "shared.sqlite"
    LabelStore(path).close()
    procs = [
        subprocess.Popen([sys.executable, "-c", _WRITER, str(path), str(off)], cwd=ROOT)
        for off in (0, 75)
    ]
    assert [p.wait(timeout=120) for p in procs] == [0, 0]
    with LabelStore(path) as s:
        assert s.integrity_check() == "ok"
        assert s.count() == 225  # keys 0..224: the 75 overlapping ones once each
        dupes = s._con.execute(
            "SELECT COUNT(*) FROM (SELECT arch_hash FROM labels GROUP BY arch_hash HAVING COUNT(*) > 1)"
        ).fetchone()[0]
        assert dupes == 0


def test_reader_is_not_blocked_by_open_write(tmp_path):
    path = tmp_path / "wal.sqlite"
    with LabelStore(path) as writer, LabelStore(path) as reader:
        writer.put(("h0", "t", 1, 0), {}, _ok(0.1))
        raw = sqlite3.connect(str(path), isolation_level=None)
        raw.execute("BEGIN IMMEDIATE")
        raw.execute(
            "INSERT INTO labels (arch_hash, task, budget, seed, arch, status, created) "
            "VALUES ('h1', 't', 1, 0, '{}', 'ok', 'now')"
        )
        assert reader.count() == 1  # WAL: the reader sees the last commit, without waiting
        raw.execute("COMMIT")
        assert reader.count() == 2
        raw.close()


def test_seed_stats():
    from predictor.labels import mean_over_seeds, seed_stats

    assert seed_stats([2.0]) == (2.0, None, 1)
    mean, se, k = seed_stats([1.0, 2.0, 6.0])
    assert (mean, k) == (3.0, 3) and se == pytest.approx(math.sqrt(7.0 / 3.0))
    with pytest.raises(ValueError, match="at least one"):
        seed_stats([])
    assert mean_over_seeds([]) == []


def test_from_store_seed_mean_se_and_k(store):
    """The store keeps every seed's row; the reader averages them (``seeds="mean"``)."""
    from predictor.labels import from_store

    for seed, v in enumerate((1.0, 2.0, 6.0)):
        store.put(("h1", "t", 30, seed), {"a": 1}, _ok(v, knn_val_mse=10 * v))
    store.put(("h2", "t", 30, 0), {"a": 2}, _ok(0.5))
    store.put(("h2", "t", 100, 0), {"a": 2}, _ok(0.25))
    store.put(("h2", "t", 30, 1), {"a": 2}, {"status": "failed", "error": "x"})
    path = str(store.path)
    each = from_store(path)
    assert [r["label"] for r in each] == [1.0, 0.5, 2.0, 6.0, 0.25]  # by budget, seed, hash
    rows = from_store(path, seeds="mean")
    assert [(r["arch"], r["budget"], r["k"], r["seeds"]) for r in rows] == [
        ({"a": 1}, 30, 3, [0, 1, 2]),
        ({"a": 2}, 30, 1, [0]),
        ({"a": 2}, 100, 1, [0]),
    ]
    assert rows[0] == {
        "arch": {"a": 1}, "task": "t", "label": 3.0, "budget": 30,
        "se": pytest.approx(math.sqrt(7.0 / 3.0)), "k": 3, "seeds": [0, 1, 2],
    }  # fmt: skip
    assert rows[1]["se"] is None
    # rank by a metric, on the rows that have it
    by_knn = from_store(path, kind="knn_val_mse", having="knn_val_mse", seeds="mean")
    assert [(r["arch"], r["label"]) for r in by_knn] == [({"a": 1}, 30.0)]
    assert [r["budget"] for r in from_store(path, budget=100, seeds="mean")] == [100]
    with pytest.raises(ValueError, match="seeds must be"):
        from_store(path, seeds="median")
