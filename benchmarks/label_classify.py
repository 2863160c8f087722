"""Classification probe on aeon's bundled datasets: is the contrastive label valid there?

Measures, per dataset (:func:`contrastive.protocol.classify_label`, JSONL out, resumable: a
record already in ``--out`` with the same dataset, kind, arch index, seed and steps is skipped):

* ``raw``: the same linear classifier on the flattened standardised samples (once per dataset);
* ``preset``: the TS2Vec-like preset, trained vs the same net untrained, for ``--preset-seeds``;
* ``arch``: ``archgraph.sample(--n-archs, seed=--arch-seed)`` x ``--seeds``, for the seed-to-seed
  Kendall tau of the label, the share of archs whose training helped, and seconds per label.

``--summarize`` reads ``--out`` and writes the per-dataset figures to ``--summary`` (JSON) and a
markdown table to stdout. Examples (the protocol document lists the exact commands used)::

    python -m benchmarks.label_classify --datasets BasicMotions,GunPoint --parts raw,preset \
        --preset-seeds 0,1,2 --out benchmarks/results/label_classify.jsonl
    python -m benchmarks.label_classify --datasets BasicMotions --parts arch --n-archs 30 \
        --seeds 0,1 --out benchmarks/results/label_classify.jsonl
    python -m benchmarks.label_classify --summarize --out benchmarks/results/label_classify.jsonl
"""

from __future__ import annotations

import json
import math
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from archgraph import arch_hash, sample
from benchmarks import report
from benchmarks.metrics import shared_tau
from cliconfig import EXIT_OK, option, parse, run_main
from contrastive.config import TrainConfig
from contrastive.presets import preset
from contrastive.probes import POOLS
from contrastive.protocol import classify_label
from contrastive.references import raw_probe
from contrastive.samples import AEON_DATASETS, load_aeon
from contrastive.training import compute_settings as _setup

PARTS = ("raw", "preset", "arch")


@dataclass
class ClassifyArgs:
    """Classification-probe labels on aeon's bundled datasets."""

    datasets: str = option(
        ",".join(AEON_DATASETS),
        f"comma-separated aeon datasets (default all: {', '.join(AEON_DATASETS)})",
    )
    parts: str = option(",".join(PARTS), "comma-separated parts to run: raw, preset, arch")
    preset_seeds: str = option("0,1,2", "seeds of the preset part")
    n_archs: int = option(30, "archs of the arch part (archgraph.sample)")
    arch_seed: int = option(0, "seed of archgraph.sample")
    seeds: str = option("0,1", "label seeds of the arch part (tau uses seeds 0 and 1)")
    steps: int = option(TrainConfig.steps, "training steps (TrainConfig.steps)")
    window: int = option(TrainConfig.window, "training window, capped at the sample length")
    arch_pools: str = option(
        "max", "time poolings probed in the arch part (max, last); the first is the label"
    )
    out: str = option(
        "benchmarks/results/label_classify.jsonl", "JSONL records (appended; resumable)"
    )
    summarize: bool = option(False, "only summarize --out into --summary and print markdown tables")
    summary: str = option(
        "benchmarks/results/label_classify.json", "JSON summary written by --summarize"
    )


def _ints(text: str) -> tuple[int, ...]:
    return tuple(int(v) for v in text.split(",") if v.strip())


def _names(text: str, known: tuple[str, ...], flag: str) -> list[str]:
    names = [v.strip() for v in text.split(",") if v.strip()]
    bad = [v for v in names if v not in known]
    if bad:
        raise ValueError(f"{flag}: unknown {bad}; known: {', '.join(known)}")
    return names


def _read(path: Path) -> list[dict]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def _key(r: dict) -> tuple:
    return (r["dataset"], r["kind"], r["index"], r["seed"], r["steps"])


def run(args: ClassifyArgs) -> int:
    """Label what ``args`` asks for, appending one JSON line per record to ``args.out``."""
    datasets = _names(args.datasets, tuple(AEON_DATASETS), "--datasets")
    parts = _names(args.parts, PARTS, "--parts")
    pools = tuple(_names(args.arch_pools, POOLS, "--arch-pools"))
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    done = {_key(r) for r in _read(out)}
    archs = sample(args.n_archs, seed=args.arch_seed) if "arch" in parts else []
    _setup(TrainConfig())  # one torch and BLAS thread, flush-denormal, also for the raw probe
    for name in datasets:  # datasets outermost: a partial run completes whole datasets
        task = load_aeon(name)
        jobs: list[tuple[str, int, int, dict | None, tuple[str, ...]]] = []
        if "raw" in parts:
            jobs.append(("raw", -1, 0, None, POOLS))
        if "preset" in parts:
            jobs += [("preset", -1, s, preset("ts2vec"), POOLS) for s in _ints(args.preset_seeds)]
        if "arch" in parts:
            jobs += [
                ("arch", i, s, a, pools) for i, a in enumerate(archs) for s in _ints(args.seeds)
            ]
        for kind, index, seed, arch, job_pools in jobs:
            steps = 0 if kind == "raw" else args.steps
            row: dict[str, Any] = {
                "dataset": name,
                "kind": kind,
                "index": index,
                "seed": seed,
                "steps": steps,
            }
            if _key(row) in done:
                continue
            row["fingerprint"] = task.fingerprint
            if arch is None:
                rec = raw_probe(task)
                rec["status"] = "ok"
                msg = f"raw test acc {rec['test_acc']:.3f}"
            else:
                cfg = TrainConfig(steps=args.steps, window=args.window, seed=seed)
                rec = classify_label(arch, task, cfg, pools=job_pools)
                row["hash"] = arch_hash(arch)
                msg = (
                    f"{rec['status']} test acc {rec.get('test_acc', math.nan):.3f} untrained "
                    f"{rec.get('untrained_test_acc', math.nan):.3f} {rec['seconds']:.1f}s "
                    f"{rec['error'] or ''}"
                )
            row.update(rec)
            with out.open("a") as fh:
                fh.write(json.dumps(row, default=float) + "\n")
            print(f"{name} {kind} #{index} seed {seed}: {msg}", flush=True)
    return 0


def _tau(rows: list[dict], metric: str, seeds: tuple[int, int] = (0, 1)) -> tuple[float, int]:
    """Kendall tau-b of ``metric`` between two seeds over the archs labelled ok with both."""
    by_seed: dict[int, dict[int, float]] = {s: {} for s in seeds}
    for r in rows:
        if r["status"] == "ok" and metric in r and r["seed"] in by_seed:
            by_seed[r["seed"]][r["index"]] = r[metric]
    return shared_tau(by_seed[seeds[0]], by_seed[seeds[1]])


def summarize(rows: list[dict]) -> dict:
    """Per dataset and step budget: raw, preset trained/untrained, arch tau, share helped, cost."""
    out: dict[str, dict] = {}
    groups = defaultdict(list)
    for r in rows:
        groups[(r["dataset"], r["kind"], r["steps"])].append(r)
    for (name, kind, steps), rs in sorted(groups.items()):
        d = out.setdefault(name, {})
        ok = [r for r in rs if r["status"] == "ok"]
        if kind == "raw":
            d["raw_test_acc"] = ok[0]["test_acc"] if ok else math.nan
            d["raw_cv_acc"] = ok[0]["cv_acc"] if ok else math.nan
            continue
        s: dict[str, Any] = {"labels": len(rs), "failed": len(rs) - len(ok)}
        s["median_seconds"] = float(np.median([r["seconds"] for r in ok])) if ok else math.nan
        s["median_cpu_seconds"] = (
            float(np.median([r["cpu_seconds"] for r in ok])) if ok else math.nan
        )
        if kind == "preset":
            s["seeds"] = sorted(r["seed"] for r in ok)
            for pool in POOLS:
                for pre in ("", "untrained_"):
                    vals = [r[f"{pre}{pool}_test_acc"] for r in ok if f"{pre}{pool}_test_acc" in r]
                    s[f"{pre}{pool}_test_acc"] = float(np.mean(vals)) if vals else math.nan
            s["seeds_better"] = sum(r["acc_gain"] > 0 for r in ok)
            s["seeds_worse"] = sum(r["acc_gain"] < 0 for r in ok)
            knn = [r for r in ok if "knn_acc_gain" in r]
            for pre in ("", "untrained_"):
                vals = [r[f"{pre}knn_test_acc"] for r in knn]
                s[f"{pre}knn_test_acc"] = float(np.mean(vals)) if vals else math.nan
            s["knn_seeds_better"] = sum(r["knn_acc_gain"] > 0 for r in knn)
            s["knn_seeds_worse"] = sum(r["knn_acc_gain"] < 0 for r in knn)
        else:
            gains = [r["acc_gain"] for r in ok]
            s["share_helped"] = float(np.mean([g > 0 for g in gains])) if gains else math.nan
            s["share_tied"] = float(np.mean([g == 0 for g in gains])) if gains else math.nan
            s["share_hurt"] = float(np.mean([g < 0 for g in gains])) if gains else math.nan
            s["mean_test_acc"] = float(np.mean([r["test_acc"] for r in ok])) if ok else math.nan
            s["mean_untrained_test_acc"] = (
                float(np.mean([r["untrained_test_acc"] for r in ok])) if ok else math.nan
            )
            s["best_test_acc"] = max((r["test_acc"] for r in ok), default=math.nan)
            for metric in ("test_acc", "cv_acc", "untrained_test_acc", "acc_gain"):
                tau, n = _tau(rs, metric)
                s[f"tau_{metric}"] = tau
                s["tau_archs"] = n
            knn = [r for r in ok if "knn_acc_gain" in r]
            s["knn_share_helped"] = (
                float(np.mean([r["knn_acc_gain"] > 0 for r in knn])) if knn else math.nan
            )
            for metric in ("knn_test_acc", "untrained_knn_test_acc", "knn_acc_gain"):
                s[f"tau_{metric}"] = _tau(rs, metric)[0]
        d[f"{kind}_s{steps}"] = s
    return out


def _f(v: Any, digits: int = 3) -> str:
    if isinstance(v, float):
        return "-" if math.isnan(v) else f"{v:.{digits}f}"
    return str(v)


def _rows(
    summary: dict, prefix: str, cells: Callable[[dict, dict], list[Any]], needs: str = ""
) -> list[list]:
    """One table row ``[dataset, steps, *cells(dataset_summary, entry)]`` per dataset and
    ``prefix`` entry (``preset_s``/``arch_s`` + steps); with ``needs``, only the entries where
    that figure was measured (not NaN)."""
    return [
        [name, key[len(prefix) :], *cells(d, s)]
        for name, d in summary.items()
        for key, s in d.items()
        if key.startswith(prefix) and not (needs and math.isnan(s.get(needs, math.nan)))
    ]


def _taus(entry: dict, *metrics: str) -> list[str]:
    """The seed-to-seed taus ``tau_{metric}`` of an arch entry, two decimals."""
    return [_f(entry[f"tau_{m}"], 2) for m in metrics]


def table(summary: dict) -> str:
    """Markdown tables of :func:`summarize`'s output."""
    preset = [
        [r[0], *r[2:6], r[1], r[6]]  # the preset table keeps steps after the seeds
        for r in _rows(
            summary,
            "preset_s",
            lambda d, s: [
                _f(d.get("raw_test_acc", math.nan)),
                f"{_f(s['max_test_acc'])} / {_f(s['last_test_acc'])}",
                f"{_f(s['untrained_max_test_acc'])} / {_f(s['untrained_last_test_acc'])}",
                f"{s['seeds_better']} / {s['seeds_worse']} of {len(s['seeds'])}",
                _f(s["median_seconds"], 1),
            ],
        )
    ]
    head = ["dataset", "raw", "preset trained (max / last)", "untrained (max / last)"]
    lines = report.table([*head, "seeds better / worse", "steps", "s / label"], preset)
    knn = _rows(
        summary,
        "preset_s",
        lambda d, s: [
            _f(s["knn_test_acc"]),
            _f(s["untrained_knn_test_acc"]),
            f"{s['knn_seeds_better']} / {s['knn_seeds_worse']} of {len(s['seeds'])}",
        ],
        needs="knn_test_acc",
    )
    if knn:
        lines += ["", "kNN classifier (5 cosine neighbours) on the same max-pooled features:", ""]
        head = ["dataset", "steps", "preset trained", "untrained", "seeds better / worse"]
        lines += report.table(head, knn)
    arch = _rows(
        summary,
        "arch_s",
        lambda d, s: [
            s["tau_archs"],
            *_taus(s, "test_acc", "cv_acc", "untrained_test_acc", "acc_gain"),
            " / ".join(_f(s[k], 2) for k in ("share_helped", "share_tied", "share_hurt")),
            f"{_f(s['mean_test_acc'])} / {_f(s['mean_untrained_test_acc'])}",
            _f(s["best_test_acc"]),
            f"{_f(s['median_seconds'], 1)} ({_f(s['median_cpu_seconds'], 1)})",
            s["failed"],
        ],
    )
    head = ["dataset", "steps", "archs (both seeds)", "tau test acc", "tau cv acc"]
    head += ["tau untrained", "tau gain", "helped / tied / hurt", "mean acc trained / untrained"]
    lines += ["", *report.table([*head, "best", "s / label (CPU s)", "failed"], arch)]
    knn_arch = _rows(
        summary,
        "arch_s",
        lambda d, s: [
            s["tau_archs"],
            *_taus(s, "knn_test_acc", "untrained_knn_test_acc", "knn_acc_gain"),
            _f(s["knn_share_helped"], 2),
        ],
        needs="knn_share_helped",
    )
    if knn_arch:
        head = ["dataset", "steps", "archs", "tau kNN test acc", "tau kNN untrained"]
        lines += ["", *report.table([*head, "tau kNN gain", "kNN helped"], knn_arch)]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Entry point of ``python -m benchmarks.label_classify``."""
    args = parse(
        ClassifyArgs,
        argv,
        prog="python -m benchmarks.label_classify",
        description="Classification-probe labels on aeon's bundled datasets (see module doc).",
    )
    if args.summarize:
        summary = summarize(_read(Path(args.out)))
        report.write_json(args.summary, summary)
        print(table(summary))
        return EXIT_OK
    return run(args)


if __name__ == "__main__":
    run_main(main)
