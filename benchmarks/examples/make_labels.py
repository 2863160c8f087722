"""Write the example labels of ``cell_spec.json`` from a KNOWN function of the arch (honest toy data).

Usage: ``python -m benchmarks.examples.make_labels [--n 200] [--seed 0] [--out benchmarks/examples]``.

Each task ``t`` has generator parameters ``(period, noise)`` (written to ``task_features.json``, the
example's task features). Its error is::

    error = sum_j OP_COST[op_j] + 0.05 * |kernel_j - best_kernel(period)| / 2 (conv nodes)
            - 0.03 * log2(dilation_j) * period / 24 (conv) - 0.02 * log2(heads_j) * (1 - noise) (attn)
            + 0.04 * noise * depth + 0.02 * |inputs_j| * period / 24 + N(0, 0.01)

with ``best_kernel = 3, 5, 7`` for period ``< 12, < 48, else`` and ``depth`` the longest
input-to-output path. Task ``periodic`` is written as an accuracy-like value ``1 - error`` with
``higher_is_better = true`` (to exercise the flag); the others as ``error``.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from archgraph.generic import load_space
from cliconfig import EXIT_OK, option, parse, run_main

HERE = Path(__file__).resolve().parent
TASKS = {"smooth": (6.0, 0.1), "periodic": (24.0, 0.3), "noisy": (96.0, 0.8)}
OP_COST = {"conv": 0.10, "attn": 0.12, "pool": 0.15, "skip": 0.18}


@dataclass
class Config:
    """Synthetic labels of the example cell space (a known function of the arch, 3 tasks)."""

    n: int = option(200, "archs (each labelled on every task)")
    seed: int = option(0, "seed of the sampled archs and of the observation noise")
    out: str = option("benchmarks/examples", "folder for labels.jsonl and task_features.json")


def depth(arch: dict, n_inputs: int) -> int:
    """Longest path (in op nodes) from a cell input to an op node."""
    d = [0] * n_inputs
    for node in arch["nodes"]:
        d.append(1 + max(d[i] for i in node["inputs"]))
    return max(d[n_inputs:])


def error(arch: dict, period: float, noise: float, n_inputs: int) -> float:
    """The known function (without the observation noise); lower is better."""
    best_kernel = 3 if period < 12 else 5 if period < 48 else 7
    e = 0.04 * noise * depth(arch, n_inputs)
    for node in arch["nodes"]:
        p = node["params"]
        e += OP_COST[node["op"]] + 0.02 * len(node["inputs"]) * period / 24
        if node["op"] == "conv":
            e += (
                0.05 * abs(p["kernel"] - best_kernel) / 2
                - 0.03 * math.log2(p["dilation"]) * period / 24
            )
        elif node["op"] == "attn":
            e -= 0.02 * math.log2(p["heads"]) * (1 - noise)
    return e


def main(argv: list[str] | None = None) -> int:
    cfg = parse(
        Config,
        argv,
        prog="python -m benchmarks.examples.make_labels",
        description=__doc__.split("\n")[0],
    )
    space = load_space(HERE / "cell_spec.json")
    rng = np.random.default_rng(cfg.seed)
    archs = space.sample(cfg.n, cfg.seed)
    out = Path(cfg.out)
    out.mkdir(parents=True, exist_ok=True)
    lines = []
    for task, (period, noise) in TASKS.items():
        for a in archs:
            e = error(a, period, noise, space.spec.inputs) + 0.01 * rng.standard_normal()
            row = {"arch": a, "task": task, "value": round(e, 6)}
            if task == "periodic":
                row = {**row, "value": round(1 - e, 6), "higher_is_better": True}
            lines.append(json.dumps(row, separators=(",", ":")))
    (out / "labels.jsonl").write_text("\n".join(lines) + "\n")
    feats = {t: [math.log10(p), n] for t, (p, n) in TASKS.items()}
    (out / "task_features.json").write_text(json.dumps(feats, indent=1) + "\n")
    print(f"wrote {len(lines)} rows to {out / 'labels.jsonl'} and {out / 'task_features.json'}")
    return EXIT_OK


if __name__ == "__main__":
    run_main(main)
