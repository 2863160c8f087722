"""Job claims: sweeps sharing a store compute each label once; workers die with the driver."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path

import pytest

from benchmarks.robustness_cli import _alive, _descendants
from contrastive import sweep as sw
from contrastive.store import LabelStore

ROOT = Path(__file__).resolve().parents[2]
DOUBLES = "tests.contrastive.sweep_doubles"


def _jobs(csv: Path, n: int) -> list[sw.Job]:
    spec = sw.TaskSpec("tiny", str(csv))
    return sw.plan_jobs([spec], sw.plan_archs(["tiny"], n, seed=0), 5, (0,))


def test_two_concurrent_sweeps_compute_each_label_once(tmp_path, tiny_csv, monkeypatch):
    count = tmp_path / "computed.txt"
    monkeypatch.setenv("CTSNAS_TEST_COUNT", str(count))
    monkeypatch.setenv("CTSNAS_TEST_SLEEP", "0.05")
    db = tmp_path / "s.sqlite"
    jobs = _jobs(tiny_csv, 12)
    summaries = []

    def one() -> None:
        with LabelStore(db) as store:
            summaries.append(
                sw.sweep(
                    jobs,
                    store,
                    label_fn=f"{DOUBLES}:counted_label",
                    workers=0,
                    progress=False,
                    lease_seconds=30,
                )  # fmt: skip
            )

    threads = [threading.Thread(target=one) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    lines = count.read_text().splitlines()
    assert len(lines) == 12 and max(Counter(lines).values()) == 1  # each label computed once
    assert sum(s.done for s in summaries) == 12
    assert all(s.exit_code == 0 and s.done + s.skipped == 12 for s in summaries)
    with LabelStore(db) as store:
        assert store.count("ok") == 12 and store.claims() == []


def test_a_dead_owners_claim_is_taken_over(tmp_path, tiny_csv, monkeypatch):
    monkeypatch.setenv("CTSNAS_TEST_SLEEP", "0")
    db = tmp_path / "s.sqlite"
    jobs = _jobs(tiny_csv, 3)
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()  # a pid of this machine that no longer runs
    with LabelStore(db) as store:
        here = f"{socket.gethostname()}:{dead.pid}:0"
        elsewhere = "another-host:1:0"
        assert sw.owner_is_dead(here) and not sw.owner_is_dead(elsewhere)
        assert not sw.owner_is_dead(f"{socket.gethostname()}:{os.getpid()}:0")
        assert store.claim(jobs[0].key, here, ttl=3600) == "claimed"
        assert store.claim(jobs[1].key, elsewhere, ttl=0.3) == "claimed"
        t0 = time.monotonic()
        s = sw.sweep(jobs, store, label_fn=f"{DOUBLES}:slow_label", workers=0, progress=False)
        # the dead local owner's job at once, the other host's once its lease expired
        assert s.done == 3 and s.exit_code == 0 and time.monotonic() - t0 >= 0.3
        assert store.claims() == []


def test_references_are_computed_once_by_concurrent_sweeps(tmp_path, tiny_csv):
    db = tmp_path / "s.sqlite"
    spec = sw.TaskSpec("tiny", str(tiny_csv))
    done = []

    def one() -> None:
        with LabelStore(db) as store:
            done.append(
                sw.add_references([spec], store, references_fn=f"{DOUBLES}:quick_references")
            )

    threads = [threading.Thread(target=one) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(done) == [0, 1]
    with LabelStore(db) as store:
        assert len(store.references("tiny")) == 3 and store.claims() == []


def test_references_stored_between_check_and_claim_are_not_recomputed(tmp_path, tiny_csv):
    spec = sw.TaskSpec("tiny", str(tiny_csv))
    with LabelStore(tmp_path / "s.sqlite") as store:
        claim = store.claim

        def late_claim(*args, **kw):  # another sweep stores them and releases its claim first
            store.put_reference("tiny", "raw_short", {"label": 1.0}, seed=0, code_version="x")
            return claim(*args, **kw)

        store.claim = late_claim
        n = sw.add_references([spec], store, references_fn=f"{DOUBLES}:quick_references")
        assert n == 0 and store.claims() == []
        assert [r["kind"] for r in store.references("tiny")] == ["raw_short"]


@pytest.mark.slow  # the fork server preloads torch: ~10-50 s on 2 loaded cores
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_pool_workers_die_with_a_killed_driver(tmp_path, tiny_csv):
    db = tmp_path / "s.sqlite"
    env = {**os.environ, "CTSNAS_TEST_SLEEP": "5", "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "contrastive.label", "--data", str(tiny_csv), "--task-name",
         "tiny", "--n-archs", "6", "--budget", "5", "--store", str(db), "--label-fn",
         f"{DOUBLES}:slow_label", "--no-progress", "--no-references", "--workers", "2"],
        cwd=tmp_path, env=env, start_new_session=True,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    procs: list[int] = []
    try:
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline and len(procs) < 4:  # server, tracker, 2 workers
            procs = _descendants(proc.pid)
            time.sleep(0.2)
        assert len(procs) >= 4, f"the pool did not start: {procs}"
        os.kill(proc.pid, signal.SIGKILL)  # the driver only, as a crash or the OOM killer would
        proc.wait()
        t0 = time.monotonic()
        while time.monotonic() - t0 < 10 and any(_alive(p) for p in procs):
            time.sleep(0.2)
        assert [p for p in procs if _alive(p)] == []
    finally:
        for p in procs:
            if _alive(p):
                os.kill(p, signal.SIGKILL)
