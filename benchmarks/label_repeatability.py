"""Repeatability of the seed-averaged label per task, the seeds it needs, and what a corpus of
such labels costs.

For every task of the labelled runs (JSONL records of ``benchmarks.label_knn``, or a label
store), the split-half of the archs' labels over their shared training seeds
(``contrastive.repeatability``), the Spearman-Brown predicted tau of a ``k``-seed label for
k = 1..max, the seeds ``--target-tau`` needs, whether the task passes the corpus-v2 keep rule
(a 4-seed label reaching ``--keep-tau``), and the CPU hours a corpus of ``--corpus-archs``
archs at those seeds would take at the runs' median CPU seconds a label.

    python -m benchmarks.label_repeatability \\
        --runs 'benchmarks/results/label_knn/archs_cpu_s*.jsonl' \\
        --out benchmarks/results/label_repeatability
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from benchmarks import report
from cliconfig import EXIT_OK, option, parse, run_main


@dataclass
class RepeatabilityConfig:
    """Repeatability of the seed-averaged label per task, the seeds it needs, and its cost."""

    runs: str = option(
        "benchmarks/results/label_knn/archs_cpu_s*.jsonl", "glob of JSONL label runs"
    )
    store: str = option("", "a label store instead of --runs (opened read-only)")
    kinds: str = option("knn_val_mse,val_mse", "label kinds (metrics), comma list")
    target_tau: float = option(0.8, "tau a k-seed label should reach")
    keep_tau: float = option(0.6, "keep rule: a 4-seed label must reach this")
    max_seeds: int = option(10, "most seeds a label may average")
    corpus_archs: int = option(100, "archs a task in the cost line")
    out: str = option("benchmarks/results/label_repeatability", "path stem of .json and .md")


def _rows(cfg: RepeatabilityConfig) -> list[dict]:
    """Records ``task, hash, seed, seconds`` plus every label kind's metric."""
    if cfg.store:
        from contrastive.store import LabelStore

        if not Path(cfg.store).is_file():
            raise ValueError(f"{cfg.store}: no such label store")
        with LabelStore(cfg.store, readonly=True) as store:
            return [
                {
                    **r["metrics"],
                    "task": r["task"],
                    "hash": r["arch_hash"],
                    "seed": r["seed"],
                    "seconds": r["seconds"],
                }
                for r in store.iter_records()
            ]

    rows = [r for r in report.read_jsonl(cfg.runs) if r.get("status", "ok") == "ok"]
    if not rows:
        raise ValueError(f"--runs {cfg.runs!r}: no ok records")
    return rows


def analyse(rows: list[dict], cfg: RepeatabilityConfig) -> list[dict]:
    """One entry per (task, kind)."""
    from contrastive.repeatability import split_half

    out = []
    kinds = [k.strip() for k in cfg.kinds.split(",") if k.strip()]
    for task in sorted({r["task"] for r in rows}):
        mine = [r for r in rows if r["task"] == task]
        # CPU seconds where the runs kept them (wall seconds on a loaded machine overstate)
        seconds = [float(r.get("cpu_seconds") or r.get("seconds") or np.nan) for r in mine]
        for kind in kinds:
            table: dict[str, dict[int, float]] = {}
            for r in mine:
                v = r.get(kind)
                if isinstance(v, (int, float)) and np.isfinite(v):
                    table.setdefault(r["hash"], {})[int(r["seed"])] = float(v)
            try:
                rep = split_half(table)
            except ValueError as err:
                out.append({"task": task, "kind": kind, "error": str(err)})
                continue
            k = rep.seeds_needed(cfg.target_tau, cfg.max_seeds)
            med = float(np.nanmedian(seconds)) if np.isfinite(seconds).any() else float("nan")
            out.append(
                {
                    "task": task,
                    "kind": kind,
                    "n_archs": rep.n_archs,
                    "seeds": list(rep.seeds),
                    "split_tau": rep.split_tau,
                    "single_tau": rep.single_tau,
                    "tau_at_stored": rep.tau_at_k,
                    "predicted": {j: rep.predicted_tau(j) for j in range(1, cfg.max_seeds + 1)},
                    "seeds_needed": k,
                    "reaches_target": rep.predicted_tau(k) >= cfg.target_tau,
                    "tau_at_4": rep.predicted_tau(4),
                    "kept": rep.predicted_tau(4) >= cfg.keep_tau,
                    "median_seconds": med,
                    "corpus_cpu_hours": k * cfg.corpus_archs * med / 3600.0,
                }
            )
    return out


def _predicted(entry: dict, k: int) -> float:
    """The predicted tau of a ``k``-seed label; a result read back from JSON keys it ``"k"``."""
    p = entry["predicted"]
    return p[k] if k in p else p.get(str(k), float("nan"))


def markdown(doc: dict) -> str:
    cfg = doc["config"]
    lines = [
        "# Repeatability of the seed-averaged label",
        "",
        f"Command: `{doc['command']}`",
        "",
        f"Machine: {doc['machine']['processor']}, {doc['machine']['cpus']} CPUs, "
        f"load {doc['machine']['loadavg_1m']:.1f} (no timing is measured here; seconds a label "
        "are the runs' own).",
        "",
        "Split-half: each arch's label averaged over the even and over the odd positions of the "
        "seeds every arch shares, Kendall tau between the two halves over the archs. Single: the "
        "Spearman-Brown step-down to one seed; k seeds: the predicted tau between two "
        "independent k-seed labels (the split-half reliability of a k-seed label; Spearman-Brown "
        "on correlations, taus mapped with r = sin(pi tau / 2)). "
        f"Needed: the fewest seeds reaching tau {cfg['target_tau']} (at most "
        f"{cfg['max_seeds']}; `*`: not reached). Kept: a 4-seed label reaches "
        f"{cfg['keep_tau']} (the corpus-v2 keep rule, read as the split-half reliability of the "
        "4-seed label; read literally as the raw split-half of 4 stored seeds, i.e. the `2 seeds` "
        "column, it is stricter). CPU h: "
        f"{cfg['corpus_archs']} archs x needed seeds x median CPU seconds a label.",
        "",
    ]
    for kind in dict.fromkeys(e["kind"] for e in doc["tasks"]):
        ents = [e for e in doc["tasks"] if e["kind"] == kind and "error" not in e]
        body = [
            [e["task"], e["n_archs"], len(e["seeds"]), f"{e['split_tau']:.2f}"]
            + [f"{e['single_tau']:.2f}", *(f"{_predicted(e, k):.2f}" for k in (2, 4, 8))]
            + [f"{e['seeds_needed']}{'' if e['reaches_target'] else '*'}"]
            + ["yes" if e["kept"] else "no", f"{e['median_seconds']:.1f}"]
            + [f"{e['corpus_cpu_hours']:.1f}"]
            for e in ents
        ]
        head = ["task", "archs", "seeds", "split-half", "single", "2 seeds", "4 seeds"]
        head += ["8 seeds", "needed", "kept", "s/label", "CPU h"]
        lines += [f"## {kind}", "", *report.table(head, body)]
        if ents:
            kept = [e for e in ents if e["kept"]]
            strict = [e["task"] for e in ents if _predicted(e, 2) < cfg["keep_tau"]]
            lines += [
                "",
                f"Kept {len(kept)} of {len(ents)} tasks; they need "
                f"{sum(e['corpus_cpu_hours'] for e in kept):.1f} CPU hours at "
                f"{cfg['corpus_archs']} archs each; {sum(e['reaches_target'] for e in ents)} of "
                f"{len(ents)} reach tau {cfg['target_tau']} within {cfg['max_seeds']} seeds. "
                f"Read literally, the keep rule drops {', '.join(strict) or 'none'}.",
                "",
            ]
        for e in doc["tasks"]:
            if e["kind"] == kind and "error" in e:
                lines.append(f"- {e['task']}: {e['error']}")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    cfg = parse(RepeatabilityConfig, argv, prog="python -m benchmarks.label_repeatability")
    doc = {
        "command": report.command("benchmarks.label_repeatability", argv),
        "config": dict(cfg.__dict__),
        "machine": report.machine(),
        "tasks": analyse(_rows(cfg), cfg),
    }
    report.publish(cfg.out, doc, markdown(doc))
    return EXIT_OK


if __name__ == "__main__":
    run_main(main)
