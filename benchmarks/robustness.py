"""Robustness figures: fuzzing, memory bounds and fault injection, counted per entry point.

Usage: ``python -m benchmarks.robustness --out benchmarks/results/robustness.json``.

* Arch fuzz: ``--arch-cases`` corrupted archs (:func:`benchmarks.fuzz.arch_cases`, hypothesis
  seeded by ``--seed``) through ``validate``, ``encode``, ``ContrastiveNet`` (one forward and
  one training step on ``[2, 1, 3, 8]``) and ``Comparator.score`` (a tiny fitted comparator).
  Counts: cases tried, worked, clean errors (``ArchError`` with a field path), anything else.
* Data fuzz: the malformed CSVs of :data:`benchmarks.fuzz.DATA_CASES` (``--data-seeds`` per
  kind) through ``contrastive.data.from_csv`` and, when one loads, a tiny
  ``contrastive.protocol.label``. Clean errors: ``DataError`` naming the file, a failed label
  record with its reason.
* Memory bounds: refusals under a tiny cap, and estimates against measured peaks (Linux) of
  reading a CSV and of training steps of ``--memory-archs`` sampled archs.
* Fault injection: ``--kills`` times, a sweep (``python -m contrastive.label`` with a fake
  label function of 0.1 s) is killed with SIGKILL at a random moment (uniform in 0..1.5 s
  after the run stored its first label) and rerun; finished labels lost, changed or
  duplicated, and ``PRAGMA integrity_check`` after each kill and after the final rerun. Then two sweeps on one store at once,
  and a label function that raises or returns NaN.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch

from benchmarks import fuzz as fz
from benchmarks import report
from cliconfig import option, parse, run_main

ROOT = Path(__file__).resolve().parents[1]
TOP_LEVEL = ("arch", "space", "contrastive", "encoder", "hyper")  # "arch": not an object at all


@dataclass
class Config:
    """Robustness: fuzzed archs and CSVs, memory estimates, kill -9 of a label sweep."""

    arch_cases: int = option(1200, "corrupted archs")
    data_seeds: int = option(4, "CSV files per kind (1-4)")
    kills: int = option(6, "sweeps killed with SIGKILL (0: no sweep runs)")
    memory_archs: int = option(6, "archs whose peak is measured")
    seed: int = option(0, "seed of every fuzzed case")
    out: str = option("benchmarks/results/robustness.json", "the JSON file to write")


def _tally(outcomes: list[tuple[str, str]], examples: int = 5) -> dict[str, Any]:
    kinds = Counter(kind for kind, _ in outcomes)
    others = Counter(detail for kind, detail in outcomes if kind == "other")
    return {
        "tried": len(outcomes),
        "worked": kinds["worked"],
        "clean_errors": kinds["clean"],
        "other": kinds["other"],
        "other_examples": [d for d, _ in others.most_common(examples)],
    }


def arch_fuzz(cases: int, seed: int) -> dict[str, Any]:
    """``cases`` corrupted archs through every entry point (see the module docstring)."""
    from hypothesis import HealthCheck, given, settings
    from hypothesis import seed as hypothesis_seed

    t0 = time.perf_counter()
    comparator = fz.tiny_comparator(seed)
    entries = fz.entry_points(comparator)
    outcomes: dict[str, list[tuple[str, str]]] = {name: [] for name in entries}
    paths: Counter = Counter()
    disagree = 0

    @hypothesis_seed(seed)
    @settings(
        max_examples=cases,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(arch=fz.arch_cases())
    def case(arch: Any) -> None:
        nonlocal disagree
        results = {name: fz.outcome(fn, arch) for name, fn in entries.items()}
        for name, result in results.items():
            outcomes[name].append(result)
        kinds = {kind for kind, _ in results.values()}
        disagree += len(kinds) > 1
        if results["validate"][0] == "clean":
            head = results["validate"][1].split(".")[0].split("[")[0]
            paths[head if head in TOP_LEVEL else "unknown or look-alike top-level key"] += 1

    torch.set_flush_denormal(False)  # hypothesis cannot draw floats in flush-denormal mode
    case()
    return {
        "entry_points": {name: _tally(out) for name, out in outcomes.items()},
        "cases_where_entry_points_disagree": disagree,
        "clean_errors_by_top_level_field": dict(paths.most_common()),
        "seconds": time.perf_counter() - t0,
    }


def data_fuzz(seeds: int, folder: Path) -> dict[str, Any]:
    """The malformed CSVs through ``from_csv`` and a tiny label of each that loads."""
    from contrastive.config import TrainConfig

    t0 = time.perf_counter()
    cfg = TrainConfig.tiny()
    loads: list[tuple[str, str]] = []
    labels: list[tuple[str, str]] = []
    by_kind: dict[str, Counter] = {}
    for kind, s in fz.DATA_CASES:
        if s >= seeds:
            continue
        out = fz.data_outcomes(kind, s, folder, cfg)
        loads.append(out["from_csv"])
        counts = by_kind.setdefault(kind, Counter())
        counts[f"from_csv_{out['from_csv'][0]}"] += 1
        if out["label"] is not None:
            labels.append(out["label"])
            counts[f"label_{out['label'][0]}"] += 1
    return {
        "entry_points": {"from_csv": _tally(loads), "label": _tally(labels)},
        "by_kind": {k: dict(v) for k, v in by_kind.items()},
        "seconds": time.perf_counter() - t0,
    }


def memory_bounds(folder: Path, n_archs: int = 6) -> dict[str, Any]:
    """Refusals under tiny caps, and estimated against measured peak bytes (a 40,000 x 12 CSV,
    a training step of ``n_archs`` sampled archs on 8 series x 32 steps)."""
    import archgraph as ag
    from contrastive import resources as rs
    from contrastive.config import TrainConfig
    from contrastive.data import DataError, from_array, from_csv
    from contrastive.net import ContrastiveNet
    from contrastive.presets import preset
    from contrastive.protocol import label

    rng = np.random.default_rng(0)
    task = from_array(rng.normal(size=(400, 3)).cumsum(0), "walk")
    rec = label(preset("ts2vec"), task, TrainConfig.tiny(max_memory_gb=1e-3))
    path = folder / "wide.csv"
    x = rng.normal(size=(40_000, 12))
    np.savetxt(path, x, delimiter=",", fmt="%.5f", header=",".join("abcdefghijkl"), comments="")
    try:
        from_csv(path, max_memory_gb=1e-3)
        csv_refusal = None
    except DataError as err:
        csv_refusal = str(err).replace(str(folder), "<tmp>")
    _, csv_peak = rs.peak_rss(lambda: from_csv(path, max_series=None, max_length=None))
    steps = []
    gen = torch.Generator().manual_seed(0)
    for arch in ag.sample(n_archs, seed=5):

        def step(arch: dict = arch) -> None:
            net = ContrastiveNet(arch, n_series=8)
            opt = torch.optim.AdamW(net.parameters())
            loss, _ = net.loss(
                torch.randn(arch["hyper"]["batch_size"], 1, 8, 32, generator=gen), gen
            )
            loss.backward()
            opt.step()

        _, peak = rs.peak_rss(step)
        est = rs.train_step_bytes(arch, 8, 32).total
        steps.append(
            {"estimate": est, "measured_peak": peak, "ratio": est / peak if peak else None}
        )
    return {
        "label_over_cap": {"status": rec["status"], "error": rec["error"]},
        "csv_over_cap": csv_refusal,
        "csv_estimate_vs_peak": {
            "estimate": rs.csv_bytes(path).total,
            "measured_peak": csv_peak,
            "ratio": rs.csv_bytes(path).total / csv_peak if csv_peak else None,
        },
        "train_step_estimate_vs_peak": steps,
        "note": "peaks are the growth of the process's peak RSS (Linux VmHWM); None elsewhere",
    }


def _snapshot(db: Path) -> dict[tuple, tuple]:
    from contrastive.store import LabelStore

    if not db.exists():
        return {}
    with LabelStore(db) as store:
        return {
            (r["arch_hash"], r["task"], r["budget"], r["seed"]): (r["status"], r["label"])
            for r in store.iter_records(status=None)
        }


def _rows(db: Path) -> int:
    """Label rows in the store at ``db`` (0 while it does not exist yet); read-only."""
    import sqlite3

    try:
        con = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5)
        try:
            return con.execute("SELECT COUNT(*) FROM labels").fetchone()[0]
        finally:
            con.close()
    except sqlite3.Error:
        return 0


def _check_store(db: Path) -> dict[str, Any]:
    from contrastive.store import LabelStore

    with LabelStore(db) as store:
        dupes = store._con.execute(
            "SELECT COUNT(*) FROM (SELECT 1 FROM labels GROUP BY arch_hash, task, budget, seed "
            "HAVING COUNT(*) > 1)"
        ).fetchone()[0]
        return {
            "rows": store.count(),
            "duplicated": dupes,
            "integrity_check": store.integrity_check(),
        }


def _sweep_cmd(csv: Path, db: Path, n_archs: int) -> list[str]:
    return [
        sys.executable, "-m", "contrastive.label", "--data", str(csv), "--task-name", "walk",
        "--n-archs", str(n_archs), "--budget", "1", "--store", str(db), "--workers", "0",
        "--label-fn", "benchmarks.fuzz:sleepy_label", "--no-references", "--no-progress",
    ]  # fmt: skip


def kill_sweeps(kills: int, rng: np.random.Generator, csv: Path, folder: Path) -> dict[str, Any]:
    """Kill a sweep ``kills`` times at random moments and rerun it; then two sweeps at once."""
    env = {**os.environ, "PYTHONPATH": str(ROOT), "CTSNAS_FAKE_SLEEP": "0.1"}
    db, n_archs = folder / "kill.sqlite", 100
    runs, finished_before = [], {}
    for _ in range(kills):
        proc = subprocess.Popen(
            _sweep_cmd(csv, db, n_archs), env=env, cwd=folder, start_new_session=True,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        while proc.poll() is None and _rows(db) <= len(finished_before):
            time.sleep(0.02)  # until this run has stored its first label
        delay = float(rng.uniform(0.0, 1.5))
        time.sleep(delay)
        killed = proc.poll() is None
        if killed:
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        snap = _snapshot(db)
        runs.append({"killed": killed, "after_s": round(delay, 3), "rows_after": len(snap)})
        finished_before.update(snap)
        runs[-1].update(_check_store(db))
    final = subprocess.run(
        _sweep_cmd(csv, db, n_archs), env={**env, "CTSNAS_FAKE_SLEEP": "0"}, cwd=folder,
        capture_output=True, text=True,
    )  # fmt: skip
    after = _snapshot(db)
    lost = [k for k in finished_before if k not in after]
    changed = [k for k, v in finished_before.items() if k in after and after[k] != v]
    kill9 = {
        "kills": sum(r["killed"] for r in runs),
        "runs": runs,
        "labels_finished_before_the_last_kill": len(finished_before),
        "lost": len(lost),
        "changed": len(changed),
        "rerun_exit_code": final.returncode,
        "expected_rows": n_archs,
        **_check_store(db),
    }
    # Two sweeps on one store at once.
    db2 = folder / "shared.sqlite"
    procs = [
        subprocess.Popen(
            _sweep_cmd(csv, db2, 24),
            env={**env, "CTSNAS_FAKE_SLEEP": "0.05"},
            cwd=folder,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )  # fmt: skip
        for _ in range(2)
    ]
    codes = [p.wait(timeout=300) for p in procs]
    concurrent = {"exit_codes": codes, "expected_rows": 24, **_check_store(db2)}
    return {"kill_9": kill9, "two_sweeps_at_once": concurrent}


def fault_injection(kills: int, seed: int, folder: Path) -> dict[str, Any]:
    """:func:`kill_sweeps` (when ``kills > 0``) and a label function that raises or gives NaN."""
    from contrastive import sweep as sw
    from contrastive.store import LabelStore

    t0 = time.perf_counter()
    rng = np.random.default_rng(seed)
    csv = folder / "walk.csv"
    np.savetxt(csv, rng.normal(size=(320, 2)).cumsum(0), delimiter=",", header="a,b", comments="")
    out = kill_sweeps(kills, rng, csv, folder) if kills > 0 else {}
    # A label function that raises or returns NaN: failed rows, and the sweep goes on.
    spec = sw.TaskSpec("walk", str(csv))
    jobs = sw.plan_jobs([spec], sw.plan_archs(["walk"], 40, seed=seed), budget=1)
    with LabelStore(folder / "faulty.sqlite") as store:
        s = sw.sweep(
            jobs, store, label_fn="benchmarks.fuzz:faulty_label", workers=0, progress=False
        )
        errors = Counter(r["error"].split(":")[0] for r in store.records(status="failed"))
        faulty = {
            "jobs": len(jobs),
            "done": s.done,
            "ok": store.count("ok"),
            "failed": store.count("failed"),
            "failed_by_error": dict(errors),
            "integrity_check": store.integrity_check(),
        }
    return {**out, "raising_or_nan_label_fn": faulty, "seconds": time.perf_counter() - t0}


def run(cfg: Config) -> dict[str, Any]:
    """All figures (see the module docstring)."""
    t0 = time.perf_counter()
    torch.set_num_threads(
        1
    )  # tiny nets: one thread is fastest and leaves the machine's other jobs be
    info = report.machine()
    out: dict[str, Any] = {
        "command": "python -m benchmarks.robustness "
        + " ".join(f"--{k.replace('_', '-')} {v}" for k, v in asdict(cfg).items()),
        "config": asdict(cfg),
        "machine": info,
        "arch_fuzz": arch_fuzz(cfg.arch_cases, cfg.seed),
    }
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        out["data_fuzz"] = data_fuzz(cfg.data_seeds, folder)
        out["memory_bounds"] = memory_bounds(folder, cfg.memory_archs)
        out["fault_injection"] = fault_injection(cfg.kills, cfg.seed, folder)
    out["anything_else"] = sum(
        ep["other"]
        for part in ("arch_fuzz", "data_fuzz")
        for ep in out[part]["entry_points"].values()
    )
    out["seconds"] = time.perf_counter() - t0
    return out


def main(argv: list[str] | None = None) -> int:
    """Entry point of ``python -m benchmarks.robustness``."""
    cfg = parse(Config, argv, prog="python -m benchmarks.robustness", description=__doc__)
    result = run(cfg)
    out = report.write_json(cfg.out, result, indent=2)
    for part in ("arch_fuzz", "data_fuzz"):
        for name, t in result[part]["entry_points"].items():
            print(
                f"{name:17} tried {t['tried']:5}  worked {t['worked']:5}  clean errors "
                f"{t['clean_errors']:5}  anything else {t['other']}"
            )
    k = result["fault_injection"].get("kill_9")
    if k:
        print(
            f"kill -9 x{k['kills']}: {k['labels_finished_before_the_last_kill']} finished "
            f"labels, lost {k['lost']}, changed {k['changed']}, duplicated {k['duplicated']}, "
            f"integrity {k['integrity_check']}"
        )
    print(f"{result['seconds']:.0f} s -> {out}")
    return 0 if result["anything_else"] == 0 else 1


if __name__ == "__main__":
    run_main(main)
