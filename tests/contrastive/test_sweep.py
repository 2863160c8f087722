"""Sweeps: seeded planning, fault tolerance, resume after ``kill -9``, local and Ray backends."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest

import archgraph
from contrastive import sweep as sw
from contrastive.store import LabelStore

ROOT = Path(__file__).resolve().parents[2]
DOUBLES = "tests.contrastive.sweep_doubles"


def _jobs(csv: Path, n: int, seeds=(0,), name: str = "tiny", budget: int = 5) -> list[sw.Job]:
    spec = sw.TaskSpec(name, str(csv))
    return sw.plan_jobs([spec], sw.plan_archs([name], n, seed=0), budget, seeds)


def _dupes(store: LabelStore) -> int:
    return store._con.execute(
        "SELECT COUNT(*) FROM (SELECT 1 FROM labels GROUP BY arch_hash, task, budget, seed "
        "HAVING COUNT(*) > 1)"
    ).fetchone()[0]


# -- planning -------------------------------------------------------------------------------------


def test_plan_is_seeded_and_prefix_stable():
    a = sw.plan_archs(["x", "y"], 6, seed=3)
    b = sw.plan_archs(["x", "y"], 9, seed=3)
    assert a["x"] == b["x"][:6] and a["x"] == a["y"]  # all shared by default
    assert sw.plan_archs(["x"], 6, seed=4)["x"] != a["x"]


def test_plan_shared_plus_task_specific():
    plan = sw.plan_archs(["x", "y"], 6, seed=0, n_shared=2)
    hx = [archgraph.arch_hash(a) for a in plan["x"]]
    hy = [archgraph.arch_hash(a) for a in plan["y"]]
    assert hx[:2] == hy[:2] and len(set(hx)) == len(set(hy)) == 6
    assert not set(hx[2:]) & set(hy[2:])
    assert sw.plan_archs(["x", "y"], 6, seed=0, n_shared=2) == plan


def test_plan_jobs_keys(tiny_csv):
    jobs = _jobs(tiny_csv, 3, seeds=(0, 1))
    assert len(jobs) == 6 and len({j.key for j in jobs}) == 6
    assert {j.key.seed for j in jobs} == {0, 1} and {j.key.budget for j in jobs} == {5}
    assert all(j.key.arch_hash == archgraph.arch_hash(j.arch) for j in jobs)


def test_make_config_applies_overrides_then_key():
    cfg = sw.make_config(7, 3, "cpu", {"window": 16})
    assert (cfg.steps, cfg.seed, cfg.device, cfg.threads) == (7, 3, "cpu", 1)
    assert getattr(cfg, "window", 16) == 16
    with pytest.raises(ValueError, match="unknown"):
        sw.make_config(7, 3, "cpu", {"no_such_field": 1})


# -- running --------------------------------------------------------------------------------------


def test_faults_become_failed_rows_and_sweep_goes_on(tmp_path, tiny_csv):
    jobs = _jobs(tiny_csv, 12)
    with LabelStore(tmp_path / "s.sqlite") as store:
        s = sw.sweep(jobs, store, label_fn=f"{DOUBLES}:flaky_label", workers=0, progress=False)
        assert s.done == 12 and s.ok + s.failed == 12 and s.failed > 0 and s.ok > 0
        assert s.exit_code == sw.EXIT_FAILED
        errors = {r["error"].split(":")[0] for r in store.records(status="failed")}
        assert errors <= {"RuntimeError", "label is not a finite number"}
        rows = store.records(status="failed")
        assert any("injected fault" in r["error"] for r in rows)
        again = sw.sweep(jobs, store, label_fn=f"{DOUBLES}:flaky_label", workers=0, progress=False)
        assert again.done == 0 and again.skipped == 12 and again.failed_in_store == s.failed
        assert again.exit_code == sw.EXIT_FAILED
        retry = sw.sweep(
            jobs, store, label_fn=f"{DOUBLES}:quick_label", workers=0, progress=False,
            retry_failed=True,
        )  # fmt: skip
        assert retry.done == s.failed and retry.exit_code == sw.EXIT_OK
        assert store.count("ok") == 12 and _dupes(store) == 0
        rec = store.records()[0]
        assert rec["metrics"]["task_fingerprint"].startswith("sha256:")
        assert rec["space_version"] == archgraph.SPACE_VERSION


def test_refresh_adds_new_metrics_only_where_the_rerun_reproduces_the_label(tmp_path, tiny_csv):
    jobs = _jobs(tiny_csv, 4, seeds=(0, 1))
    run = dict(workers=0, progress=False)
    with LabelStore(tmp_path / "s.sqlite") as store:
        sw.sweep(jobs[:6], store, label_fn=f"{DOUBLES}:quick_label", **run)
        before = {(r["arch_hash"], r["seed"]): r for r in store.records()}
        assert len(store.lacking([j.key for j in jobs], "knn_val_mse")) == 6
        drift = sw.sweep(
            jobs[:2], store, label_fn=f"{DOUBLES}:drifted_label", refresh="knn_val_mse", **run
        )
        assert drift.mismatched == 2 and drift.refreshed == 0
        assert drift.exit_code == sw.EXIT_FAILED and "NOT refreshed" in drift.line()
        up = sw.sweep(jobs, store, label_fn=f"{DOUBLES}:richer_label", refresh="knn_val_mse", **run)
        assert (up.refreshed, up.mismatched, up.ok, up.skipped) == (6, 0, 2, 0)
        assert (
            up.exit_code == sw.EXIT_OK and store.lacking([j.key for j in jobs], "knn_val_mse") == []
        )
        for r in store.records():
            assert r["metrics"]["knn_val_mse"] == 2.0
            old = before.get((r["arch_hash"], r["seed"]))
            if old is not None:  # label, status and old metrics kept
                assert r["label"] == old["label"] and r["metrics"]["val_mse"] == old["label"]
                assert r["created"] == old["created"]
        again = sw.sweep(
            jobs, store, label_fn=f"{DOUBLES}:richer_label", refresh="knn_val_mse", **run
        )
        assert again.done == 0 and again.skipped == 8 and _dupes(store) == 0


def test_run_label_records_warnings_instead_of_printing(tiny_csv, recwarn):
    (job,) = _jobs(tiny_csv, 1)
    result = sw.run_label(job, f"{DOUBLES}:warn_label")
    assert result["status"] == "ok" and result["warnings"]["count"] == 2
    assert result["warnings"]["first"] == ["RuntimeWarning: ill-conditioned matrix"]
    assert len(recwarn) == 0


def test_two_sweeps_share_one_store(tmp_path, tiny_csv, monkeypatch):
    """Two sweeps on one store at once: no corruption, every label stored exactly once."""

    monkeypatch.setenv("CTSNAS_TEST_SLEEP", "0.05")
    jobs = _jobs(tiny_csv, 16)
    summaries = []

    def run() -> None:
        with LabelStore(tmp_path / "shared.sqlite") as store:
            summaries.append(
                sw.sweep(jobs, store, label_fn=f"{DOUBLES}:slow_label", workers=0, progress=False)
            )

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert len(summaries) == 2 and all(s.exit_code == 0 for s in summaries)
    assert all(s.done + s.skipped == 16 for s in summaries)
    with LabelStore(tmp_path / "shared.sqlite") as store:
        assert store.count("ok") == 16 and _dupes(store) == 0 and store.integrity_check() == "ok"


def test_local_workers_and_worker_death(tmp_path, tiny_csv):
    """Two spawned workers label; a worker that dies is replaced and its label stored failed."""
    jobs = _jobs(tiny_csv, 3, seeds=(0, 1))
    with LabelStore(tmp_path / "s.sqlite") as store:
        s = sw.sweep(jobs, store, label_fn=f"{DOUBLES}:crash_label", workers=2, progress=False)
        assert s.done == 6 and store.count() == 6 and _dupes(store) == 0
        # crash_label kills its worker exactly for seed 1; only those labels fail.
        assert {r["seed"] for r in store.records()} == {0} and s.ok == 3
        died = store.records(status="failed")
        assert {r["seed"] for r in died} == {1} and len(died) == 3
        assert all(r["error"].startswith("WorkerDied") for r in died)
    # every pool the deaths broke is gone: a manager thread left joining a worker would hang exit
    assert _manager_threads_end(timeout=20) == []


def _manager_threads_end(timeout: float) -> list:
    from concurrent.futures.process import _ExecutorManagerThread

    deadline = time.monotonic() + timeout
    while True:
        alive = [t for t in threading.enumerate() if isinstance(t, _ExecutorManagerThread)]
        if not alive or time.monotonic() > deadline:
            return alive
        time.sleep(0.05)


def test_discarded_pool_leaves_no_worker_behind():
    """``_discard_pool`` kills a worker in the middle of a job, so the pool's manager thread
    (which joins every worker, and which interpreter exit joins) ends at once."""
    from concurrent.futures import ProcessPoolExecutor

    pool = ProcessPoolExecutor(max_workers=1, mp_context=sw._mp_context())
    pid = pool.submit(os.getpid).result(timeout=60)
    busy = pool.submit(time.sleep, 600)
    for _ in range(400):  # handed to the worker: shutdown can no longer cancel it
        if busy.running():
            break
        time.sleep(0.05)
    time.sleep(0.2)
    manager = pool._executor_manager_thread
    sw._discard_pool(pool)
    manager.join(timeout=20)
    assert not manager.is_alive() and busy.done()
    with pytest.raises(ProcessLookupError):
        for _ in range(200):  # the fork server reaps it
            os.kill(pid, 0)
            time.sleep(0.05)


def test_a_pool_that_breaks_between_submissions_loses_no_job(tmp_path, tiny_csv, monkeypatch):
    """A worker that dies between two ``submit`` calls makes the pool refuse the next job; that
    job never ran, so it is resubmitted to a new pool (not stored failed, not lost)."""
    import concurrent.futures as cf
    from concurrent.futures.process import BrokenProcessPool

    pools = []

    class FlakyPool:  # runs jobs inline; the first pool breaks at its second submit
        def __init__(self, **_: object) -> None:
            self.broken = False
            self.submits = 0
            pools.append(self)

        def submit(self, fn, *args):
            self.submits += 1
            if self.broken or (len(pools) == 1 and self.submits == 2):
                self.broken = True
                raise BrokenProcessPool("a worker died")
            fut = cf.Future()
            fut.set_result(fn(*args))
            return fut

        def shutdown(self, **_: object) -> None:
            pass

    monkeypatch.setattr(cf, "ProcessPoolExecutor", FlakyPool)
    monkeypatch.setattr(sw, "_mp_context", lambda: None)
    jobs = _jobs(tiny_csv, 3)
    with LabelStore(tmp_path / "s.sqlite") as store:
        s = sw.sweep(jobs, store, label_fn=f"{DOUBLES}:quick_label", workers=2, progress=False)
        assert s.ok == 3 and store.count("ok") == 3 and store.count() == 3
    assert len(pools) == 2 and pools[0].broken


def test_resume_after_kill_9(tmp_path, tiny_csv, monkeypatch):
    """kill -9 a running sweep, rerun: nothing lost, nothing twice.

    The killed sweep labels in its driver process (``--workers 0``): the driver is the only
    writer whatever the worker count, and this saves a worker's torch import.
    """
    db = tmp_path / "kill.sqlite"
    args = [
        "--data", str(tiny_csv), "--task-name", "tiny", "--n-archs", "16", "--seed", "0",
        "--budget", "5", "--store", str(db), "--label-fn", f"{DOUBLES}:slow_label",
        "--no-progress", "--no-references",
    ]  # fmt: skip
    env = {**os.environ, "CTSNAS_TEST_SLEEP": "0.4", "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "contrastive.label", *args, "--workers", "0"],
        cwd=tmp_path, env=env, start_new_session=True,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 90
        n = 0
        while time.monotonic() < deadline and proc.poll() is None:
            if db.exists():
                with LabelStore(db) as s:
                    n = s.count()
                if n >= 3:
                    break
            time.sleep(0.1)
        assert proc.poll() is None, "the sweep finished before it could be killed"
        assert n >= 3, "no label stored in time"
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    with LabelStore(db) as s:
        kept = s.count()
        assert s.integrity_check() == "ok" and 3 <= kept < 16
    from contrastive.label import main

    monkeypatch.setenv("CTSNAS_TEST_SLEEP", "0")
    assert main([*args, "--workers", "0"]) == 0
    with LabelStore(db) as s:
        assert s.count() == s.count("ok") == 16 and _dupes(s) == 0
        assert s.integrity_check() == "ok"


def test_ray_backend_two_tiny_labels(tmp_path, tiny_csv, monkeypatch):
    ray = pytest.importorskip("ray", reason="ray is not installed (pip install 'ctsnas[ray]')")
    jobs = _jobs(tiny_csv, 2)
    monkeypatch.setenv("PYTHONPATH", str(ROOT))  # the local Ray's workers inherit it
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    try:
        with LabelStore(tmp_path / "ray.sqlite") as store:
            s = sw.sweep(jobs, store, label_fn=f"{DOUBLES}:quick_label", backend="ray",
                         workers=2, progress=False)  # fmt: skip
            assert s.ok == 2 and s.exit_code == 0
            assert store.count("ok") == 2 and _dupes(store) == 0
    finally:
        ray.shutdown()


def test_real_label_end_to_end(tmp_path, tiny_csv):
    """One real contrastive label (contrastive.protocol) on a tiny task with a tiny budget."""
    from contrastive.config import TrainConfig
    from contrastive.presets import preset

    tiny, default = TrainConfig.tiny(), TrainConfig()
    names = [f for f in vars(default) if f not in ("steps", "seed")]
    over = {k: getattr(tiny, k) for k in names if getattr(tiny, k) != getattr(default, k)}
    spec = sw.TaskSpec("tiny", str(tiny_csv))
    arch = preset("ts2vec")
    jobs = sw.plan_jobs([spec], {"tiny": [arch]}, budget=2, config=over)
    with LabelStore(tmp_path / "real.sqlite") as store:
        s = sw.sweep(jobs, store, workers=0, progress=False)
        (rec,) = store.records(status=None)
        assert s.done == 1 and rec["status"] == "ok", rec["error"]
        assert np.isfinite(rec["label"]) and rec["metrics"]["steps"] == 2
        assert sw.add_references([spec], store, config=over) == 1
        assert sw.add_references([spec], store, config=over) == 0  # once per task
        kinds = {r["kind"]: r["label"] for r in store.references("tiny")}
        assert {"raw_short", "raw_long", "untrained_preset"} <= set(kinds)
        assert all(np.isfinite(v) for v in kinds.values())
