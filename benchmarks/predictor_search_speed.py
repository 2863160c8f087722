"""Search speed alone: sample + encode + rank 20,000 cts candidates (weights are irrelevant to
speed, so each comparator is trained for one epoch on 50 synthetic labels).

    python -m benchmarks.predictor_search_speed --out benchmarks/results/predictor_search_speed
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

import numpy as np

from archgraph import CTS_SPACE
from predictor.comparator import Comparator, ComparatorConfig
from predictor.labels import synthetic_records
from predictor.search import search


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser()
    p.add_argument("--n", type=int, default=20000)
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--out", default="benchmarks/results/predictor_search_speed")
    args = p.parse_args(argv)
    recs = synthetic_records(CTS_SPACE, 50, ("synth",), seed=0)
    rows = []
    for width in (32, 64):
        for head in ("score", "concat"):
            comp = Comparator(CTS_SPACE, ComparatorConfig(head=head, width=width, epochs=1))
            comp.fit(recs, {"synth": np.zeros(1, np.float32)})
            ts = [search(comp, "synth", args.n, 10, seed=r)[1] for r in range(args.repeats)]
            row = {
                "width": width,
                "head": head,
                "n": args.n,
                "load_avg": os.getloadavg()[0],
                **{
                    f"median_{k}": float(np.median([t[k] for t in ts]))
                    for k in ("total_s", "cpu_s", "sample_s", "rank_s")
                },
            }
            rows.append(row)
            print(json.dumps(row), flush=True)
    cmd = "python -m benchmarks.predictor_search_speed " + " ".join(argv or sys.argv[1:])
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(f"{args.out}.json").write_text(
        json.dumps({"command": cmd, "cpus": os.cpu_count(), "rows": rows}, indent=2) + "\n"
    )
    lines = [
        f"Command: `{cmd}`  ",
        f"{os.cpu_count()} CPUs shared with other jobs (load average in the table); "
        "CPU = this process's CPU time. Median of repeats; GIN depth 3, FiLM, sum readout.",
        "",
        "| width | head | wall s | CPU s | sample s | encode+rank s | load avg |",
        "|---|---|---|---|---|---|---|",
    ]
    lines += [
        f"| {r['width']} | {r['head']} | {r['median_total_s']:.2f} | {r['median_cpu_s']:.2f} | "
        f"{r['median_sample_s']:.2f} | {r['median_rank_s']:.2f} | {r['load_avg']:.1f} |"
        for r in rows
    ]
    Path(f"{args.out}.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
