"""Label-protocol investigation: label many sampled archs x seeds on bundled tasks (resumable JSONL).

Every record holds all label kinds of ``contrastive.train.label`` (full / label-scarce probe,
trained / untrained, gains, and early-checkpoint metrics), so one sweep answers several protocol
questions. Example (the protocol document lists the exact commands used)::

    python -m benchmarks.label_sweep --tasks pedestrian,vic_elec --n-archs 30 --seeds 0,1 \
        --steps 40 --checkpoints 10,20 --out benchmarks/results/label_sweep_s40.jsonl
"""

from __future__ import annotations

import argparse
import json
from dataclasses import dataclass
from pathlib import Path

from archgraph import arch_hash, sample
from archgraph.cli import add_config_flag, parse_into, run_main
from contrastive.data import load_task
from contrastive.presets import preset
from contrastive.train import TrainConfig, label


@dataclass
class SweepArgs:
    tasks: str = "pedestrian"
    n_archs: int = 30
    arch_seed: int = 0
    seeds: str = "0,1"
    steps: int = 40
    window: int = 48
    checkpoints: str = ""
    schedule: str = "constant"
    warmup: int = 0
    scarce_windows: int = 32
    preset: str = ""
    probe_cv: str = "blocked"
    out: str = "benchmarks/results/label_sweep.jsonl"


def _ints(text: str) -> tuple[int, ...]:
    return tuple(int(v) for v in text.split(",") if v.strip())


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m benchmarks.label_sweep")
    add_config_flag(p)
    d = SweepArgs()
    for name, value in vars(d).items():
        p.add_argument(f"--{name.replace('_', '-')}", dest=name, type=type(value), default=value)
    args = parse_into(p, SweepArgs, argv)
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    done = set()
    if out.exists():
        for line in out.read_text().splitlines():
            r = json.loads(line)
            done.add((r["task"], r["index"], r["seed"]))
    archs = [preset(args.preset)] if args.preset else sample(args.n_archs, seed=args.arch_seed)
    tasks = {name: load_task(name) for name in args.tasks.split(",")}
    for i, arch in enumerate(archs):  # archs outermost: a partial sweep covers every task equally
        for task_name, task in tasks.items():
            for seed in _ints(args.seeds):
                if (task_name, i, seed) in done:
                    continue
                cfg = TrainConfig(
                    steps=args.steps,
                    window=args.window,
                    seed=seed,
                    checkpoints=_ints(args.checkpoints),
                    schedule=args.schedule,
                    warmup=args.warmup,
                    scarce_windows=args.scarce_windows,
                    probe_cv=args.probe_cv,
                )
                rec = label(arch, task, cfg)
                rec.pop("losses", None)
                row = {
                    "task": task_name,
                    "index": i,
                    "seed": seed,
                    "hash": arch_hash(arch),
                    "probe_cv": args.probe_cv,
                    **rec,
                }
                with out.open("a") as fh:
                    fh.write(json.dumps(row, default=float) + "\n")
                print(
                    f"{task_name} #{i} seed {seed}: {rec['status']} val {rec.get('val_mse', float('nan')):.4f} "
                    f"gain {rec.get('gain', float('nan')):.3f} scarce_gain {rec.get('scarce_gain', float('nan')):.3f} "
                    f"{rec['seconds']:.1f}s {rec['error'] or ''}",
                    flush=True,
                )
    return 0


if __name__ == "__main__":
    run_main(main)
