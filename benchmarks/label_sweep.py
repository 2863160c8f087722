"""Label-protocol investigation: label many sampled archs x seeds on bundled tasks (resumable JSONL).

Every record holds all label kinds of ``contrastive.protocol.label`` (full / label-scarce probe,
trained / untrained, gains, and early-checkpoint metrics) and the protocol knobs it ran with, so
one sweep answers several protocol questions. Example (the protocol document lists the exact
commands used)::

    python -m benchmarks.label_sweep --tasks pedestrian,vic_elec --n-archs 30 --seeds 0,1 \
        --steps 40 --checkpoints 10,20 --out benchmarks/results/label_sweep_s40.jsonl

On a machine without the data packages (a GPU box, say), export the bundled tasks first with
``--export-tasks DIR`` (one ``NAME.npz`` of cleaned values per task, no pickles) and sweep with
``--task-dir DIR``. ``--workers K`` labels in K processes; ``--time-limit S`` stops submitting
after S seconds so a timed run ends with whole records only.
"""

from __future__ import annotations

import json
import time
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from dataclasses import dataclass
from multiprocessing import get_context
from pathlib import Path

import numpy as np

from archgraph import arch_hash, sample
from cliconfig import option, parse, run_main
from contrastive.config import TrainConfig
from contrastive.data import DataError, Task, load_task
from contrastive.presets import preset
from contrastive.protocol import label


@dataclass
class SweepArgs:
    """Label many sampled archs x seeds on bundled tasks (resumable JSONL)."""

    tasks: str = option("pedestrian", "comma-separated bundled tasks")
    n_archs: int = option(30, "archs sampled (archgraph.sample)")
    arch_seed: int = option(0, "seed of archgraph.sample")
    seeds: str = option("0,1", "comma-separated training seeds of every arch")
    steps: int = option(40, "training steps (TrainConfig.steps)")
    window: int = option(48, "training window (TrainConfig.window)")
    checkpoints: str = option(
        "", "comma-separated early steps probed too (TrainConfig.checkpoints)"
    )
    schedule: str = option("constant", "learning-rate schedule (TrainConfig.schedule)")
    warmup: int = option(0, "warm-up steps (TrainConfig.warmup)")
    scarce_windows: int = option(32, "windows of the label-scarce probe (TrainConfig)")
    probe_windows: int = option(256, "windows of the probes (TrainConfig)")
    knn_k: int = option(10, "neighbours of the kNN probe (TrainConfig.knn_k)")
    preset: str = option("", "label this preset instead of sampled archs (e.g. ts2vec)")
    probe_cv: str = option("blocked", "the ridge probe's cross-validation (TrainConfig.probe_cv)")
    device: str = option("cpu", "torch device (TrainConfig.device)")
    workers: int = option(1, "labelling processes")
    task_dir: str = option("", "read the tasks --export-tasks wrote here (no data packages)")
    export_tasks: str = option("", "write each task as NAME.npz into this folder, then stop")
    time_limit: float = option(0.0, "stop submitting after this many seconds (0: no limit)")
    out: str = option("benchmarks/results/label_sweep.jsonl", "JSONL records (appended; resumable)")


def _ints(text: str) -> tuple[int, ...]:
    return tuple(int(v) for v in text.split(",") if v.strip())


def export_task(task: Task, folder: Path) -> Path:
    """Write ``folder/NAME.npz``: the cleaned values and the metadata as a JSON string."""
    meta = {
        "name": task.name,
        "domain": task.domain,
        "freq": task.freq,
        "report": task.report,
        "fingerprint": task.fingerprint,
        "columns": list(task.columns),
        "source": task.source,
    }
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{task.name}.npz"
    np.savez(path, values=np.asarray(task.values), meta=np.array(json.dumps(meta, default=str)))
    return path


def load_exported(folder: Path, name: str) -> Task:
    """The task :func:`export_task` wrote, bit for bit (``allow_pickle=False``)."""
    path = folder / f"{name}.npz"
    if not path.is_file():
        raise DataError(f"{path}: no exported task {name!r} (write it with --export-tasks)")
    with np.load(path, allow_pickle=False) as z:
        values, meta = z["values"], json.loads(str(z["meta"]))
    values.setflags(write=False)
    meta["columns"] = tuple(meta["columns"])
    return Task(values=values, **meta)


_TASKS: dict[str, Task] = {}


def _task(name: str, task_dir: str) -> Task:
    if name not in _TASKS:
        _TASKS[name] = load_exported(Path(task_dir), name) if task_dir else load_task(name)
    return _TASKS[name]


TRAIN_FIELDS = ("steps", "window", "schedule", "warmup", "scarce_windows", "probe_windows")
TRAIN_FIELDS += ("knn_k", "probe_cv", "device")
"""The sweep's settings that are :class:`TrainConfig` fields of the same name and meaning."""


def _config(args: SweepArgs, seed: int) -> TrainConfig:
    return TrainConfig(
        **{k: getattr(args, k) for k in TRAIN_FIELDS},
        seed=seed,
        checkpoints=_ints(args.checkpoints),
    )


def _job(args: SweepArgs, arch: dict, task_name: str, index: int, seed: int) -> dict:
    cfg = _config(args, seed)
    rec = label(arch, _task(task_name, args.task_dir), cfg)
    rec.pop("losses", None)
    return {
        "task": task_name,
        "index": index,
        "seed": seed,
        "hash": arch_hash(arch),
        "probe_cv": args.probe_cv,
        "window": cfg.window,
        "schedule": cfg.schedule,
        "warmup": cfg.warmup,
        "probe_windows": cfg.probe_windows,
        "knn_k": cfg.knn_k,
        "device": cfg.device,
        **rec,
    }


def main(argv: list[str] | None = None) -> int:
    args = parse(SweepArgs, argv, prog="python -m benchmarks.label_sweep")
    task_names = [t for t in args.tasks.split(",") if t]
    if args.export_tasks:
        for name in task_names:
            print(export_task(load_task(name), Path(args.export_tasks)))
        return 0
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    done = set()
    if out.exists():
        for line in out.read_text().splitlines():
            r = json.loads(line)
            done.add((r["task"], r["index"], r["seed"]))
    archs = [preset(args.preset)] if args.preset else sample(args.n_archs, seed=args.arch_seed)
    for name in task_names:  # fail before any work on a missing task
        _task(name, args.task_dir)
    jobs = [
        (arch, task_name, i, seed)
        for i, arch in enumerate(archs)  # archs outermost: a partial sweep covers tasks equally
        for task_name in task_names
        for seed in _ints(args.seeds)
        if (task_name, i, seed) not in done
    ]
    t0 = time.monotonic()

    def write(row: dict) -> None:
        with out.open("a") as fh:
            fh.write(json.dumps(row, default=float) + "\n")
        print(
            f"{row['task']} #{row['index']} seed {row['seed']}: {row['status']} "
            f"val {row.get('val_mse', float('nan')):.4f} gain {row.get('gain', float('nan')):.3f} "
            f"scarce_gain {row.get('scarce_gain', float('nan')):.3f} "
            f"{row['seconds']:.1f}s {row['error'] or ''}",
            flush=True,
        )

    def expired() -> bool:
        return args.time_limit > 0 and time.monotonic() - t0 > args.time_limit

    if args.workers <= 1:
        for job in jobs:
            if expired():
                break
            write(_job(args, *job))
        return 0
    # spawn: a forked child must not inherit an initialised CUDA context
    with ProcessPoolExecutor(args.workers, mp_context=get_context("spawn")) as pool:
        queue, running = list(reversed(jobs)), set()
        while queue or running:
            while queue and len(running) < args.workers and not expired():
                running.add(pool.submit(_job, args, *queue.pop()))
            if not running:
                break
            finished, running = wait(running, return_when=FIRST_COMPLETED)
            for fut in finished:
                write(fut.result())
    return 0


if __name__ == "__main__":
    run_main(main)
