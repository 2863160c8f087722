"""Does two-stage (AutoCTS+) multi-fidelity training beat full-budget labels alone at equal cost?

NAS-Bench-Graph's pip package has no per-epoch curves (only final accuracies), so this uses
synthetic labels on the cts space: a full-budget label is ``synthetic_label`` plus small noise;
a low-budget label costs ``--low-cost`` of a full one and carries large noise plus a systematic
bias (a different hidden task mixes in). Equal cost: ``full-only`` gets ``B`` full labels;
``two-stage`` gets ``B/2`` full labels plus ``(B/2)/low_cost`` low ones.

    python -m benchmarks.predictor_multifidelity --out benchmarks/results/predictor_multifidelity
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass

import numpy as np

from archgraph import CTS_SPACE
from benchmarks import report
from cliconfig import EXIT_OK, option, parse, run_main
from predictor.comparator import Comparator, ComparatorConfig
from predictor.labels import synthetic_label
from predictor.metrics import kendall_tau


@dataclass
class MultifidelityConfig:
    """Two-stage (cheap then full labels) vs full labels alone, at equal labelling cost."""

    budget: int = option(200, "cost in full-budget labels")
    low_cost: float = option(0.2, "cost of a low-budget label, as a share of a full one")
    n_test: int = option(500, "unseen archs the taus are measured on")
    seeds: str = option("0,1", "comma-separated seeds (labels' noise and comparators)")
    epochs: int = option(100, "comparator epochs")
    out: str = option("benchmarks/results/predictor_multifidelity", "path stem of .json and .md")


def markdown(doc: dict) -> str:
    """The report of a result document: tau of each training at equal labelling cost."""
    mean, budget = doc["mean"], doc["budget_full_labels"]
    lines = [
        f"Command: `{doc['command']}`  ",
        "Synthetic cts labels (no per-epoch curves in the "
        "nas-bench-graph pip package). Kendall tau on unseen archs, mean over seeds.",
        "",
    ]
    body = [
        [f"full-only: {budget} full labels", f"{mean['full_only_tau']:.3f}"],
        [
            f"two-stage: {doc['n_low']} low ({doc['low_cost']} cost) then {budget // 2} full",
            f"{mean['two_stage_tau']:.3f}",
        ],
        [f"reference: {budget // 2} full labels only", f"{mean['half_full_only_tau']:.3f}"],
    ]
    return "\n".join(lines + report.table(["training (equal labelling cost)", "tau"], body)) + "\n"


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    args = parse(MultifidelityConfig, argv, prog="python -m benchmarks.predictor_multifidelity")
    n_low = int(args.budget / 2 / args.low_cost)
    archs = CTS_SPACE.sample(args.budget + n_low + args.n_test, seed=123)
    true = np.array([synthetic_label(CTS_SPACE, a, 0) for a in archs])
    other = np.array([synthetic_label(CTS_SPACE, a, 1) for a in archs])
    sd = true.std()
    feats = {"synth": np.zeros(1, np.float32)}
    test = slice(len(archs) - args.n_test, len(archs))
    rows = []
    for seed in (int(s) for s in args.seeds.split(",")):
        rng = np.random.default_rng(seed)
        full = true + 0.05 * sd * rng.standard_normal(len(archs))
        low = (
            0.7 * true + 0.3 * other * sd / other.std() + 0.5 * sd * rng.standard_normal(len(archs))
        )

        def recs(idx, labels):
            return [{"arch": archs[i], "task": "synth", "label": float(labels[i])} for i in idx]

        cfg = dict(epochs=args.epochs, seed=seed, fusion="none")
        res = {"seed": seed}
        comp = Comparator(CTS_SPACE, ComparatorConfig(**cfg))
        comp.fit(recs(range(args.budget), full), feats)
        res["full_only_tau"] = kendall_tau(comp.score(archs[test], "synth"), true[test])
        comp = Comparator(CTS_SPACE, ComparatorConfig(**cfg))
        comp.fit(recs(range(args.budget // 2), full), feats)
        res["half_full_only_tau"] = kendall_tau(comp.score(archs[test], "synth"), true[test])
        comp = Comparator(CTS_SPACE, ComparatorConfig(**cfg))
        comp.fit_two_stage(
            recs(range(args.budget, args.budget + n_low), low),
            recs(range(args.budget // 2), full),
            feats,
        )
        res["two_stage_tau"] = kendall_tau(comp.score(archs[test], "synth"), true[test])
        print(json.dumps(res), flush=True)
        rows.append(res)
    keys = ("full_only_tau", "half_full_only_tau", "two_stage_tau")
    mean = {k: float(np.mean([r[k] for r in rows])) for k in keys}
    doc = {
        "command": report.command("benchmarks.predictor_multifidelity", argv),
        "machine": report.machine(),
        "budget_full_labels": args.budget,
        "low_cost": args.low_cost,
        "n_low": n_low,
        "mean": mean,
        "rows": rows,
    }
    report.publish(args.out, doc, markdown(doc), indent=2)
    return EXIT_OK


if __name__ == "__main__":
    run_main(main)
