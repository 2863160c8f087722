"""Label sweeps: plan (arch, task, budget, seed) jobs, run the missing ones, store each result.

Planning is seeded: ``plan_archs`` draws the same archs for the same ``seed`` on every run, and
a larger ``n_archs`` extends the earlier list (``archgraph.sample`` is prefix-stable). A sweep
asks the store which keys are missing and runs only those, claiming each key in the store just
before it starts (a lease with owner and expiry, see :meth:`LabelStore.claim`): sweeps sharing a
store, at once or at different times, compute each label once, and a key whose claimant died is
taken over. Each finished label is written at once in its own transaction by the driver
process, so an interrupted or killed sweep loses no finished label, and the store's primary key
makes duplicate rows impossible. Pool workers and the fork server die with a killed driver.

Backends:

* ``local``: ``workers`` single-threaded worker processes (``forkserver`` with the data stack
  preloaded, ``spawn`` where there is none; ``OMP_NUM_THREADS=1`` and
  ``torch.set_num_threads(1)``). ``workers=0`` runs in this process (for debugging). A label
  function that raises becomes a ``failed`` row; when a worker process dies (segfault, out of
  memory) the pool is replaced and the jobs that were in flight rerun one at a time: the one
  that kills its worker alone is stored as failed (``WorkerDied``), the others get labels.
* ``ray``: one Ray task per label with ``num_cpus=1``; ``ray_address`` connects to a running
  cluster (``"auto"`` or ``"ray://host:10001"``), otherwise a local Ray with ``workers`` CPUs
  starts. On a cluster every node needs this package and, for ``--data`` tasks, the file at
  the same path.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import importlib
import os
import statistics
import sys
import time
import traceback
import warnings
from collections import Counter, deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .store import Key, LabelStore

LabelFn = Callable[[dict, Any, Any], dict]
DEFAULT_LABEL_FN = "contrastive.protocol:label"
MAX_CRASHES = 2  # Ray: attempts of a task whose worker dies
# Exit codes of ``python -m contrastive.label``.
EXIT_OK, EXIT_ERROR, EXIT_FAILED, EXIT_INTERRUPTED = 0, 1, 3, 130


@dataclass(frozen=True)
class TaskSpec:
    """How any process (a worker, a Ray node) gets a task: a bundled name or a CSV file.

    ``max_memory_gb``: the memory cap of reading the CSV (``None``: ``from_csv``'s default).
    """

    name: str
    path: str | None = None
    time_col: str | None = None
    max_memory_gb: float | None = None

    def load(self) -> Any:
        """The :class:`~contrastive.data.Task` (cached per process)."""
        return _load_task(self)


_TASK_CACHE: dict[TaskSpec, Any] = {}


def _load_task(spec: TaskSpec) -> Any:
    if spec not in _TASK_CACHE:
        from . import data

        if spec.path is None:
            _TASK_CACHE[spec] = data.load_task(spec.name)
        else:
            cap = {} if spec.max_memory_gb is None else {"max_memory_gb": spec.max_memory_gb}
            _TASK_CACHE[spec] = data.from_csv(
                spec.path, name=spec.name, time_col=spec.time_col, **cap
            )
    return _TASK_CACHE[spec]


@dataclass(frozen=True)
class Job:
    """One label to make."""

    key: Key
    arch: dict = field(compare=False, hash=False)
    task: TaskSpec = field(compare=False)
    device: str = field(default="auto", compare=False)
    # Extra TrainConfig fields (e.g. those of ``TrainConfig.tiny()``), applied before the
    # key's budget and seed.
    config: dict = field(default_factory=dict, compare=False, hash=False)


@dataclass
class SweepSummary:
    """What a sweep did. ``exit_code``: 0 all requested labels ok, 3 some failed."""

    requested: int = 0
    skipped: int = 0
    done: int = 0
    ok: int = 0
    failed: int = 0
    failed_in_store: int = 0
    refreshed: int = 0
    mismatched: int = 0
    seconds: list[float] = field(default_factory=list)
    cpu_seconds: list[float] = field(default_factory=list)
    wall: float = 0.0
    interrupted: bool = False
    errors: Counter = field(default_factory=Counter)

    @property
    def median_seconds(self) -> float | None:
        return statistics.median(self.seconds) if self.seconds else None

    @property
    def exit_code(self) -> int:
        if self.interrupted:
            return EXIT_INTERRUPTED
        return EXIT_FAILED if (self.failed or self.failed_in_store or self.mismatched) else EXIT_OK

    def line(self) -> str:
        med = self.median_seconds
        text = (
            f"requested {self.requested}: done {self.done} (ok {self.ok}, failed {self.failed}), "
            f"skipped {self.skipped} already stored"
        )
        if self.failed_in_store:
            text += f" ({self.failed_in_store} of them failed earlier; --retry-failed reruns them)"
        if self.refreshed or self.mismatched:
            text += f"; refreshed {self.refreshed} rows' metrics"
        if self.mismatched:
            text += (
                f", {self.mismatched} NOT refreshed: the rerun's label differs from the stored one "
                "(another device or code version)"
            )
        if med is not None:
            text += f"; median {med:.2f} s a label"
            if self.cpu_seconds:
                text += f" ({statistics.median(self.cpu_seconds):.2f} s CPU)"
        text += f"; wall {self.wall:.1f} s"
        if self.interrupted:
            text += "; INTERRUPTED (finished labels are stored; rerun to resume)"
        return text


# ---------------------------------------------------------------------------------------------
# Planning


def _derived_seed(seed: int, salt: str) -> int:
    digest = hashlib.sha256(f"{seed}/{salt}".encode()).digest()
    return int.from_bytes(digest[:4], "little") & 0x7FFFFFFF


def plan_archs(
    tasks: Sequence[str], n_archs: int, seed: int = 0, n_shared: int | None = None
) -> dict[str, list[dict]]:
    """Seeded archs per task: ``n_shared`` shared by all tasks, the rest task-specific.

    The shared archs are ``archgraph.sample(n_shared, seed)``; a task's own archs come from a
    seed derived from ``seed`` and the task's name, skipping any arch already shared.

    Args:
        tasks: Task names.
        n_archs: Archs per task.
        seed: Sampling seed.
        n_shared: How many of them every task shares (default: all ``n_archs``).
    """
    import archgraph

    n_shared = n_archs if n_shared is None else max(0, min(n_shared, n_archs))
    shared = archgraph.sample(n_shared, seed) if n_shared else []
    shared_hashes = {archgraph.arch_hash(a) for a in shared}
    out = {}
    for task in tasks:
        own: list[dict] = []
        need = n_archs - n_shared
        draw = need
        while len(own) < need:
            cands = archgraph.sample(draw, _derived_seed(seed, task))
            seen = set(shared_hashes)
            own = []
            for arch in cands:
                h = archgraph.arch_hash(arch)
                if h not in seen:
                    seen.add(h)
                    own.append(arch)
                if len(own) == need:
                    break
            draw = draw * 2 + 8
        out[task] = list(shared) + own
    return out


def plan_jobs(
    tasks: Sequence[TaskSpec],
    archs: dict[str, list[dict]],
    budget: int,
    seeds: Iterable[int] = (0,),
    device: str = "auto",
    config: dict | None = None,
) -> list[Job]:
    """Every (arch, task, seed) job at ``budget``, tasks interleaved arch by arch.

    ``config`` holds extra TrainConfig fields for every job (see :func:`make_config`).
    """
    import archgraph

    seeds = list(seeds)
    by_name = {t.name: t for t in tasks}
    hashed = {
        t: [(archgraph.arch_hash(a), archgraph.canonical(a)) for a in archs[t]] for t in by_name
    }
    jobs = []
    for i in range(max((len(v) for v in hashed.values()), default=0)):
        for name, spec in by_name.items():
            if i < len(hashed[name]):
                h, arch = hashed[name][i]
                for s in seeds:
                    jobs.append(
                        Job(
                            Key(h, name, int(budget), int(s)),
                            arch,
                            spec,
                            device,
                            dict(config or {}),
                        )
                    )
    return jobs


# ---------------------------------------------------------------------------------------------
# Running one label (in a worker, a Ray task, or this process)


def resolve_label_fn(ref: str | LabelFn | None) -> LabelFn:
    """A label function from a callable or a ``"module:function"`` reference."""
    if ref is None:
        ref = DEFAULT_LABEL_FN
    if callable(ref):
        return ref
    module, _, attr = str(ref).partition(":")
    if not module or not attr:
        raise ValueError(f"label function {ref!r}: expected 'module:function'")
    try:
        fn = getattr(importlib.import_module(module), attr)
    except (ImportError, AttributeError) as err:
        raise ValueError(f"label function {ref!r}: cannot import ({err})") from err
    if not callable(fn):
        raise ValueError(f"label function {ref!r} is not callable")
    return fn


def default_budget() -> int:
    """The default step budget of :class:`~contrastive.config.TrainConfig`."""
    from .config import TrainConfig

    return int(TrainConfig().steps)


def make_config(budget: int, seed: int, device: str = "auto", overrides: dict | None = None) -> Any:
    """A training config: defaults, then ``overrides``, then this budget, seed, device and
    one thread. Unknown override names raise ``ValueError``."""
    from .config import TrainConfig

    names = {f.name for f in dataclasses.fields(TrainConfig)}
    unknown = set(overrides or {}) - names
    if unknown:
        raise ValueError(f"unknown TrainConfig fields {sorted(unknown)}")
    want = dict(overrides or {})
    want.update({"steps": int(budget), "seed": int(seed), "device": device, "threads": 1})
    return dataclasses.replace(TrainConfig(), **want)


def single_thread() -> None:
    """Limit this process to one compute thread (set before torch does any work)."""
    for var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
        os.environ[var] = "1"
    if "torch" in sys.modules:
        torch = sys.modules["torch"]
        torch.set_num_threads(1)


def run_label(job: Job, label_fn: str | LabelFn | None = None) -> dict:
    """Make one label; never raises an ``Exception``: errors become a ``failed`` result."""
    single_thread()
    start = time.perf_counter()
    # Warnings (e.g. ill-conditioned ridge solves) go into the result, not onto the terminal.
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            fn = resolve_label_fn(label_fn)
            task = job.task.load()
            cfg = make_config(job.key.budget, job.key.seed, job.device, job.config)
            single_thread()  # the label function may have imported torch
            result = dict(fn(job.arch, task, cfg))
            result.setdefault("status", "ok")
            result["task_fingerprint"] = task.fingerprint
        except Exception as err:  # noqa: BLE001 - a failed label must never stop a sweep
            tb = traceback.format_exc(limit=-3)
            result = {"status": "failed", "error": f"{type(err).__name__}: {err}", "traceback": tb}
    if caught:
        kinds = Counter(f"{w.category.__name__}: {str(w.message)[:120]}" for w in caught)
        result["warnings"] = {"count": len(caught), "first": sorted(kinds)[:5]}
    result.setdefault("seconds", time.perf_counter() - start)
    return result


# ---------------------------------------------------------------------------------------------
# Job claims shared by sweeps on one store

LEASE_SECONDS = 120.0  # a claim unrenewed this long is taken over (its owner is presumed dead)
POLL_SECONDS = 0.5  # how often a sweep left with others' jobs only looks again


def _owner_id() -> str:
    """``host:pid:random``: unique per sweep, and says which process to check for life."""
    import secrets
    import socket

    return f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(4)}"


def owner_is_dead(owner: str) -> bool:
    """True when ``owner`` (see :func:`_owner_id`) is a process of this machine that is gone."""
    import socket

    host, _, rest = owner.partition(":")
    pid_text = rest.partition(":")[0]
    if host != socket.gethostname() or not pid_text.isdigit():
        return False
    try:
        os.kill(int(pid_text), 0)
    except ProcessLookupError:
        return True
    except OSError:  # exists, owned by another user
        return False
    return False


class _Lease:
    """This sweep's owner id; while entered, a thread renews its claims every ``ttl / 4``
    (through its own connection) and on exit they are all released."""

    def __init__(self, store: LabelStore, ttl: float):
        import threading

        if not ttl > 0:
            raise ValueError(f"lease_seconds must be > 0, got {ttl}")
        self.store, self.ttl, self.owner = store, float(ttl), _owner_id()
        self._stop = threading.Event()
        self._thread: Any = None

    def _beat(self) -> None:
        while not self._stop.wait(self.ttl / 4):
            with LabelStore(self.store.path) as own:  # its own connection, only while renewing
                own.renew_claims(self.owner, self.ttl)

    def __enter__(self) -> _Lease:
        import threading

        if str(self.store.path) != ":memory:":
            self._thread = threading.Thread(target=self._beat, name="lease", daemon=True)
            self._thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        self.store.release_all(self.owner)


def _take_next(pending: deque, record: _Recorder) -> Job | None:
    """Pop and claim the next job this sweep may run; jobs another live sweep holds go to the
    back. None when ``pending`` is empty or holds only such jobs (look again later)."""
    for _ in range(len(pending)):
        job = pending.popleft()
        got = record.take(job)
        if got:
            return job
        if got is None:
            pending.append(job)
    return None


# ---------------------------------------------------------------------------------------------
# The sweep


def _code_version(label_fn: str | LabelFn | None) -> str:
    """Package version, plus the label protocol's ``LABEL_VERSION``
    (:mod:`contrastive.config`) or the name of a custom label function."""
    from . import __version__
    from .config import LABEL_VERSION

    base = f"ctsnas-{__version__}"
    if label_fn is not None:
        ref = (
            label_fn
            if isinstance(label_fn, str)
            else f"{label_fn.__module__}:{label_fn.__qualname__}"
        )
        if ref != DEFAULT_LABEL_FN:
            return f"{base}+{ref}"
    return f"{base}+label-{LABEL_VERSION}"


class _Recorder:
    """Writes results as they arrive, counts them, and skips jobs done meanwhile."""

    def __init__(
        self,
        store: LabelStore,
        summary: SweepSummary,
        bar: Any,
        code_version: str,
        retry_failed: bool = False,
        refresh: frozenset = frozenset(),
        lease: _Lease | None = None,
    ):
        import archgraph

        self.store, self.summary, self.bar = store, summary, bar
        self.lease = lease or _Lease(store, LEASE_SECONDS)
        self.code_version, self.space_version = code_version, archgraph.SPACE_VERSION
        self.retry_failed = retry_failed
        self.refresh = refresh  # keys whose ok rows only get the rerun's metrics merged in

    def needed(self, job: Job) -> bool:
        """False (and counted as skipped) when another sweep stored this key meanwhile."""
        st = self.store.status(job.key)
        if st is None or (st == "failed" and self.retry_failed) or job.key in self.refresh:
            return True
        self.summary.skipped += 1
        self.bar.update(1)
        return False

    def take(self, job: Job) -> bool | None:
        """Claim ``job`` in the store before computing it: True (this sweep runs it), False
        (stored meanwhile: counted as skipped) or None (another live sweep holds it: later)."""
        if job.key in self.refresh:
            return self.needed(job)
        got = self.store.claim(
            job.key, self.lease.owner, self.lease.ttl, self.retry_failed, owner_is_dead
        )
        if got == "claimed":
            return True
        if got == "busy":
            return None
        self.summary.skipped += 1
        self.bar.update(1)
        return False

    def __call__(self, job: Job, result: dict) -> None:
        if job.key in self.refresh and self.store.status(job.key) == "ok":
            if self.store.merge_metrics(job.key, result):
                self.summary.refreshed += 1
            else:
                self.summary.mismatched += 1
            self.bar.update(1)
            return
        self.store.put(
            job.key,
            job.arch,
            result,
            code_version=self.code_version,
            space_version=self.space_version,
        )
        self.store.release(job.key, self.lease.owner)
        s = self.summary
        s.done += 1
        if self.store.status(job.key) == "ok":
            s.ok += 1
            if result.get("seconds") is not None:
                s.seconds.append(float(result["seconds"]))
            if result.get("cpu_seconds") is not None:
                s.cpu_seconds.append(float(result["cpu_seconds"]))
        else:
            s.failed += 1
            s.errors[str(result.get("error", "?")).split(":")[0]] += 1
        self.bar.update(1)
        self.bar.set_postfix(ok=s.ok, failed=s.failed, refresh=False)


def sweep(
    jobs: Sequence[Job],
    store: LabelStore,
    *,
    label_fn: str | LabelFn | None = None,
    workers: int = 1,
    backend: str = "local",
    ray_address: str | None = None,
    retry_failed: bool = False,
    progress: bool = True,
    code_version: str | None = None,
    refresh: str = "",
    lease_seconds: float | None = None,
) -> SweepSummary:
    """Run the jobs whose keys the store lacks and write each result as it finishes.

    Args:
        jobs: Planned jobs (see :func:`plan_jobs`).
        store: Where labels go.
        label_fn: ``label(arch, task, cfg) -> dict`` or ``"module:function"``; default
            ``contrastive.protocol:label``. Worker processes import it by reference, so it must
            be a module-level function.
        workers: Parallel labels (``0``: in this process; local backend only).
        backend: ``"local"`` or ``"ray"``.
        ray_address: Ray cluster to join (Ray backend).
        retry_failed: Also rerun keys whose stored row failed.
        progress: Show a tqdm progress bar (with ETA) on stderr.
        code_version: Stored with each row (default: package version and label version).
        refresh: A metric name: also rerun the jobs whose ``ok`` row lacks it and merge the
            rerun's metrics into the row when the rerun reproduces its label exactly (labels
            are deterministic on CPU); a row whose rerun differs is left alone and counted.
        lease_seconds: How long a claim on a job lasts without renewal (default
            :data:`LEASE_SECONDS`; renewed every quarter of it while the sweep lives). Every
            job is claimed in the store before it runs, so sweeps sharing a store (on one
            machine or on a Ray cluster) compute each label once; a job whose claimant died is
            taken over when its lease expires, at once when the claimant was a process of this
            machine.

    Returns:
        The summary. Ctrl-C stops the sweep and returns with ``interrupted`` set (exit code
        130); every label finished before it is stored.
    """
    from tqdm import tqdm

    if backend not in ("local", "ray"):
        raise ValueError(f"unknown backend {backend!r}; expected 'local' or 'ray'")
    if workers < 0 or (backend == "ray" and workers < 1):
        raise ValueError(f"workers must be >= {0 if backend == 'local' else 1}, got {workers}")
    if label_fn is None or isinstance(label_fn, str):
        resolve_label_fn(label_fn)  # fail early, in the driver, with a clear message
    start = time.perf_counter()
    summary = SweepSummary(requested=len(jobs))
    keys = [j.key for j in jobs]
    todo_keys = set(store.missing(keys, retry_failed=retry_failed))
    stale = frozenset(store.lacking(keys, refresh)) if refresh else frozenset()
    todo = [j for j in jobs if j.key in todo_keys or j.key in stale]
    summary.skipped = len(jobs) - len(todo)
    bar = tqdm(
        total=len(todo), unit="label", disable=not progress, dynamic_ncols=True, file=sys.stderr
    )
    lease = _Lease(store, LEASE_SECONDS if lease_seconds is None else lease_seconds)
    record = _Recorder(
        store, summary, bar, code_version or _code_version(label_fn), retry_failed, stale, lease
    )
    try:
        with lease:
            if not todo:
                pass
            elif backend == "ray":
                _run_ray(todo, label_fn, workers, ray_address, record)
            elif workers == 0:
                pending = deque(todo)
                while pending:
                    job = _take_next(pending, record)
                    if job is None:
                        time.sleep(POLL_SECONDS)  # only jobs other sweeps hold are left
                    else:
                        record(job, run_label(job, label_fn))
            else:
                _run_local(todo, label_fn, workers, record)
    except KeyboardInterrupt:
        summary.interrupted = True
    finally:
        bar.close()
        summary.wall = time.perf_counter() - start
    statuses = {k: store.status(k) for k in keys}
    n_failed = sum(1 for st in statuses.values() if st == "failed")
    summary.failed_in_store = max(0, n_failed - summary.failed)
    return summary


DEFAULT_REFERENCES_FN = "contrastive.references:references"


def add_references(
    tasks: Sequence[TaskSpec],
    store: LabelStore,
    *,
    references_fn: str | Callable | None = None,
    seed: int = 0,
    device: str = "auto",
    config: dict | None = None,
    code_version: str | None = None,
) -> int:
    """Compute and store each task's references once (in this process; they train nothing).

    ``references_fn(task, cfg)`` returns ``{kind: {metrics...}, ...}`` (e.g. ``raw_short``,
    ``raw_long``, ``untrained_preset``); each kind becomes one row of the store's ``refs``
    table under ``(task, kind, budget=0, seed)``, its ``label`` the entry's
    ``cfg.label_kind`` metric (``val_mse`` if absent). Tasks already holding references are
    skipped. Returns the number of tasks computed.
    """
    fn = resolve_label_fn(references_fn or DEFAULT_REFERENCES_FN)
    version = code_version or _code_version(None)
    done = 0
    with _Lease(store, LEASE_SECONDS) as lease:
        for spec in tasks:
            if not _claim_references(store, spec.name, seed, lease):
                continue
            cfg = make_config(0, seed, device, config)
            out = fn(spec.load(), cfg)
            kind_metric = getattr(cfg, "label_kind", "val_mse")
            for kind, entry in out.items():
                if isinstance(entry, dict):
                    metrics = {**entry, "label": entry.get(kind_metric, entry.get("val_mse"))}
                    store.put_reference(spec.name, kind, metrics, seed=seed, code_version=version)
            store.release(Key(REFERENCES_CLAIM, spec.name, 0, seed), lease.owner)
            done += 1
    return done


REFERENCES_CLAIM = "references"  # the arch_hash of a task's references claim (never a hash)


def _claim_references(store: LabelStore, task: str, seed: int, lease: _Lease) -> bool:
    """True when this sweep must compute ``task``'s references (claimed), False once they are
    stored (by another sweep, whose claim this one waits out)."""
    key = Key(REFERENCES_CLAIM, task, 0, seed)

    def stored() -> bool:
        return any(r["seed"] == seed for r in store.references(task))

    while not stored():
        if store.claim(key, lease.owner, lease.ttl, is_dead=owner_is_dead) == "claimed":
            # another sweep may have stored them and released its claim since the check above
            if not stored():
                return True
            store.release(key, lease.owner)
            return False
        time.sleep(POLL_SECONDS)
    return False


def _worker_init(driver_pid: int | None = None) -> None:
    """Set up a pool worker: one thread, and death with the sweep driver (``driver_pid``).

    A worker's parent is the fork server, so the parent-death signal kills it when the
    server dies (which dies with the driver, see :func:`_die_with_driver`); a watchdog thread
    also exits it when the driver itself is gone (``kill -9`` of the driver while a worker
    computes a label, or a platform without the signal).
    """
    single_thread()
    if _parent_death_signal() and os.getppid() == 1:
        os._exit(1)  # the parent died before the signal was armed
    if driver_pid:
        import threading

        threading.Thread(target=_watch, args=(driver_pid,), name="watchdog", daemon=True).start()


def _parent_death_signal() -> bool:
    """Ask Linux to SIGKILL this process when its parent dies (``prctl(PR_SET_PDEATHSIG)``);
    False where that is not available."""
    if not sys.platform.startswith("linux"):
        return False
    import ctypes
    import signal

    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return libc.prctl(1, int(signal.SIGKILL), 0, 0, 0) == 0  # 1: PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        return False


def _watch(pid: int) -> None:
    """Exit this process as soon as process ``pid`` is gone (a pidfd where the OS has one,
    else a check every second)."""
    import select

    try:
        fd = os.pidfd_open(pid)
    except (AttributeError, OSError):
        fd = None
    if fd is not None:
        select.select([fd], [], [])  # readable once the process has exited
        os._exit(1)
    while True:
        time.sleep(1.0)
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            os._exit(1)
        except OSError:
            pass


_DRIVER_ENV = "CTSNAS_SWEEP_DRIVER"


def _die_with_driver() -> None:
    """Run on import: in the fork server a sweep driver started (which preloads this module),
    arm the parent-death signal, so the server (and with it every worker it forked, and then
    the resource tracker, whose pipe they hold) dies when the driver is killed."""
    driver = os.environ.get(_DRIVER_ENV, "")
    if driver.isdigit() and int(driver) == os.getppid() and int(driver) != os.getpid():
        _parent_death_signal()
        if os.getppid() != int(driver):
            os._exit(1)  # the driver died before the signal was armed


_die_with_driver()


_THREAD_ENV = {"OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1"}
# Imported once by the fork server, so that each new worker (a replaced one too) starts in
# milliseconds instead of importing torch again. Importing torch before a fork is safe; only
# running parallel ops before it is not, and the server runs none.
_PRELOAD = [
    "__main__",
    "contrastive.sweep",
    "contrastive.data",
    "numpy",
    "pandas",
    "torch",
    "contrastive.protocol",
    "contrastive.references",
]


@contextlib.contextmanager
def _env(values: dict[str, str]) -> Iterator[None]:
    """Set environment variables for processes started inside the block, then restore."""
    old = {k: os.environ.get(k) for k in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for k, v in old.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def _mp_context() -> Any:
    """A ``forkserver`` context with the data stack preloaded (``spawn`` where there is none).

    Workers forked from a clean, single-threaded server start fast (a replaced worker too)
    without inheriting the driver's state, as ``fork`` would.
    """
    import multiprocessing as mp

    if "forkserver" not in mp.get_all_start_methods():
        return mp.get_context("spawn")
    ctx = mp.get_context("forkserver")
    from multiprocessing import forkserver

    with _env({**_THREAD_ENV, _DRIVER_ENV: str(os.getpid())}):
        ctx.set_forkserver_preload(_PRELOAD)
        forkserver.ensure_running()
    return ctx


def _run_local(todo: list[Job], label_fn: Any, workers: int, record: Callable) -> None:
    """Run jobs on a process pool, writing each result as it arrives.

    When a worker process dies, every job in flight is a suspect: suspects then run one at a
    time, so a job that kills its worker alone is the culprit (stored ``failed``, error
    ``WorkerDied``) and the innocent ones get their labels.
    """
    from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
    from concurrent.futures.process import BrokenProcessPool

    ctx = _mp_context()
    pending = deque(todo)
    suspects: deque = deque()

    def new_pool() -> ProcessPoolExecutor:
        return ProcessPoolExecutor(
            max_workers=workers,
            mp_context=ctx,
            initializer=_worker_init,
            initargs=(os.getpid(),),
        )

    pool = new_pool()
    inflight: dict = {}
    solo = False

    def submit(job: Job) -> bool:
        # A worker can die between two submissions; the pool then refuses new work before
        # ``wait`` has seen the broken futures. The refused job never ran: it is not a suspect.
        try:
            inflight[pool.submit(run_label, job, label_fn)] = job
        except BrokenProcessPool:
            return False
        return True

    try:
        while pending or suspects or inflight:
            refused = False
            if suspects:
                if not inflight:
                    job = suspects.popleft()
                    solo = submit(job)
                    if not solo:
                        suspects.appendleft(job)
                        refused = True
            else:
                solo = False
                while pending and len(inflight) < workers:
                    job = _take_next(pending, record)
                    if job is None:
                        break
                    if not submit(job):
                        pending.appendleft(job)  # still claimed by this sweep
                        refused = True
                        break
            if refused and not inflight:
                _discard_pool(pool)
                pool = new_pool()
                continue
            if not inflight:
                time.sleep(POLL_SECONDS)  # only jobs other sweeps hold are left
                continue
            finished, _ = wait(list(inflight), return_when=FIRST_COMPLETED)
            broken = False
            for fut in finished:
                job = inflight.pop(fut)
                try:
                    result = fut.result()
                except BrokenProcessPool:
                    broken = True
                    if solo:
                        record(
                            job,
                            {
                                "status": "failed",
                                "error": "WorkerDied: the worker "
                                "process died while making this label (alone)",
                            },
                        )
                    else:
                        suspects.append(job)
                else:
                    record(job, result)
            if broken:
                suspects.extend(inflight.values())
                inflight.clear()
                _discard_pool(pool)
                pool = new_pool()
    finally:
        # jobs still in flight here: an error or Ctrl-C; their results would go nowhere
        _discard_pool(pool, kill=bool(inflight))


def _discard_pool(pool: Any, kill: bool = True) -> None:
    """Shut ``pool`` down without waiting; with ``kill``, SIGKILL every worker it still has.

    A broken pool must be killed by hand: a submit that spawns a worker while the pool's manager
    thread is already terminating the others (a worker died a moment before) adds a worker the
    manager never signals but then joins forever, and that join blocks interpreter exit (a
    sweep, or a test run, that never ends). ``_processes`` is private to CPython's
    ``ProcessPoolExecutor`` (3.8-3.13); without it only the shutdown is done.
    """
    procs = list((getattr(pool, "_processes", None) or {}).values()) if kill else []
    pool.shutdown(wait=False, cancel_futures=True)
    for proc in procs:
        with contextlib.suppress(OSError, ValueError, AttributeError):
            proc.kill()  # a no-op for a worker already reaped


def _ray_remote(job: Job, label_fn: Any) -> dict:
    return run_label(job, label_fn)


def _run_ray(
    todo: list[Job], label_fn: Any, workers: int, address: str | None, record: Callable
) -> None:
    try:
        import ray
    except ImportError as err:
        raise ValueError(
            "the Ray backend needs ray: pip install 'ctsnas[ray]' (or use --backend local)"
        ) from err
    if not ray.is_initialized():
        root = str(Path(__file__).resolve().parents[1])
        env = {"OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
        if address is None:
            path = os.pathsep.join(p for p in (root, os.environ.get("PYTHONPATH", "")) if p)
            env["PYTHONPATH"] = path
            ray.init(
                num_cpus=workers,
                include_dashboard=False,
                log_to_driver=False,
                runtime_env={"env_vars": env},
            )
        else:
            ray.init(address=address, log_to_driver=False, runtime_env={"env_vars": env})
    remote = ray.remote(num_cpus=1, max_retries=MAX_CRASHES - 1)(_ray_remote)
    cpus = int(ray.cluster_resources().get("CPU", workers))
    limit = max(workers, cpus) * 2
    pending = deque(todo)
    inflight: dict = {}
    while pending or inflight:
        while pending and len(inflight) < limit:
            job = _take_next(pending, record)
            if job is None:
                break
            inflight[remote.remote(job, label_fn)] = job
        if not inflight:
            time.sleep(POLL_SECONDS)  # only jobs other sweeps hold are left
            continue
        ready, _ = ray.wait(list(inflight), num_returns=1)
        for ref in ready:
            job = inflight.pop(ref)
            try:
                result = ray.get(ref)
            except Exception as err:  # noqa: BLE001 - e.g. a worker that died twice
                result = {"status": "failed", "error": f"{type(err).__name__}: {err}"[:2000]}
            record(job, result)
