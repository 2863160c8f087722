"""What the spatial half of the space does on many-series tasks.

Usage::

    python -m benchmarks.width_spatial --tasks aus_retail_all,india_power_all --archs 30 \\
        --out benchmarks/results/width_spatial

For every task: the references (raw lags short and long, the cross-series raw lags, the untrained
preset), the TS2Vec-like preset and ``--archs`` sampled archs (``archgraph.sample(seed)``),
each labelled (default protocol: :class:`contrastive.config.TrainConfig`, so the kNN label, with
node subsets of ``S`` series and probes on ``M``) with its trained and untrained metrics; and,
for each sampled arch that has spatial ops (``diff_gcn``, ``s_trans``), its *temporal twin*:
the same arch (contrastive part, wiring, hyper) with ``diff_gcn -> dcc`` and
``s_trans -> trans``, labelled the same way. Rows are appended to ``OUT.jsonl`` as they finish
and a rerun skips rows already there (resumable); ``OUT.md`` is the summary table, with the
command, machine and load. ``--shard I/N`` runs only every ``N``-th job from the ``I``-th (0-based),
so ``N`` processes on one ``OUT`` share the work without repeating a row (each appends whole
lines); a later run without it summarises them all.

Spatial vs twin: the share of pairs where the spatial arch has the lower label, with a two-sided
sign test (the chance of a split at least this uneven if neither side were better), and the
median ratio of their labels.
"""

from __future__ import annotations

import copy
import json
import os
import statistics
import sys
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from benchmarks import report
from cliconfig import EXIT_ERROR, EXIT_OK, ConfigParser, option, parser_for, run_main

SPATIAL = {2: 1, 4: 3}  # diff_gcn -> dcc, s_trans -> trans (op indices of the arch contract)


@dataclass
class Config:
    """The settings of ``python -m benchmarks.width_spatial`` (one flag each)."""

    tasks: str = option(
        "aus_retail_all,us_employment_all,india_power_all,aus_livestock_all",
        "comma-separated bundled tasks",
    )
    archs: int = option(30, "sampled archs per task")
    seed: int = option(0, "arch sampling seed")
    budget: int | None = option(None, "training steps (default: protocol)")
    out: str = option("benchmarks/results/width_spatial", "output stem (.jsonl, .md)")
    shard: str = option(
        "0/1", "I/N: run only jobs I, I + N, I + 2N, ... (0-based) of the arch-major job list"
    )
    summary_only: bool = option(
        False,
        "only rewrite OUT.md and OUT.json from the rows in OUT.jsonl (e.g. of a stopped run)",
    )


def parse_shard(text: str) -> tuple[int, int]:
    """``"I/N"`` -> ``(I, N)`` with ``0 <= I < N``; ``ValueError`` naming ``--shard`` otherwise."""
    try:
        i, n = (int(x) for x in text.split("/"))
    except ValueError:
        raise ValueError(f"--shard: expected I/N (e.g. 0/2), got {text!r}") from None
    if not 0 <= i < n:
        raise ValueError(f"--shard: expected 0 <= I < N, got {text!r}")
    return i, n


def sign_test_p(wins: int, n: int) -> float | None:
    """Two-sided sign test: P(a split at least as uneven as ``wins`` of ``n`` | p = .5)."""
    if n == 0:
        return None
    from scipy.stats import binomtest

    return float(binomtest(wins, n, 0.5).pvalue)


def temporal_twin(arch: dict) -> dict | None:
    """The arch with every spatial op replaced by its temporal counterpart (``None`` when it
    has none)."""
    pairs = arch["encoder"]
    if not any(int(op) in SPATIAL for _, op in pairs):
        return None
    twin = copy.deepcopy(arch)
    twin["encoder"] = [[int(i), SPATIAL.get(int(op), int(op))] for i, op in pairs]
    return twin


def build_parser() -> ConfigParser[Config]:
    """The parser of ``python -m benchmarks.width_spatial`` (generated from :class:`Config`)."""
    return parser_for(Config, prog="python -m benchmarks.width_spatial", description=__doc__)


def _metrics(rec: dict) -> dict[str, Any]:
    keys = ("label", "knn_val_mse", "untrained_knn_val_mse", "val_mse", "untrained_val_mse")
    out = {k: rec.get(k) for k in keys}
    out.update(status=rec["status"], error=rec.get("error"), seconds=rec.get("seconds"))
    out.update({k: rec.get(k) for k in ("n_series", "node_subset", "probe_nodes")})
    return out


def run(cfg: Config, argv: list[str]) -> Path:
    from tqdm import tqdm

    import archgraph
    from contrastive.config import TrainConfig
    from contrastive.data import load_task
    from contrastive.presets import preset
    from contrastive.protocol import label
    from contrastive.references import references

    shard, n_shards = parse_shard(cfg.shard)
    jsonl = Path(cfg.out).with_suffix(".jsonl")
    jsonl.parent.mkdir(parents=True, exist_ok=True)
    done = set()
    if jsonl.exists():
        for line in jsonl.read_text().splitlines():
            row = json.loads(line)
            done.add((row["task"], row["kind"], row.get("arch_hash")))
    tcfg = TrainConfig() if cfg.budget is None else TrainConfig(steps=cfg.budget)
    sampled = archgraph.sample(cfg.archs, seed=cfg.seed)
    tasks = cfg.tasks.split(",")
    # arch-major order: a run stopped early still has the same archs (and twins) on every task
    jobs: list[tuple[str, str, dict | None]] = [(t, "references", None) for t in tasks]
    jobs += [(t, "preset", preset("ts2vec")) for t in tasks]
    for a in sampled:
        twin = temporal_twin(a)
        for t in tasks:
            jobs.append((t, "arch", a))
            if twin is not None:
                jobs.append((t, "twin", twin))
    jobs = jobs[shard::n_shards]
    with jsonl.open("a") as f:
        for task_name, kind, arch in tqdm(jobs, desc="labels", file=sys.stderr):
            h = None if arch is None else archgraph.arch_hash(arch)
            if (task_name, kind, h) in done:
                continue
            task = load_task(task_name)
            row: dict[str, Any] = {
                "task": task_name,
                "kind": kind,
                "arch_hash": h,
                "shape": list(task.shape),
                "loadavg": os.getloadavg()[0],
            }
            if kind == "references":
                refs = references(task, tcfg)
                row["refs"] = {
                    k: {m: v.get(m) for m in ("val_mse", "knn_val_mse", "lags", "neighbours")}
                    for k, v in refs.items()
                    if isinstance(v, dict)
                }
            else:
                row.update(_metrics(label(arch, task, tcfg)))
                if kind == "arch":
                    row["spatial"] = temporal_twin(arch) is not None
                    row["twin_hash"] = (
                        archgraph.arch_hash(temporal_twin(arch)) if row["spatial"] else None
                    )
            f.write(json.dumps(row, default=float) + "\n")
            f.flush()
    _write_summary(cfg, argv, jsonl)
    return jsonl


def _med(xs: list[float]) -> float | None:
    return float(statistics.median(xs)) if xs else None


def _f(x: float | None) -> str:
    return "-" if x is None else f"{x:.3f}"


def _p(p: float | None) -> str:
    return "-" if p is None else ("< 0.001" if p < 0.001 else f"{p:.3f}")


def summarise(rows: list[dict]) -> list[dict[str, Any]]:
    """One summary per task (see the module docstring); the label is the kNN val MSE."""
    out = []
    for task in dict.fromkeys(r["task"] for r in rows):
        rs = [r for r in rows if r["task"] == task]
        refs = next((r["refs"] for r in rs if r["kind"] == "references"), {})
        pre = next((r for r in rs if r["kind"] == "preset" and r["status"] == "ok"), None)
        archs = [r for r in rs if r["kind"] == "arch" and r["status"] == "ok"]
        twins = {r["arch_hash"]: r for r in rs if r["kind"] == "twin" and r["status"] == "ok"}
        pairs = [(a, twins[a["twin_hash"]]) for a in archs if a.get("twin_hash") in twins]
        wins = sum(a["label"] < t["label"] for a, t in pairs)  # spatial arch beats its twin
        raw = {k: refs[k]["knn_val_mse"] for k in ("raw_short", "raw_long") if k in refs}
        out.append(
            {
                "task": task,
                "shape": rs[0]["shape"],
                "raw_best": min(raw.values()) if raw else None,
                "raw_cross": refs.get("raw_cross", {}).get("knn_val_mse"),
                "raw_cross_k": refs.get("raw_cross", {}).get("neighbours"),
                "preset": None if pre is None else pre["label"],
                "preset_untrained": None if pre is None else pre["untrained_knn_val_mse"],
                "archs": len(archs),
                "arch_best": min((a["label"] for a in archs), default=None),
                "arch_median": _med([a["label"] for a in archs]),
                "arch_untrained_median": _med([a["untrained_knn_val_mse"] for a in archs]),
                "share_training_helped": (
                    sum(a["label"] < a["untrained_knn_val_mse"] for a in archs) / len(archs)
                    if archs
                    else None
                ),
                "pairs": len(pairs),
                "share_spatial_better": wins / len(pairs) if pairs else None,
                "sign_test_p": sign_test_p(wins, len(pairs)),
                "median_spatial_over_twin": _med([a["label"] / t["label"] for a, t in pairs]),
                "no_spatial_median": _med([a["label"] for a in archs if not a["spatial"]]),
                "spatial_median": _med([a["label"] for a in archs if a["spatial"]]),
            }
        )
    return out


def markdown(doc: dict) -> str:
    """The summary table of a result document (see :func:`summarise`)."""
    m, lo, hi = doc["machine"], *doc["loadavg_range"]
    lines = [
        "# The spatial half of the space on many-series tasks",
        "",
        f"Command: `{doc['command']}` (rows in "
        f"`{doc['rows_file']}`; a rerun resumes). Machine: {m['platform']}, {m['cpus']} CPUs, "
        f"torch {m['torch']}; load average during the rows {lo:.1f} .. {hi:.1f}.",
        "",
        "Label = kNN-probe val MSE at 12 steps (lower is better), default protocol (30 steps, "
        "node subsets of 32 series, probes on 16 seeded series). Raw best = the better of the "
        "raw-lag references (48 / long lags); cross = own 48 lags + those of the k most "
        "correlated series. Twin = the same arch with diff_gcn -> dcc and s_trans -> trans.",
        "",
    ]
    body = []
    for s in doc["summary"]:
        share, sp = s["share_training_helped"], s["share_spatial_better"]
        body.append(
            [s["task"], f"{s['shape'][0]}x{s['shape'][1]}", _f(s["raw_best"])]
            + [f"{_f(s['raw_cross'])} ({s['raw_cross_k']})"]
            + [f"{_f(s['preset'])} / {_f(s['preset_untrained'])}", s["archs"]]
            + [_f(s["arch_best"]), f"{_f(s['arch_median'])} / {_f(s['arch_untrained_median'])}"]
            + ["-" if share is None else f"{share:.0%}", s["pairs"]]
            + ["-" if sp is None else f"{sp:.0%}", _p(s.get("sign_test_p"))]
            + [_f(s["median_spatial_over_twin"])]
        )
    head = ["task", "[T, N]", "raw best", "cross (k)", "preset trained / untrained", "archs"]
    head += ["best arch", "median trained / untrained", "training helped", "pairs"]
    head += ["spatial < twin", "sign test p", "median spatial / twin"]
    return "\n".join(lines + report.table(head, body)) + "\n"


def _write_summary(cfg: Config, argv: list[str], jsonl: Path) -> None:
    rows = [json.loads(line) for line in jsonl.read_text().splitlines()]
    loads = [r["loadavg"] for r in rows]
    doc = {
        "command": report.command("benchmarks.width_spatial", argv),
        "rows_file": jsonl.name,
        "loadavg_range": [min(loads), max(loads)],
        "config": asdict(cfg),
        "machine": report.machine(),
        "summary": summarise(rows),
    }
    report.publish(cfg.out, doc, markdown(doc), indent=2)


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    cfg = build_parser().parse(argv)
    if cfg.summary_only:
        jsonl = Path(cfg.out).with_suffix(".jsonl")
        if not jsonl.exists():
            print(f"error: {jsonl}: no rows to summarise", file=sys.stderr)
            return EXIT_ERROR
        _write_summary(cfg, [a for a in argv if a != "--summary-only"], jsonl)
        return EXIT_OK
    run(cfg, argv)
    return EXIT_OK


if __name__ == "__main__":
    run_main(main)
