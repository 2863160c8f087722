"""Synthetic check, training time and search speed of the comparator on the cts space.

1. Labels are a known function of the arch (``predictor.labels.synthetic_label``): train the
   real config (GIN, FiLM, score head) on 2,000 labelled archs, report wall time and Kendall tau
   on 1,000 unseen archs.
2. The same with the concat (AutoCTS++) head.
3. ``predictor.search.search``: sample + encode + rank 20,000 candidates (median of repeats),
   for both heads, on the cts space; and the same on the NAS-Bench-Graph space.

    python -m benchmarks.predictor_synthetic_speed --out benchmarks/results/predictor_synthetic_speed
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from pathlib import Path

import numpy as np

from archgraph import CTS_SPACE
from predictor.comparator import Comparator, ComparatorConfig
from predictor.labels import synthetic_records
from predictor.metrics import kendall_tau, pairwise_accuracy
from predictor.search import search


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser()
    p.add_argument("--n-train", type=int, default=2000)
    p.add_argument("--n-test", type=int, default=1000)
    p.add_argument("--n-search", type=int, default=20000)
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--epochs", type=int, default=300)
    p.add_argument(
        "--width", type=int, default=64, help="GNN width (64: the real config; 32: fast)"
    )
    p.add_argument("--out", default="benchmarks/results/predictor_synthetic_speed")
    args = p.parse_args(argv)
    recs = synthetic_records(CTS_SPACE, args.n_train + args.n_test, ("synth",), seed=0)
    train, test = recs[: args.n_train], recs[args.n_train :]
    test_archs = [r["arch"] for r in test]
    test_labels = np.array([r["label"] for r in test])
    res: dict = {
        "command": "python -m benchmarks.predictor_synthetic_speed "
        + " ".join(argv or sys.argv[1:]),
        "machine": f"{platform.machine()} python {platform.python_version()}, "
        f"{os.cpu_count()} cpus, load avg at start {os.getloadavg()[0]:.2f}",
    }
    comps = {}
    for head in ("score", "concat"):
        comp = Comparator(
            CTS_SPACE, ComparatorConfig(head=head, epochs=args.epochs, width=args.width)
        )
        t0, c0 = time.time(), time.process_time()
        hist = comp.fit(train, {"synth": np.zeros(1, np.float32)})
        secs, cpu = time.time() - t0, time.process_time() - c0
        s = comp.score(test_archs, "synth")
        res[f"train_{head}"] = {
            "n_labels": args.n_train,
            "seconds": secs,
            "cpu_seconds": cpu,
            "best_epoch": hist["best_epoch"],
            "test_tau": kendall_tau(s, test_labels),
            "test_pairwise_acc": pairwise_accuracy(s, test_labels),
        }
        print(head, res[f"train_{head}"], flush=True)
        comps[head] = comp
    for head, comp in comps.items():
        times = []
        for r in range(args.repeats):
            _, tm = search(comp, "synth", args.n_search, 10, seed=r)
            times.append(tm)
        res[f"search_cts_{head}"] = {
            "n": args.n_search,
            "median_total_s": float(np.median([t["total_s"] for t in times])),
            "median_sample_s": float(np.median([t["sample_s"] for t in times])),
            "median_rank_s": float(np.median([t["rank_s"] for t in times])),
            "median_cpu_s": float(np.median([t["cpu_s"] for t in times])),
            "runs": times,
        }
        print(head, res[f"search_cts_{head}"]["median_total_s"], flush=True)
    from archgraph.nbgraph import NBGRAPH_SPACE
    from predictor.labels import nbgraph_labels

    archs, labels = nbgraph_labels("cora")
    NBGRAPH_SPACE.all_archs  # noqa: B018 - build the sampling table once, outside the timing
    for head in ("score", "concat"):
        comp = Comparator(NBGRAPH_SPACE, ComparatorConfig(head=head, fusion="none", epochs=5))
        comp.fit(
            [
                {"arch": a, "task": "cora", "label": v}
                for a, v in zip(archs[:200], labels[:200], strict=True)
            ],
            {},
        )
        times = [search(comp, None, args.n_search, 10, seed=r)[1] for r in range(args.repeats)]
        res[f"search_nbgraph_{head}"] = {
            "n": args.n_search,
            "median_total_s": float(np.median([t["total_s"] for t in times])),
            "median_cpu_s": float(np.median([t["cpu_s"] for t in times])),
            "runs": times,
        }
    res["width"] = args.width
    res["load_avg_end"] = os.getloadavg()[0]
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(f"{args.out}.json").write_text(json.dumps(res, indent=2) + "\n")
    lines = [
        f"Command: `{res['command']}`  ",
        f"Machine: {res['machine']}; load avg at end {res['load_avg_end']:.2f}; "
        f"GNN width {args.width} (GIN, depth 3, FiLM, sum readout)",
        "",
        "| measurement | value |",
        "|---|---|",
    ]
    for head in ("score", "concat"):
        t = res[f"train_{head}"]
        lines.append(
            f"| synthetic cts, {head} head: train on {t['n_labels']} labels | {t['seconds']:.1f} s wall, "
            f"{t['cpu_seconds']:.1f} s CPU (best epoch {t['best_epoch']}) |"
        )
        lines.append(
            f"| synthetic cts, {head} head: Kendall tau on {args.n_test} unseen archs | {t['test_tau']:.3f} |"
        )
    for key in (
        "search_cts_score",
        "search_cts_concat",
        "search_nbgraph_score",
        "search_nbgraph_concat",
    ):
        s = res[key]
        extra = (
            f" (sample {s['median_sample_s']:.2f} s, encode+score {s['median_rank_s']:.2f} s)"
            if "median_sample_s" in s
            else ""
        )
        lines.append(
            f"| {key}: {s['n']} candidates, median | {s['median_total_s']:.2f} s wall, "
            f"{s['median_cpu_s']:.2f} s CPU{extra} |"
        )
    Path(f"{args.out}.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
