"""Summarise label-protocol sweeps: validity (trained vs untrained), seed-to-seed Kendall tau,
cheap-vs-default agreement, cost, and the raw-lag ridge references.

    python -m benchmarks.label_analyze --sweeps 'benchmarks/results/label_sweep_s30_*.jsonl' \
        --presets 'benchmarks/results/label_preset_s30_*.jsonl' --out benchmarks/results/label_protocol.json
"""

from __future__ import annotations

import argparse
import glob
import json
import os
from collections import defaultdict
from dataclasses import dataclass

import numpy as np

from archgraph.cli import add_config_flag, parse_into, run_main
from benchmarks.metrics import label_tau
from contrastive.data import load_task
from contrastive.train import TrainConfig, references

KINDS = (
    "val_mse",
    "scarce_val_mse",
    "gain",
    "scarce_gain",
    "untrained_val_mse",
    "at10_val_mse",
    "at10_gain",
)


@dataclass
class AnalyzeArgs:
    sweeps: str = "benchmarks/results/label_sweep_s30_*.jsonl"
    presets: str = "benchmarks/results/label_preset_s30_*.jsonl"
    window: int = 32
    refs: bool = True
    refs_file: str = "benchmarks/results/label_references.json"
    out: str = "benchmarks/results/label_protocol.json"


def jsonl_rows(pattern: str) -> list[dict]:
    """Every record of the JSONL files matching the glob ``pattern``, files in name order."""
    rows = []
    for path in sorted(glob.glob(pattern)):
        with open(path) as fh:
            rows += [json.loads(line) for line in fh if line.strip()]
    return rows


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m benchmarks.label_analyze")
    add_config_flag(p)
    for name, value in vars(AnalyzeArgs()).items():
        kind = (
            (lambda s: s.lower() in ("1", "true", "yes"))
            if isinstance(value, bool)
            else type(value)
        )
        p.add_argument(f"--{name}", type=kind, default=value)
    args = parse_into(p, AnalyzeArgs, argv)
    report: dict = {"preset": {}, "sweep": {}, "references": {}}

    by_task: dict[str, list[dict]] = defaultdict(list)
    for r in jsonl_rows(args.presets):
        by_task[r["task"]].append(r)
    for task, rs in sorted(by_task.items()):
        ok = [r for r in rs if r["status"] == "ok"]
        report["preset"][task] = {
            "seeds": len(ok),
            "val_mse": float(np.mean([r["val_mse"] for r in ok])),
            "untrained_val_mse": float(np.mean([r["untrained_val_mse"] for r in ok])),
            "gain_mean": float(np.mean([r["gain"] for r in ok])),
            "seeds_trained_better": sum(r["gain"] < 1 for r in ok),
            "scarce_val_mse": float(np.mean([r["scarce_val_mse"] for r in ok])),
            "untrained_scarce_val_mse": float(np.mean([r["untrained_scarce_val_mse"] for r in ok])),
            "scarce_gain_mean": float(np.mean([r["scarce_gain"] for r in ok])),
            "seeds_trained_better_scarce": sum(r["scarce_gain"] < 1 for r in ok),
            "median_seconds": float(np.median([r["seconds"] for r in ok])),
            "median_cpu_seconds": float(
                np.median([r["cpu_seconds"] for r in ok if "cpu_seconds" in r] or [np.nan])
            ),
        }

    by_task = defaultdict(list)
    for r in jsonl_rows(args.sweeps):
        by_task[r["task"]].append(r)
    for task, rs in sorted(by_task.items()):
        seeds = sorted({r["seed"] for r in rs})
        table = {(r["index"], r["seed"]): r for r in rs if r["status"] == "ok"}
        both = sorted(i for i in {r["index"] for r in rs} if all((i, s) in table for s in seeds))
        s0, s1 = seeds[0], seeds[-1]
        entry: dict = {
            "labels": len(rs),
            "failed": sum(r["status"] != "ok" for r in rs),
            "errors": sorted({r["error"] for r in rs if r["error"]})[:5],
            "archs_with_both_seeds": len(both),
            "median_seconds": float(np.median([r["seconds"] for r in rs])),
            "median_cpu_seconds": float(np.median([r.get("cpu_seconds", np.nan) for r in rs])),
            "median_train_seconds": float(np.median([r.get("train_seconds", np.nan) for r in rs])),
        }
        for kind in KINDS:
            if all(kind in table[(i, s)] for i in both for s in (s0, s1)):
                entry[f"tau_seed_{kind}"] = label_tau(
                    [table[(i, s0)][kind] for i in both], [table[(i, s1)][kind] for i in both]
                )
        oks = list(table.values())
        entry["tau_at10_vs_final_val_mse"] = label_tau(
            [r["at10_val_mse"] for r in oks], [r["val_mse"] for r in oks]
        )
        entry["tau_untrained_vs_trained_val_mse"] = label_tau(
            [r["untrained_val_mse"] for r in oks], [r["val_mse"] for r in oks]
        )
        entry["share_gain_below_1"] = float(np.mean([r["gain"] < 1 for r in oks]))
        entry["share_scarce_gain_below_1"] = float(np.mean([r["scarce_gain"] < 1 for r in oks]))
        entry["best_val_mse"] = float(min(r["val_mse"] for r in oks))
        entry["best_scarce_val_mse"] = float(min(r["scarce_val_mse"] for r in oks))
        report["sweep"][task] = entry

    cached = json.load(open(args.refs_file)) if args.refs and os.path.exists(args.refs_file) else {}
    if args.refs:
        cfg = TrainConfig(window=args.window)
        for task in sorted(set(report["preset"]) | set(report["sweep"])):
            if task in cached:
                report["references"][task] = cached[task]
                continue
            refs = references(load_task(task), cfg)
            report["references"][task] = {
                k: {
                    m: v[m]
                    for m in ("lags", "context", "val_mse", "test_mse", "scarce_val_mse")
                    if m in v
                }
                for k, v in refs.items()
                if isinstance(v, dict)
            }
    if args.refs:
        with open(args.refs_file, "w") as fh:
            json.dump(report["references"], fh, indent=1, default=float)
    with open(args.out, "w") as fh:
        json.dump(report, fh, indent=1, default=float)
    print(json.dumps(report, indent=1, default=float))
    return 0


if __name__ == "__main__":
    run_main(main)
