"""The label store: one SQLite file (stdlib ``sqlite3``, WAL journal) that sweeps append to.

Table ``labels`` holds one row per key ``(arch_hash, task, budget, seed)``: the arch as JSON,
``status`` (``ok`` or ``failed``) with ``error``, the headline ``label`` (lower is better), all
metrics as JSON, ``seconds``, ``code_version``, ``space_version`` and ``created`` (UTC,
ISO 8601). Table ``refs`` holds per-task references (``kind`` such as ``raw_lag`` or
``untrained``) under ``(task, kind, budget, seed)``.

The label of an arch on a task is the mean over its training seeds (every seed's row is kept);
the store only returns rows (:meth:`LabelStore.records`): the one reader of labels,
``predictor.labels.from_store`` (``seeds="mean"``), gives the mean, its standard error and
``k`` per ``(arch_hash, task, budget)``.

Write semantics (idempotent, documented once here):

* An ``ok`` row is final: writing the same key again changes nothing (INSERT OR IGNORE).
* A ``failed`` row is replaced by a later ``ok`` row for the same key (a retry that worked),
  and by a later ``failed`` row (the newest error is kept).
* References are upserts: the newest write wins.

Every write is its own short ``BEGIN IMMEDIATE`` transaction, so a killed sweep loses nothing it
wrote and never leaves half a row. Several processes may write one store at once: WAL lets
readers go on while one writer commits, and a busy timeout (default 60 s) makes writers wait
for each other instead of failing. Use one :class:`LabelStore` per process (or thread).
"""

from __future__ import annotations

import csv
import json
import math
import sqlite3
import time
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, NamedTuple
from urllib.parse import quote

SCHEMA_VERSION = 1

# Job claims: a sweep leases a key before computing it (see ``claim``); made on opening, so
# schema 1 stores gain it without a version change (older code ignores the table).
_CLAIMS_SCHEMA = """;
CREATE TABLE IF NOT EXISTS claims (
    arch_hash TEXT    NOT NULL,
    task      TEXT    NOT NULL,
    budget    INTEGER NOT NULL,
    seed      INTEGER NOT NULL,
    owner     TEXT    NOT NULL,
    expires   REAL    NOT NULL,
    PRIMARY KEY (arch_hash, task, budget, seed)
);
"""

_SCHEMA = """
CREATE TABLE IF NOT EXISTS labels (
    arch_hash     TEXT    NOT NULL,
    task          TEXT    NOT NULL,
    budget        INTEGER NOT NULL,
    seed          INTEGER NOT NULL,
    arch          TEXT    NOT NULL,
    status        TEXT    NOT NULL CHECK (status IN ('ok', 'failed')),
    error         TEXT,
    label         REAL,
    metrics       TEXT    NOT NULL DEFAULT '{}',
    seconds       REAL,
    code_version  TEXT,
    space_version TEXT,
    created       TEXT    NOT NULL,
    PRIMARY KEY (arch_hash, task, budget, seed)
);
CREATE INDEX IF NOT EXISTS labels_task ON labels (task, budget, status);
CREATE TABLE IF NOT EXISTS refs (
    task          TEXT    NOT NULL,
    kind          TEXT    NOT NULL,
    budget        INTEGER NOT NULL,
    seed          INTEGER NOT NULL,
    label         REAL,
    metrics       TEXT    NOT NULL DEFAULT '{}',
    code_version  TEXT,
    created       TEXT    NOT NULL,
    PRIMARY KEY (task, kind, budget, seed)
);
CREATE TABLE IF NOT EXISTS meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
"""

COLUMNS = (
    "arch_hash",
    "task",
    "budget",
    "seed",
    "arch",
    "status",
    "error",
    "label",
    "metrics",
    "seconds",
    "code_version",
    "space_version",
    "created",
)


class Key(NamedTuple):
    """The identity of one label."""

    arch_hash: str
    task: str
    budget: int
    seed: int


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def _json_default(value: Any) -> Any:
    if hasattr(value, "item"):  # numpy scalars
        return value.item()
    if hasattr(value, "tolist"):
        return value.tolist()
    return str(value)


def _plain(obj: Any) -> Any:
    """JSON-safe copy: non-finite floats become None (strict JSON has no NaN)."""
    if hasattr(obj, "tolist") and not isinstance(obj, (str, bytes)):  # numpy scalars, arrays
        obj = obj.tolist()
    if isinstance(obj, float):
        return obj if math.isfinite(obj) else None
    if isinstance(obj, dict):
        return {str(k): _plain(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_plain(v) for v in obj]
    return obj


def _dumps(obj: Any) -> str:
    return json.dumps(_plain(obj), sort_keys=True, default=_json_default, allow_nan=False)


def _finite(value: Any) -> float | None:
    if value is None:
        return None
    try:
        f = float(value)
    except (TypeError, ValueError):
        return None
    return f if math.isfinite(f) else None


class StoreError(ValueError):
    """A file that is not a readable label store of this code (the message names it)."""


_SQLITE_MAGIC = b"SQLite format 3\x00"
_REQUIRED = {"labels": set(COLUMNS), "refs": {"task", "kind", "budget", "seed", "metrics"}}


class _Cursor(sqlite3.Cursor):
    """A cursor whose database errors (a corrupted page met while reading) name the store;
    lock and busy errors pass unchanged, for the retry loop."""

    def execute(self, *args: Any) -> _Cursor:  # type: ignore[override]
        try:
            return super().execute(*args)
        except sqlite3.DatabaseError as err:
            raise _store_error(err, self.connection) from err

    def fetchone(self) -> Any:
        try:
            return super().fetchone()
        except sqlite3.DatabaseError as err:
            raise _store_error(err, self.connection) from err

    def fetchall(self) -> list:
        try:
            return super().fetchall()
        except sqlite3.DatabaseError as err:
            raise _store_error(err, self.connection) from err

    def __next__(self) -> Any:
        try:
            return super().__next__()
        except sqlite3.DatabaseError as err:
            raise _store_error(err, self.connection) from err


class _Connection(sqlite3.Connection):
    store_path = ""

    def cursor(self, factory: Any = _Cursor) -> Any:  # type: ignore[override]
        return super().cursor(factory)

    def execute(self, *args: Any) -> _Cursor:  # type: ignore[override]
        return self.cursor().execute(*args)


def _store_error(err: sqlite3.DatabaseError, con: Any) -> Exception:
    text = str(err)
    if isinstance(err, sqlite3.OperationalError) and ("locked" in text or "busy" in text):
        return err
    return StoreError(f"{getattr(con, 'store_path', '?')}: label store unreadable: {text}")


def _stored_json(text: Any, path: Any, what: str, row: str = "") -> Any:
    """A JSON column of a row; ``metrics`` must be an object. Raises :class:`StoreError`."""
    where = f"{path}: {what}" + (f" of row {str(row)[:40]!r}" if row else "")
    try:
        value = json.loads(text)
    except (TypeError, ValueError, RecursionError):
        raise StoreError(f"{where} is not JSON: {str(text)[:60]!r}") from None
    if what.endswith("metrics") and not isinstance(value, dict):
        raise StoreError(f"{where} must be a JSON object, got {str(text)[:60]!r}")
    return value


def open_store(path: str | Path, timeout: float = 60.0, readonly: bool = False) -> Any:
    """An SQLite connection to a label store, checked before anything is written to it.

    A missing file becomes a new store (unless ``readonly``). An existing file must be a
    regular SQLite file whose tables are a label store of this schema version; anything else
    (a directory, garbage, a truncated or corrupted file, another program's database, a store of
    a newer schema) raises :class:`StoreError` naming the file, and the file is left exactly as
    it was (no WAL switch, no schema written). ``readonly`` opens with ``mode=ro``: nothing
    can be written through the connection.
    """
    name = str(path)
    memory = name == ":memory:"
    p = Path(path)
    exists = not memory and (p.exists() or p.is_symlink())
    if exists and not p.is_file():
        raise StoreError(f"{name}: not a label store: not a regular file")
    if exists and p.stat().st_size:
        with p.open("rb") as fh:
            head = fh.read(len(_SQLITE_MAGIC))
        if head != _SQLITE_MAGIC:
            raise StoreError(f"{name}: not a label store: not an SQLite file")
    if readonly and not memory and not exists:
        raise StoreError(f"{name}: no such label store")
    if not memory and not readonly:
        p.parent.mkdir(parents=True, exist_ok=True)
    try:
        if readonly and not memory:
            uri = f"file:{quote(str(p.resolve()))}?mode=ro"
            con = sqlite3.connect(
                uri, uri=True, timeout=timeout, isolation_level=None, factory=_Connection
            )
        else:
            con = sqlite3.connect(name, timeout=timeout, isolation_level=None, factory=_Connection)
    except sqlite3.Error as err:
        raise StoreError(f"{name}: cannot open label store ({err})") from err
    con.store_path = name
    con.row_factory = sqlite3.Row
    try:
        con.execute(f"PRAGMA busy_timeout = {int(timeout * 1000)}")
        check_schema(con, name, readonly)
    except BaseException:
        con.close()
        raise
    return con


def check_schema(con: Any, name: str, readonly: bool = False) -> None:
    """Raise :class:`StoreError` unless ``con`` is an empty database (a new store, when not
    ``readonly``) or a label store of :data:`SCHEMA_VERSION` (reads only)."""
    tables = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    if not tables:
        if readonly:
            raise StoreError(f"{name}: not a label store: an empty database")
        return
    missing = sorted((set(_REQUIRED) | {"meta"}) - tables)
    if missing:
        raise StoreError(
            f"{name}: not a label store: no table {missing[0]!r} (tables: {sorted(tables)[:8]})"
        )
    for table, cols in _REQUIRED.items():
        have = {r[1] for r in con.execute(f"PRAGMA table_info({table})")}
        if cols - have:
            raise StoreError(
                f"{name}: not a label store: table {table!r} lacks columns {sorted(cols - have)}"
            )
    row = con.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
    version = None if row is None else str(row[0])
    if version != str(SCHEMA_VERSION):
        raise StoreError(
            f"{name}: label store schema_version {str(version)[:20]!r}; this code reads "
            f"{SCHEMA_VERSION} (a newer or a foreign store)"
        )


class LabelStore:
    """A label store at ``path`` (created with its parent folder if missing).

    Args:
        path: SQLite file.
        timeout: Seconds a writer waits for another one before giving up.
    """

    def __init__(self, path: str | Path, timeout: float = 60.0, readonly: bool = False):
        self.path = Path(path)
        self.readonly = readonly
        self._con = open_store(path, timeout, readonly)
        if not readonly:
            self._retry(lambda: self._con.execute("PRAGMA journal_mode = WAL"))
            self._con.execute("PRAGMA synchronous = NORMAL")
            with self._write() as cur:
                for stmt in (_SCHEMA + _CLAIMS_SCHEMA).split(";"):
                    if stmt.strip():
                        cur.execute(stmt)
                cur.execute(
                    "INSERT OR IGNORE INTO meta (key, value) VALUES ('schema_version', ?)",
                    (str(SCHEMA_VERSION),),
                )

    # -- plumbing -------------------------------------------------------------------------------

    def _retry(self, fn: Any, tries: int = 50) -> Any:
        for i in range(tries):
            try:
                return fn()
            except sqlite3.OperationalError as err:
                if "locked" not in str(err) and "busy" not in str(err) or i == tries - 1:
                    raise
                time.sleep(0.05 * (i + 1))
        return None

    class _Tx:
        def __init__(self, store: LabelStore):
            self.store = store

        def __enter__(self) -> sqlite3.Cursor:
            self.cur = self.store._con.cursor()
            self.store._retry(lambda: self.cur.execute("BEGIN IMMEDIATE"))
            return self.cur

        def __exit__(self, exc_type: Any, exc: Any, tb: Any) -> None:
            if exc_type is None:
                self.store._retry(lambda: self.cur.execute("COMMIT"))
            else:
                self.cur.execute("ROLLBACK")

    def _write(self) -> LabelStore._Tx:
        return LabelStore._Tx(self)

    def close(self) -> None:
        """Close the connection."""
        self._con.close()

    def __enter__(self) -> LabelStore:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    # -- labels ---------------------------------------------------------------------------------

    def put(
        self,
        key: Key | tuple,
        arch: dict,
        result: dict,
        *,
        code_version: str = "",
        space_version: str = "",
    ) -> bool:
        """Write one label in its own transaction, with the semantics of the module docstring.

        Args:
            key: ``(arch_hash, task, budget, seed)``.
            arch: The arch (stored as JSON).
            result: What the labeller returned: ``status``, ``error``, ``label``, ``seconds``
                and any metrics (the whole dict is stored as ``metrics``). A missing or
                non-finite ``label`` on an ``ok`` result makes the row ``failed``.
            code_version: Version of the code that made the label.
            space_version: Version of the arch space.

        Returns:
            True when the row was written, False when an ``ok`` row already held the key.
        """
        k = Key(*key)
        status = result.get("status", "ok")
        label = _finite(result.get("label"))
        error = result.get("error")
        if status == "ok" and label is None:
            status, error = (
                "failed",
                error or f"label is not a finite number: {result.get('label')!r}",
            )
        if status not in ("ok", "failed"):
            status, error = "failed", error or f"unknown status {status!r}"
        row = (
            k.arch_hash,
            k.task,
            int(k.budget),
            int(k.seed),
            _dumps(arch),
            status,
            None if error is None else str(error),
            label,
            _dumps(result),
            _finite(result.get("seconds")),
            code_version,
            space_version,
            _now(),
        )
        with self._write() as cur:
            cur.execute(
                f"INSERT INTO labels ({', '.join(COLUMNS)}) VALUES ({', '.join('?' * len(COLUMNS))}) "
                "ON CONFLICT (arch_hash, task, budget, seed) DO UPDATE SET "
                + ", ".join(f"{c} = excluded.{c}" for c in COLUMNS[4:])
                + " WHERE labels.status = 'failed'",
                row,
            )
            return cur.rowcount > 0

    def status(self, key: Key | tuple) -> str | None:
        """``"ok"``, ``"failed"`` or None when the key has no row."""
        row = self._con.execute(
            "SELECT status FROM labels WHERE arch_hash=? AND task=? AND budget=? AND seed=?",
            tuple(Key(*key)),
        ).fetchone()
        return None if row is None else row[0]

    def has(self, key: Key | tuple, include_failed: bool = True) -> bool:
        """Whether the key has a row (only an ``ok`` row when ``include_failed`` is False)."""
        st = self.status(key)
        return st is not None and (include_failed or st == "ok")

    def done_keys(self, include_failed: bool = True) -> set[Key]:
        """Every key with a row (only ``ok`` rows when ``include_failed`` is False)."""
        sql = "SELECT arch_hash, task, budget, seed FROM labels"
        if not include_failed:
            sql += " WHERE status = 'ok'"
        return {Key(*r) for r in self._con.execute(sql)}

    def missing(self, keys: Iterable[Key | tuple], retry_failed: bool = False) -> list[Key]:
        """The keys, in order, that still need a label: no row, or a failed one if
        ``retry_failed``."""
        done = self.done_keys(include_failed=not retry_failed)
        return [Key(*k) for k in keys if Key(*k) not in done]

    def label_kinds(self) -> set[str]:
        """The ``label_kind`` values recorded in the ``ok`` rows' metrics (rows without one are
        not counted)."""
        kinds = set()
        for (text,) in self._con.execute("SELECT metrics FROM labels WHERE status = 'ok'"):
            kind = _stored_json(text, self.path, "metrics").get("label_kind")
            if kind is not None:
                kinds.add(str(kind))
        return kinds

    def lacking(self, keys: Iterable[Key | tuple], metric: str) -> list[Key]:
        """The keys, in order, whose ``ok`` row has no finite ``metric`` in its metrics (rows
        labelled before that metric existed; see :meth:`merge_metrics`)."""
        want = {Key(*k) for k in keys}
        lack = set()
        for row in self._con.execute(
            "SELECT arch_hash, task, budget, seed, metrics FROM labels WHERE status = 'ok'"
        ):
            key = Key(*row[:4])
            metrics = _stored_json(row[4], self.path, "metrics")
            if key in want and _finite(metrics.get(metric)) is None:
                lack.add(key)
        return [Key(*k) for k in keys if Key(*k) in lack]

    def merge_metrics(self, key: Key | tuple, result: dict) -> bool:
        """Add a rerun's metrics to an ``ok`` row, only if the rerun reproduced its label exactly.

        The row's label, status and arch stay; metrics it already has keep their values.

        Returns:
            True when merged; False when there is no ``ok`` row or the rerun's label differs
            (another device or code version: its metrics would not describe the stored run).
        """
        k = Key(*key)
        label = _finite(result.get("label"))
        if result.get("status", "ok") != "ok" or label is None:
            return False
        with self._write() as cur:
            row = cur.execute(
                "SELECT label, metrics FROM labels WHERE arch_hash = ? AND task = ? AND "
                "budget = ? AND seed = ? AND status = 'ok'",
                (k.arch_hash, k.task, int(k.budget), int(k.seed)),
            ).fetchone()
            if row is None or row[0] != label:
                return False
            merged = {**json.loads(_dumps(result)), **_stored_json(row[1], self.path, "metrics")}
            cur.execute(
                "UPDATE labels SET metrics = ? WHERE arch_hash = ? AND task = ? AND budget = ? "
                "AND seed = ?",
                (_dumps(merged), k.arch_hash, k.task, int(k.budget), int(k.seed)),
            )
            return True

    def records(
        self,
        task: str | None = None,
        budget: int | None = None,
        status: str | None = "ok",
    ) -> list[dict]:
        """Rows as dicts with ``arch`` and ``metrics`` parsed; filters are ANDed (None: any).

        Keys: arch_hash, task, budget, seed, arch, status, error, label, metrics, seconds,
        code_version, space_version, created.
        """
        return list(self.iter_records(task=task, budget=budget, status=status))

    def iter_records(
        self, task: str | None = None, budget: int | None = None, status: str | None = "ok"
    ) -> Iterator[dict]:
        """Like :meth:`records`, one row at a time."""
        where, args = [], []
        for col, val in (("task", task), ("budget", budget), ("status", status)):
            if val is not None:
                where.append(f"{col} = ?")
                args.append(val)
        sql = f"SELECT {', '.join(COLUMNS)} FROM labels"
        if where:
            sql += " WHERE " + " AND ".join(where)
        sql += " ORDER BY task, budget, seed, arch_hash"
        for row in self._con.execute(sql, args):
            rec = dict(row)
            rec["arch"] = _stored_json(rec["arch"], self.path, "arch", rec["arch_hash"])
            rec["metrics"] = _stored_json(rec["metrics"], self.path, "metrics", rec["arch_hash"])
            yield rec

    def count(self, status: str | None = None) -> int:
        """Number of label rows (of one status, or all)."""
        if status is None:
            return self._con.execute("SELECT COUNT(*) FROM labels").fetchone()[0]
        return self._con.execute(
            "SELECT COUNT(*) FROM labels WHERE status = ?", (status,)
        ).fetchone()[0]

    def tasks(self) -> list[dict]:
        """Per task: ``task``, ``ok`` and ``failed`` counts, ``budgets`` and ``references``."""
        out: dict[str, dict] = {}
        for task, status, n in self._con.execute(
            "SELECT task, status, COUNT(*) FROM labels GROUP BY task, status"
        ):
            out.setdefault(task, {"task": task, "ok": 0, "failed": 0})[status] = n
        for task, budget in self._con.execute("SELECT DISTINCT task, budget FROM labels"):
            out[task].setdefault("budgets", []).append(budget)
        for task, kind in self._con.execute("SELECT DISTINCT task, kind FROM refs"):
            out.setdefault(task, {"task": task, "ok": 0, "failed": 0}).setdefault(
                "references", []
            ).append(kind)
        for rec in out.values():
            rec["budgets"] = sorted(rec.get("budgets", []))
            rec["references"] = sorted(rec.get("references", []))
        return [out[t] for t in sorted(out)]

    # -- references -----------------------------------------------------------------------------

    def put_reference(
        self,
        task: str,
        kind: str,
        result: dict,
        *,
        budget: int = 0,
        seed: int = 0,
        code_version: str = "",
    ) -> None:
        """Upsert one per-task reference (e.g. ``raw_lag``, ``untrained``)."""
        with self._write() as cur:
            cur.execute(
                "INSERT INTO refs (task, kind, budget, seed, label, metrics, code_version, created) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (task, kind, budget, seed) DO UPDATE SET "
                "label = excluded.label, metrics = excluded.metrics, "
                "code_version = excluded.code_version, created = excluded.created",
                (
                    task,
                    kind,
                    int(budget),
                    int(seed),
                    _finite(result.get("label")),
                    _dumps(result),
                    code_version,
                    _now(),
                ),
            )

    def references(self, task: str | None = None) -> list[dict]:
        """Reference rows (``metrics`` parsed), optionally of one task."""
        sql = "SELECT task, kind, budget, seed, label, metrics, code_version, created FROM refs"
        args: tuple = ()
        if task is not None:
            sql += " WHERE task = ?"
            args = (task,)
        rows = []
        for row in self._con.execute(sql + " ORDER BY task, kind, budget, seed", args):
            rec = dict(row)
            rec["metrics"] = _stored_json(rec["metrics"], self.path, "refs.metrics", rec["task"])
            rows.append(rec)
        return rows

    def has_reference(self, task: str, kind: str, budget: int = 0, seed: int = 0) -> bool:
        """Whether that reference is stored."""
        return (
            self._con.execute(
                "SELECT 1 FROM refs WHERE task=? AND kind=? AND budget=? AND seed=?",
                (task, kind, int(budget), int(seed)),
            ).fetchone()
            is not None
        )

    # -- notes ----------------------------------------------------------------------------------

    def put_note(self, key: str, value: dict) -> None:
        """Upsert a JSON note in the ``meta`` table (e.g. a task's measured repeatability under
        ``repeatability/TASK/BUDGET``); ``schema_version`` is not a note."""
        if key == "schema_version":
            raise ValueError("schema_version is not a note")
        with self._write() as cur:
            cur.execute(
                "INSERT INTO meta (key, value) VALUES (?, ?) "
                "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                (key, _dumps(value)),
            )

    def note(self, key: str) -> dict | None:
        """The note stored under ``key`` (None when there is none)."""
        if key == "schema_version":
            return None
        row = self._con.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return None if row is None else _stored_json(row[0], self.path, "note", key)

    # -- job claims -----------------------------------------------------------------------------
    # A sweep claims a key (a lease: owner and expiry) before computing it, so that several
    # sweeps sharing a store compute each label once; a claim whose owner died expires and is
    # taken over. Claims are advisory: the labels table alone decides what is stored.

    def claim(
        self,
        key: Key | tuple,
        owner: str,
        ttl: float,
        retry_failed: bool = False,
        is_dead: Callable[[str], bool] | None = None,
    ) -> str:
        """Try to lease ``key`` for ``owner`` for ``ttl`` seconds, in one transaction.

        ``is_dead(other_owner)``: True when the holder of an unexpired lease is known to be gone
        (e.g. a process of this machine that no longer exists); its lease is then taken over
        at once instead of after it expires.

        Returns:
            ``"stored"``: the key already has its row (``ok``; or ``failed`` unless
            ``retry_failed``), nothing to do; ``"claimed"``: this owner holds the lease now (a
            new one, its own again, or an expired one taken over); ``"busy"``: another owner
            holds an unexpired lease.
        """
        k = Key(*key)
        args = (k.arch_hash, k.task, int(k.budget), int(k.seed))
        now = time.time()
        with self._write() as cur:
            row = cur.execute(
                "SELECT status FROM labels WHERE arch_hash=? AND task=? AND budget=? AND seed=?",
                args,
            ).fetchone()
            if row is not None and (row[0] == "ok" or not retry_failed):
                return "stored"
            held = cur.execute(
                "SELECT owner, expires FROM claims WHERE arch_hash=? AND task=? AND budget=? "
                "AND seed=?",
                args,
            ).fetchone()
            if held is not None and held[0] != owner and held[1] > now:
                if is_dead is None or not is_dead(held[0]):
                    return "busy"
            cur.execute(
                "INSERT OR REPLACE INTO claims (arch_hash, task, budget, seed, owner, expires) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                (*args, owner, now + ttl),
            )
            return "claimed"

    def renew_claims(self, owner: str, ttl: float) -> int:
        """Extend every lease ``owner`` holds to ``ttl`` seconds from now; returns how many."""
        with self._write() as cur:
            cur.execute("UPDATE claims SET expires = ? WHERE owner = ?", (time.time() + ttl, owner))
            return cur.rowcount

    def release(self, key: Key | tuple, owner: str) -> None:
        """Drop ``owner``'s lease on ``key`` (after its row is written)."""
        k = Key(*key)
        with self._write() as cur:
            cur.execute(
                "DELETE FROM claims WHERE arch_hash=? AND task=? AND budget=? AND seed=? "
                "AND owner=?",
                (k.arch_hash, k.task, int(k.budget), int(k.seed), owner),
            )

    def release_all(self, owner: str) -> None:
        """Drop every lease ``owner`` holds (a sweep that ends or is interrupted)."""
        with self._write() as cur:
            cur.execute("DELETE FROM claims WHERE owner = ?", (owner,))

    def claims(self) -> list[dict]:
        """The current leases: key fields, ``owner`` and ``expires`` (Unix time)."""
        return [
            dict(r)
            for r in self._con.execute(
                "SELECT arch_hash, task, budget, seed, owner, expires FROM claims "
                "ORDER BY task, budget, seed, arch_hash"
            )
        ]

    # -- maintenance ----------------------------------------------------------------------------

    def integrity_check(self) -> str:
        """``PRAGMA integrity_check``: ``"ok"`` when the file is sound."""
        return self._con.execute("PRAGMA integrity_check").fetchone()[0]

    def export(self, path: str | Path, status: str | None = None) -> int:
        """Write label rows to ``.jsonl`` (one record per line, arch/metrics as objects) or
        ``.csv`` (arch/metrics as JSON text). Returns the number of rows written."""
        path = Path(path)
        fmt = path.suffix.lower()
        if fmt not in (".jsonl", ".csv"):
            raise ValueError(f"{path}: export format must be .jsonl or .csv")
        n = 0
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("w", encoding="utf-8", newline="") as fh:
            if fmt == ".jsonl":
                for rec in self.iter_records(status=status):
                    fh.write(_dumps(rec) + "\n")
                    n += 1
            else:
                writer = csv.DictWriter(fh, fieldnames=list(COLUMNS))
                writer.writeheader()
                for rec in self.iter_records(status=status):
                    rec["arch"] = _dumps(rec["arch"])
                    rec["metrics"] = _dumps(rec["metrics"])
                    writer.writerow(rec)
                    n += 1
        return n
