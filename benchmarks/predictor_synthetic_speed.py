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

import os
import sys
import time
from dataclasses import dataclass

import numpy as np

from archgraph import CTS_SPACE
from benchmarks import report
from cliconfig import EXIT_OK, option, parse, run_main
from predictor.comparator import Comparator, ComparatorConfig
from predictor.labels import synthetic_records
from predictor.metrics import kendall_tau, pairwise_accuracy
from predictor.search import search


@dataclass
class SyntheticSpeedConfig:
    """Synthetic check, training time and search speed of the comparator (cts space)."""

    n_train: int = option(2000, "synthetic labels the comparators train on")
    n_test: int = option(1000, "unseen archs the taus are measured on")
    n_search: int = option(20000, "candidates a search ranks")
    repeats: int = option(3, "searches timed per head; medians reported")
    epochs: int = option(300, "comparator epochs (early-stopped)")
    width: int = option(64, "GNN width (64: the real config; 32: fast)")
    out: str = option("benchmarks/results/predictor_synthetic_speed", "path stem of .json and .md")


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    args = parse(SyntheticSpeedConfig, argv, prog="python -m benchmarks.predictor_synthetic_speed")
    recs = synthetic_records(CTS_SPACE, args.n_train + args.n_test, ("synth",), seed=0)
    train, test = recs[: args.n_train], recs[args.n_train :]
    test_archs = [r["arch"] for r in test]
    test_labels = np.array([r["label"] for r in test])
    res: dict = {
        "command": report.command("benchmarks.predictor_synthetic_speed", argv),
        "machine": report.machine(),  # the load average at the start
        "n_test": args.n_test,
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
    report.publish(args.out, res, markdown(res), indent=2)
    return EXIT_OK


def markdown(res: dict) -> str:
    """The report of a result document: training, tau on unseen archs, search times."""
    mach = res["machine"]
    if isinstance(mach, dict):
        mach = report.machine_line(mach) + " at the start"
    # A document written before ``n_test`` was recorded ran it at the default (its command
    # names no --n-test); one without ``width`` predates that flag and says nothing of it.
    n_test = res.get("n_test", SyntheticSpeedConfig.n_test)
    width = (
        f"; GNN width {res['width']} (GIN, depth 3, FiLM, sum readout)" if "width" in res else ""
    )
    lines = [
        f"Command: `{res['command']}`  ",
        f"Machine: {mach}; load avg at end {res['load_avg_end']:.2f}{width}",
        "",
    ]
    body = []
    for head in ("score", "concat"):
        t = res[f"train_{head}"]
        body.append(
            [
                f"synthetic cts, {head} head: train on {t['n_labels']} labels",
                f"{t['seconds']:.1f} s wall, {t['cpu_seconds']:.1f} s CPU (best epoch "
                f"{t['best_epoch']})",
            ]
        )
        body.append(
            [
                f"synthetic cts, {head} head: Kendall tau on {n_test} unseen archs",
                f"{t['test_tau']:.3f}",
            ]
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
        body.append(
            [
                f"{key}: {s['n']} candidates, median",
                f"{s['median_total_s']:.2f} s wall, {s['median_cpu_s']:.2f} s CPU{extra}",
            ]
        )
    return "\n".join(lines + report.table(["measurement", "value"], body)) + "\n"


if __name__ == "__main__":
    run_main(main)
