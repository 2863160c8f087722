"""Search speed alone: sample + encode + rank 20,000 cts candidates (weights are irrelevant to
speed, so each comparator is trained for one epoch on 50 synthetic labels).

    python -m benchmarks.predictor_search_speed --baseline REV \\
        --out benchmarks/results/predictor_search_speed

Every measurement is one ``predictor.search.search`` call in a fresh process (import, train,
then the timed search), so the code under test and ``--baseline REV`` (that commit of this
repository, extracted with ``git archive``) run the same worker, interleaved repeat by repeat
under the same machine load. Each row reports medians over ``--repeats`` and whether the two
codes returned the same top 10 (hashes and scores) for every seed.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from benchmarks import report
from cliconfig import EXIT_OK, option, parse, run_main

ROOT = Path(__file__).resolve().parent.parent
KEYS = ("total_s", "cpu_s", "sample_s", "rank_s")

# Uses only the API both codes share; prints one JSON line.
WORKER = """
import json, os, sys
import numpy as np
from archgraph import CTS_SPACE
from predictor.comparator import Comparator, ComparatorConfig
from predictor.labels import synthetic_records
from predictor.search import search
width, head, n, seed = int(sys.argv[1]), sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
recs = synthetic_records(CTS_SPACE, 50, ("synth",), seed=0)
comp = Comparator(CTS_SPACE, ComparatorConfig(head=head, width=width, epochs=1))
comp.fit(recs, {"synth": np.zeros(1, np.float32)})
load = os.getloadavg()[0]
top, t = search(comp, "synth", n, 10, seed=seed)
print(json.dumps({**t, "load_avg": load, "top": [[r["hash"], r["score"]] for r in top]}))
"""


# Training time: the default config (300 epochs at most, early stopping) on synthetic labels.
TRAIN_WORKER = """
import json, os, sys, time
import numpy as np
from archgraph import CTS_SPACE
from predictor.comparator import Comparator, ComparatorConfig
from predictor.labels import synthetic_records
width, head, n = int(sys.argv[1]), sys.argv[2], int(sys.argv[3])
recs = synthetic_records(CTS_SPACE, n, ("synth",), seed=0)
comp = Comparator(CTS_SPACE, ComparatorConfig(head=head, width=width))
load = os.getloadavg()[0]
t0, c0 = time.perf_counter(), time.process_time()
h = comp.fit(recs, {"synth": np.zeros(1, np.float32)})
print(json.dumps({"wall_s": time.perf_counter() - t0, "cpu_s": time.process_time() - c0,
                  "load_avg": load, "epochs_run": h["log"][-1]["epoch"],
                  "best_epoch": h["best_epoch"], "best_val_acc": h["best_val_acc"]}))
"""


def run_worker(tree: Path, *args: object, worker: str = WORKER) -> dict:
    """``worker`` with ``args`` in a fresh interpreter on the code in ``tree``; its JSON line."""
    env = {**os.environ, "PYTHONPATH": str(tree)}
    cmd = [sys.executable, "-c", worker, *map(str, args)]
    out = subprocess.run(cmd, cwd=tree, env=env, capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def extract(rev: str, into: Path) -> Path:
    """The files of commit ``rev`` of this repository, written under ``into``."""
    archive = subprocess.run(
        ["git", "-C", str(ROOT), "archive", rev], capture_output=True, check=True
    ).stdout
    subprocess.run(["tar", "-x", "-C", str(into)], input=archive, check=True)
    return into


def summarise(runs: list[dict]) -> dict:
    return {
        **{f"median_{k}": float(np.median([r[k] for r in runs])) for k in KEYS},
        "load_avg": float(np.median([r["load_avg"] for r in runs])),
    }


def markdown(doc: dict) -> str:
    """The Markdown report of a result document (``--out``.json)."""
    rows, train, reps = doc["rows"], doc["train"], doc["repeats"]
    lines = [
        f"Command: `{doc['command']}`  ",
        f"{doc['cpus']} CPUs shared with other jobs (1-min load average in the table, median "
        "over the repeats); wall = sample + encode + rank; CPU = the process's CPU time for it; "
        f"medians of {reps} repeats (seeds 0..{reps - 1}), each in a fresh process, the codes "
        "interleaved. GIN depth 3, FiLM, sum readout, one thread. `sample s` includes encoding "
        "where the space samples and encodes in one pass (cts does); `same top 10`: both codes "
        "returned the same ranked top 10 (hashes and scores) for every seed.",
        "",
    ]
    head = ["width", "head", "code", "wall s", "CPU s", "sample s", "rank s", "load avg"]
    lines += report.table(
        [*head, "same top 10"],
        [
            [r["width"], r["head"], r["code"], f"{r['median_total_s']:.2f}"]
            + [f"{r['median_cpu_s']:.2f}", f"{r['median_sample_s']:.2f}"]
            + [f"{r['median_rank_s']:.2f}", f"{r['load_avg']:.1f}"]
            + ["-" if r["same_top10"] is None else r["same_top10"]]
            for r in rows
        ],
    )
    score = [r for r in rows if r["code"] == "new" and r["head"] == "score"]
    if score:
        worst = max(r["median_total_s"] for r in score)
        lines += [
            "",
            f"Goal: the score head ranks {score[0]['n']:,} candidates in <= 5 s wall: "
            f"**{'met' if worst <= 5 else 'missed'}** at every width measured (slowest "
            f"{worst:.2f} s wall, "
            + ", ".join(f"width {r['width']}: {r['median_cpu_s']:.2f} s CPU" for r in score)
            + ").",
        ]
    if train:
        lines += [
            "",
            "Training (`Comparator.fit`, default config: at most 300 epochs, early stopping with "
            "patience 40, batches of 64 archs; synthetic labels, 20% of the archs for "
            "validation; one run each, new code):",
            "",
        ]
        head = ["width", "head", "labels", "wall s", "CPU s", "epochs run", "best epoch"]
        lines += report.table(
            [*head, "load avg"],
            [
                [t["width"], t["head"], t["labels"], f"{t['wall_s']:.1f}", f"{t['cpu_s']:.1f}"]
                + [t["epochs_run"], t["best_epoch"], f"{t['load_avg']:.1f}"]
                for t in train
            ],
        )
        worst = max(t["wall_s"] for t in train)
        lines += [
            "",
            f"Goal: training on {train[0]['labels']:,} labels in <= 5 min on CPU: "
            f"**{'met' if worst <= 300 else 'missed'}** (slowest {worst:.0f} s wall).",
        ]
    return "\n".join(lines) + "\n"


@dataclass
class SearchSpeedConfig:
    """Search speed: sample + encode + rank cts candidates, each search in a fresh process."""

    n: int = option(20000, "candidates a search ranks")
    repeats: int = option(5, "searches per (width, head, code); medians reported")
    widths: str = option("32,64", "comma-separated GNN widths")
    heads: str = option("score,concat", "comma-separated comparator heads")
    baseline: str | None = option(None, "also time this commit, interleaved", metavar="REV")
    train_labels: int = option(
        2000,
        "also time one training run of the default config on this many synthetic labels, "
        "per width, new code only (0: skip)",
    )
    out: str = option("benchmarks/results/predictor_search_speed", "path stem of .json and .md")


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    args = parse(SearchSpeedConfig, argv, prog="python -m benchmarks.predictor_search_speed")
    with tempfile.TemporaryDirectory() as tmp:
        codes = {"new": ROOT}
        if args.baseline:
            codes = {args.baseline: extract(args.baseline, Path(tmp)), **codes}
        rows = []
        for width in map(int, args.widths.split(",")):
            for head in args.heads.split(","):
                runs: dict[str, list[dict]] = {c: [] for c in codes}
                for r in range(args.repeats):
                    for code, tree in codes.items():
                        runs[code].append(run_worker(tree, width, head, args.n, r))
                same = (
                    all(
                        a["top"] == b["top"] for a, b in zip(*(runs[c] for c in codes), strict=True)
                    )
                    if len(codes) == 2
                    else None
                )
                for code in codes:
                    row = {"width": width, "head": head, "code": code, "n": args.n}
                    row.update(summarise(runs[code]), same_top10=same)
                    rows.append(row)
                    print(json.dumps(row), flush=True)
        train = []
        for width in map(int, args.widths.split(",")) if args.train_labels else ():
            t = run_worker(ROOT, width, "score", args.train_labels, worker=TRAIN_WORKER)
            train.append({"width": width, "head": "score", "labels": args.train_labels, **t})
            print(json.dumps(train[-1]), flush=True)
    doc = {
        "command": report.command("benchmarks.predictor_search_speed", argv),
        "machine": report.machine(),
        "cpus": os.cpu_count(),
        "repeats": args.repeats,
        "rows": rows,
        "train": train,
    }
    report.publish(args.out, doc, markdown(doc), indent=2)
    return EXIT_OK


if __name__ == "__main__":
    run_main(main)
