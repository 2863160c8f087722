"""A file that is not a label store of ours is refused, named, and left exactly as it was."""

from __future__ import annotations

import hashlib
import sqlite3
import time

import pytest

from contrastive.store import Key, LabelStore, StoreError
from predictor.labels import from_store


def _digest(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _store_with_rows(path, n=40):
    with LabelStore(path) as s:
        for i in range(n):
            s.put(Key(f"h{i:03d}", "t", 10, 0), {"i": i, "pad": "x" * 300}, {"label": i / 10})
    return path


def _foreign(path):
    con = sqlite3.connect(path)
    con.execute("CREATE TABLE people (name TEXT)")
    con.execute("INSERT INTO people VALUES ('ada')")
    con.commit()
    con.close()
    return path


@pytest.mark.parametrize(
    "make, expected",
    [
        (lambda p: p.write_bytes(b"garbage " * 100) and p, "not an SQLite file"),
        (lambda p: p.mkdir() or p, "not a regular file"),
        (_foreign, "no table 'labels'"),
    ],
)
@pytest.mark.parametrize("readonly", [False, True])
def test_not_a_store_is_refused_unmodified(tmp_path, make, expected, readonly):
    path = make(tmp_path / "x.sqlite")
    before = _digest(path) if path.is_file() else None
    with pytest.raises(StoreError) as info:
        LabelStore(path, readonly=readonly)
    assert str(info.value).startswith(str(path)) and expected in str(info.value)
    if before is not None:
        assert _digest(path) == before  # no WAL switch, no schema written
        assert sorted(p.name for p in tmp_path.iterdir()) == ["x.sqlite"]


def test_truncated_and_corrupted_stores_are_named(tmp_path):
    path = _store_with_rows(tmp_path / "s.sqlite")
    data = path.read_bytes()
    cut = tmp_path / "cut.sqlite"
    cut.write_bytes(data[: len(data) // 3])
    bad = tmp_path / "bad.sqlite"
    page = 4096
    bad.write_bytes(data[: 3 * page] + b"\xff" * page + data[4 * page :])  # a table page
    for broken in (cut, bad):
        with pytest.raises(StoreError, match=f"^{broken}: label store unreadable"):
            with LabelStore(broken, readonly=True) as s:
                s.records()


def test_newer_schema_and_bad_metrics_are_named(tmp_path):
    path = _store_with_rows(tmp_path / "s.sqlite", n=2)
    con = sqlite3.connect(path)
    con.execute("UPDATE labels SET metrics = '[1,2]' WHERE arch_hash = 'h001'")
    con.commit()
    with pytest.raises(StoreError, match=r"s.sqlite: metrics of row 'h001' must be a JSON object"):
        from_store(str(path))
    with LabelStore(path) as s, pytest.raises(StoreError, match="metrics"):
        s.label_kinds()
    con.execute("UPDATE meta SET value = '99' WHERE key = 'schema_version'")
    con.commit()
    con.close()
    before = _digest(path)
    for readonly in (False, True):
        with pytest.raises(StoreError, match="schema_version '99'; this code reads 1"):
            LabelStore(path, readonly=readonly)
    assert _digest(path) == before


def test_from_store_reads_without_writing(tmp_path):
    path = _store_with_rows(tmp_path / "s.sqlite", n=3)
    before = _digest(path)
    path.chmod(0o444)  # a store one may only read
    try:
        assert [r["label"] for r in from_store(str(path))] == [0.0, 0.1, 0.2]
    finally:
        path.chmod(0o644)
    assert _digest(path) == before
    with pytest.raises(StoreError, match="no such label store"):
        from_store(str(tmp_path / "missing.sqlite"))
    assert not (tmp_path / "missing.sqlite").exists()


def test_claims_lease_take_over_and_release(tmp_path):
    path = tmp_path / "s.sqlite"
    key = Key("h", "t", 10, 0)
    with LabelStore(path) as a, LabelStore(path) as b:
        assert a.claim(key, "A", ttl=60) == "claimed"
        assert b.claim(key, "B", ttl=60) == "busy"
        assert a.claim(key, "A", ttl=60) == "claimed"  # its own again
        assert [c["owner"] for c in b.claims()] == ["A"]
        a.release(key, "A")
        assert b.claim(key, "B", ttl=0.05) == "claimed"
        time.sleep(0.1)  # B died: its lease expires
        assert a.claim(key, "A", ttl=60) == "claimed"
        assert a.renew_claims("A", 60) == 1 and a.renew_claims("B", 60) == 0
        a.put(key, {}, {"label": 1.0})
        assert b.claim(key, "B", ttl=60) == "stored"
        a.release_all("A")
        assert a.claims() == []
        failed = Key("f", "t", 10, 0)
        a.put(failed, {}, {"status": "failed", "error": "x"})
        assert a.claim(failed, "A", 60) == "stored"
        assert a.claim(failed, "A", 60, retry_failed=True) == "claimed"
