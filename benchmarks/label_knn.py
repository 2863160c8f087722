"""Summarise label sweeps by probe kind: does the label measure training, and is it repeatable?

Reads :mod:`benchmarks.label_sweep` JSONL files (the TS2Vec-like preset over seeds, and random
archs over two seeds) and writes a JSON summary and a Markdown report::

    python -m benchmarks.label_knn --preset 'runs/knn_preset_*.jsonl' \
        --archs 'runs/knn_archs_*.jsonl' --out benchmarks/results/label_knn

Per task and probe kind (``knn``: the fit-free nearest-neighbour probe; ``ridge``: the full ridge
probe; both on the same runs):

- validity: the preset trained vs the same net untrained, per seed and budget (the final step
  count and every ``at{S}_`` checkpoint in the records);
- repeatability: Kendall tau between seed 0's and seed 1's label over the archs labelled with
  both, for the trained metric, the gain (trained / untrained) and the untrained metric;
- how much of the label is the untrained arch: tau between the untrained and trained metric;
- references: the same probes on raw lag windows (``contrastive.train.references``, cached).
"""

from __future__ import annotations

import json
import os
import sys
from collections import defaultdict
from dataclasses import dataclass
from itertools import combinations
from typing import Any

import numpy as np

from benchmarks import report
from benchmarks.metrics import label_tau
from cliconfig import EXIT_OK, option, parse, run_main

PROBES = {"knn": "knn_val_mse", "ridge": "val_mse"}


@dataclass
class KnnArgs:
    """Summarise label sweeps by probe kind: does the label measure training, is it repeatable?"""

    preset: str = option("runs/knn_preset_*.jsonl", "glob of the preset's label_sweep records")
    archs: str = option("runs/knn_archs_*.jsonl", "glob of the random archs' label_sweep records")
    refs: bool = option(True, "also the raw-lag and untrained-preset references (--no-refs: not)")
    refs_file: str = option(
        "benchmarks/results/label_knn_references.json", "cache of the references (JSON)"
    )
    window: int = option(32, "window of the references' probes")
    out: str = option("benchmarks/results/label_knn", "path stem of .json and .md")


def _budgets(rec: dict) -> dict[int, str]:
    """Step count -> metric prefix ("" for the final step, ``at{S}_`` for checkpoints)."""
    out = {int(rec["steps"]): ""}
    for key in rec:
        if key.startswith("at") and key.endswith("_knn_val_mse"):
            out[int(key[2 : key.index("_")])] = key[: key.index("_") + 1]
    return dict(sorted(out.items()))


def preset_summary(rows: list[dict]) -> dict[str, Any]:
    """Per task, budget and probe: mean trained / untrained val MSE and seeds where training won."""
    by_task: dict[str, list[dict]] = defaultdict(list)
    for r in rows:
        if r["status"] == "ok":
            by_task[r["task"]].append(r)
    out: dict[str, Any] = {}
    for task, rs in sorted(by_task.items()):
        entry: dict[str, Any] = {"seeds": sorted({r["seed"] for r in rs})}
        # Runs of several budgets may be mixed; a budget is read from the runs that end there,
        # or else from the checkpoints of longer runs (never both: that would count seeds twice).
        budgets = sorted({s for r in rs for s in _budgets(r)})
        for steps in budgets:
            final = [r for r in rs if int(r["steps"]) == steps]
            at = final or [r for r in rs if steps in _budgets(r)]
            pre = "" if final else f"at{steps}_"
            for probe, metric in PROBES.items():
                trained = [r[f"{pre}{metric}"] for r in at]
                untrained = [r[f"untrained_{metric}"] for r in at]
                entry[f"{probe}@{steps}"] = {
                    "trained": float(np.mean(trained)),
                    "untrained": float(np.mean(untrained)),
                    "gain": float(np.mean(trained) / np.mean(untrained)),
                    "seeds_better": int(
                        sum(t < u for t, u in zip(trained, untrained, strict=True))
                    ),
                    "seeds": len(at),
                }
        # CPU time depends on the budget, so it is summarised per budget a run ended at.
        entry["median_cpu_seconds"] = {
            str(steps): float(
                np.median([r.get("cpu_seconds", np.nan) for r in rs if int(r["steps"]) == steps])
            )
            for steps in sorted({int(r["steps"]) for r in rs})
        }
        out[task] = entry
    return out


def arch_summary(rows: list[dict]) -> dict[str, Any]:
    """Per task: seed-to-seed tau of each label kind over the archs labelled with both seeds."""
    by_task: dict[str, list[dict]] = defaultdict(list)
    for r in rows:
        by_task[r["task"]].append(r)
    out: dict[str, Any] = {}
    for task, rs in sorted(by_task.items()):
        ok = {(r["index"], r["seed"]): r for r in rs if r["status"] == "ok"}
        seeds = sorted({s for _, s in ok})
        if len(seeds) < 2:
            continue
        s0, s1 = seeds[0], seeds[1]
        both = sorted(i for i, s in ok if s == s0 and (i, s1) in ok)
        entry: dict[str, Any] = {
            "labels": len(rs),
            "failed": sum(r["status"] != "ok" for r in rs),
            "archs_with_both_seeds": len(both),
            "median_cpu_seconds": float(
                np.median([r.get("cpu_seconds", np.nan) for r in ok.values()])
            ),
            "steps": int(rs[0]["steps"]),
        }
        oks = list(ok.values())
        for probe, metric in PROBES.items():
            gain = "knn_gain" if probe == "knn" else "gain"
            for kind in (metric, gain, f"untrained_{metric}"):
                entry[f"tau_seed_{kind}"] = label_tau(
                    [ok[(i, s0)][kind] for i in both], [ok[(i, s1)][kind] for i in both]
                )
            for pre in _budgets(rs[0]).values():
                if pre:
                    entry[f"tau_seed_{pre}{metric}"] = label_tau(
                        [ok[(i, s0)][f"{pre}{metric}"] for i in both],
                        [ok[(i, s1)][f"{pre}{metric}"] for i in both],
                    )
            # four seeds: one seed vs one (all 6 pairs), and the mean of 2 vs the other 2
            if len(seeds) >= 4 and len(both) >= 3:
                four = seeds[:4]
                quad = [i for i in both if all((i, s) in ok for s in four)]
                for kind in (metric, gain):
                    col = {s: [ok[(i, s)][kind] for i in quad] for s in four}
                    entry[f"tau_pairs_{kind}"] = float(
                        np.mean([label_tau(col[a], col[b]) for a, b in combinations(four, 2)])
                    )
                    splits = [
                        ((four[0], b), tuple(s for s in four[1:] if s != b)) for b in four[1:]
                    ]
                    entry[f"tau_mean2_{kind}"] = float(
                        np.mean(
                            [
                                label_tau(
                                    list(np.mean([col[s] for s in x], axis=0)),
                                    list(np.mean([col[s] for s in y], axis=0)),
                                )
                                for x, y in splits
                            ]
                        )
                    )
                entry["archs_with_4_seeds"] = len(quad)
            entry[f"tau_untrained_vs_trained_{probe}"] = label_tau(
                [r[f"untrained_{metric}"] for r in oks], [r[metric] for r in oks]
            )
            entry[f"share_helped_{probe}"] = float(np.mean([r[gain] < 1 for r in oks]))
            entry[f"best_{metric}"] = float(min(r[metric] for r in oks))
        out[task] = entry
    return out


def references_summary(tasks: list[str], window: int, cache_file: str) -> dict[str, Any]:
    """Raw-lag (short, long) and untrained-preset probes per task, kNN and ridge (cached)."""
    cached = json.load(open(cache_file)) if os.path.exists(cache_file) else {}
    missing = [t for t in tasks if t not in cached]
    if missing:
        from contrastive.config import TrainConfig
        from contrastive.data import load_task
        from contrastive.references import references

        cfg = TrainConfig(window=window)
        for task in missing:
            refs = references(load_task(task), cfg)
            cached[task] = {
                k: {
                    m: v[m]
                    for m in (
                        "lags",
                        "context",
                        "val_mse",
                        "test_mse",
                        "knn_val_mse",
                        "knn_test_mse",
                    )
                    if m in v
                }
                for k, v in refs.items()
                if isinstance(v, dict)
            }
        with open(cache_file, "w") as fh:
            json.dump(cached, fh, indent=1, default=float)
    return {t: cached[t] for t in tasks}


def _f(v: float, digits: int = 3) -> str:
    return "-" if v is None or not np.isfinite(v) else f"{v:.{digits}f}"


def markdown(doc: dict[str, Any]) -> str:
    """The report of a result document: preset validity, repeatability, references."""
    lines = ["# Label probes: kNN vs ridge (generated by `python -m benchmarks.label_knn`)", ""]
    if doc.get("command"):  # documents written before the command was recorded lack it
        lines += [f"Command: `{doc['command']}`", ""]
    preset = doc["preset"]
    if preset:
        budgets = sorted(
            {int(k.split("@")[1]) for e in preset.values() for k in e if k.startswith("knn@")}
        )
        lines += [
            "## The TS2Vec-like preset trained vs the same net untrained",
            "",
            "Val MSE trained / untrained (mean over seeds) and seeds where training won.",
            "",
        ]
        body = []
        for task, e in preset.items():
            cells = []
            for s in budgets:
                for probe in PROBES:
                    c = e.get(f"{probe}@{s}")
                    cells.append(
                        "-"
                        if c is None
                        else f"{_f(c['trained'])} / {_f(c['untrained'])} "
                        f"({c['seeds_better']} of {c['seeds']})"
                    )
            body.append([task, len(e["seeds"]), *cells])
        head = [f"{p} {s} steps" for s in budgets for p in ("kNN", "ridge")]
        lines += [*report.table(["task", "seeds", *head], body), ""]
    archs = doc["archs"]
    if archs:
        lines += ["## Repeatability over random archs (seed 0 vs seed 1, Kendall tau)", ""]
        keys = ["knn_val_mse", "knn_gain", "untrained_knn_val_mse", "val_mse", "gain"]
        keys += ["untrained_val_mse"]
        body = [
            [task, e["archs_with_both_seeds"], e["steps"]]
            + [_f(e[f"tau_seed_{k}"], 2) for k in keys]
            + [
                f"{_f(e['tau_untrained_vs_trained_knn'], 2)} / "
                f"{_f(e['tau_untrained_vs_trained_ridge'], 2)}",
                f"{e['share_helped_knn']:.0%} / {e['share_helped_ridge']:.0%}",
                _f(e["median_cpu_seconds"], 1),
            ]
            for task, e in archs.items()
        ]
        head = ["task", "archs", "steps", "kNN val MSE", "kNN gain", "kNN untrained"]
        head += ["ridge val MSE", "ridge gain", "ridge untrained"]
        head += ["tau(untrained, trained) kNN / ridge", "training helped kNN / ridge", "CPU s"]
        lines += [*report.table(head, body), ""]
        quads = {t: e for t, e in archs.items() if e.get("archs_with_4_seeds", 0) >= 3}
        if quads:
            lines += [
                "Four seeds: tau of one seed vs another (mean over the 6 pairs) and of the mean "
                "of two seeds vs the mean of the other two (mean over the 3 splits).",
                "",
            ]
            body = [
                [task, e["archs_with_4_seeds"]]
                + [
                    f"{_f(e[f'tau_pairs_{k}'], 2)} / {_f(e[f'tau_mean2_{k}'], 2)}"
                    for k in ("knn_val_mse", "knn_gain", "val_mse", "gain")
                ]
                for task, e in quads.items()
            ]
            head = ["task", "archs", "kNN val MSE: 1 seed / mean of 2", "kNN gain"]
            lines += [*report.table([*head, "ridge val MSE", "ridge gain"], body), ""]
    refs = doc["references"]
    if refs:
        lines += ["## References (val MSE, same probes)", ""]
        body = []
        for task, r in refs.items():
            e = preset.get(task, {})
            first = min((int(k.split("@")[1]) for k in e if k.startswith("knn@")), default=None)
            pt = (
                f"{_f(e[f'knn@{first}']['trained'])} / {_f(e[f'ridge@{first}']['trained'])}"
                if first is not None
                else "-"
            )
            rs, rl, up = r["raw_short"], r["raw_long"], r["untrained_preset"]
            body.append(
                [
                    task,
                    f"{_f(rs.get('knn_val_mse'))} / {_f(rs['val_mse'])}",
                    f"{_f(rl.get('knn_val_mse'))} / {_f(rl['val_mse'])} ({rl['lags']})",
                    f"{_f(up.get('knn_val_mse'))} / {_f(up['val_mse'])}",
                    pt,
                ]
            )
        head = ["task", "raw lags short: kNN / ridge", "raw lags long (lags): kNN / ridge"]
        head += ["untrained preset: kNN / ridge", "preset trained (first budget): kNN / ridge"]
        lines += [*report.table(head, body), ""]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    args = parse(KnnArgs, argv, prog="python -m benchmarks.label_knn", description=__doc__)
    preset_rows, arch_rows = report.read_jsonl(args.preset), report.read_jsonl(args.archs)
    if not preset_rows and not arch_rows:
        raise ValueError(f"no records match --preset {args.preset!r} or --archs {args.archs!r}")
    doc: dict[str, Any] = {
        "command": report.command("benchmarks.label_knn", argv),
        "machine": report.machine(),
        "preset": preset_summary(preset_rows),
        "archs": arch_summary(arch_rows),
        "references": {},
    }
    if args.refs:
        tasks = sorted(set(doc["preset"]) | set(doc["archs"]))
        doc["references"] = references_summary(tasks, args.window, args.refs_file)
    report.publish(args.out, doc, markdown(doc))
    return EXIT_OK


if __name__ == "__main__":
    run_main(main)
