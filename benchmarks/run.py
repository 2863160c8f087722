"""``python -m benchmarks.run``: the ranking benchmark suites and their reports.

Examples::

    python -m benchmarks.run --suite nbgraph --out benchmarks/results/ [--quick]
    python -m benchmarks.run --suite speed --out benchmarks/results/
    python -m benchmarks.run --suite corpus --store labels.sqlite --out benchmarks/results/
    python -m benchmarks.run --suite custom --space spec.json --labels labels.jsonl --out DIR
    python -m benchmarks.run --suite nbgraph --merge a.json,b.json --out benchmarks/results/

Suites: ``nbgraph`` (NAS-Bench-Graph, 8 datasets, task features = public meta-features),
``corpus`` (the contrastive label store; skipped with a message without ``--store``),
``custom`` (a user space from a JSON spec, see :mod:`archgraph.generic`, with user labels),
``speed`` (throughput), ``all`` (nbgraph, speed, and corpus/custom when their inputs are given).
Each suite writes ``OUT/<suite>[_quick][_tag].json`` (rows, config, command, machine), ``.md``
(tables) and PNG plots. ``--quick``: tiny grids for CI (seconds). ``--merge``: build one report
from part files (e.g. two processes run with ``--protocols``). Flags or ``--config FILE``.
"""

from __future__ import annotations

import importlib.util
import json
import shlex
import sys
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any, Literal, get_args

import numpy as np

from cliconfig import EXIT_OK, ConfigParser, option, parser_for, run_main
from predictor.comparator import ComparatorConfig

from . import plots
from .protocols import (
    ProtocolConfig,
    SpeedConfig,
    TaskSet,
    in_task,
    speed,
    transfer,
)
from .report import machine, table, write, write_json

Suite = Literal["nbgraph", "corpus", "speed", "custom", "all"]
SUITES = get_args(Suite)
PROTOCOLS = ("in_task", "zero_shot", "few_shot")


@dataclass
class RunConfig:
    """The ranking benchmark suites and their reports (``python -m benchmarks.run``)."""

    suite: Suite = option("all", "the suite (all: nbgraph, speed, and corpus/custom given inputs)")
    out: str = option("benchmarks/results", "output folder")
    quick: bool = option(False, "tiny grids and models (CI, seconds)")
    space: str | None = option(None, "custom suite: JSON space spec (archgraph.generic)")
    labels: str | None = option(
        None, "custom suite: CSV/JSONL rows (arch, task, value[, higher_is_better])"
    )
    task_features: str | None = option(None, "custom suite: JSON {task: [floats]} (optional)")
    store: str | None = option(None, "corpus suite: contrastive label store (SQLite)")
    datasets: str = option("", "nbgraph: comma-separated subset (default all 8)")
    tasks: str = option("", "held-out/target tasks to run (default all)")
    protocols: str = option(",".join(PROTOCOLS), "subset of in_task,zero_shot,few_shot")
    n_grid: str = option("50,100,200,500", "in-task training sizes")
    k_grid: str = option("5,10,20", "few-shot probe counts")
    seeds: int = option(3, "in-task seeds")
    transfer_seeds: int = option(1, "zero/few-shot seeds")
    max_test: int = option(2000, "test archs per task at most")
    source_archs: int = option(500, "zero/few-shot: archs per source task")
    n_boot: int = option(100, "bootstrap resamples per metric")
    epochs: int = option(300, "comparator epochs (early-stopped)")
    finetune_epochs: int = option(30, "few-shot fine-tuning epochs")
    finetune_check: Literal["probes", "cv"] = option(
        "probes",
        "few-shot: keep the zero-shot weights unless fine-tuning improves pairwise accuracy on "
        "the probes themselves, or choose the epochs (0 = keep) by two-fold cross-validation "
        "over the probes",
    )
    speed_n: int = option(20000, "speed: archs per throughput stage")
    tag: str = option("", "suffix of the output names (parallel parts)")
    merge: str = option("", "comma-separated part JSONs to merge into one report")
    seed: int = option(0, "first seed")


def build_parser() -> ConfigParser[RunConfig]:
    """The parser of ``python -m benchmarks.run`` (generated from :class:`RunConfig`)."""
    return parser_for(
        RunConfig, prog="python -m benchmarks.run", description=__doc__.split("\n")[0]
    )


def _ints(text: str) -> tuple[int, ...]:
    try:
        return tuple(int(v) for v in text.split(",") if v.strip())
    except ValueError as err:
        raise ValueError(f"expected comma-separated integers, got {text!r}") from err


def quick_overrides(cfg: RunConfig) -> RunConfig:
    """The ``--quick`` sizes: two tasks' worth of tiny grids and a tiny comparator."""
    return replace(
        cfg,
        n_grid="20,50",
        k_grid="5,10",
        seeds=1,
        transfer_seeds=1,
        max_test=150,
        source_archs=60,
        n_boot=10,
        epochs=8,
        finetune_epochs=4,
        speed_n=500,
    )


PROTOCOL_FIELDS = ("seeds", "transfer_seeds", "max_test", "source_archs", "n_boot", "seed")
PROTOCOL_FIELDS += ("finetune_epochs", "finetune_check")
"""The run's settings that are :class:`ProtocolConfig` fields of the same name and meaning."""


def protocol_config(cfg: RunConfig, scatter_task: str | None) -> ProtocolConfig:
    """The protocols' settings of a run (``--quick``: a tiny comparator)."""
    if cfg.quick:
        comp = ComparatorConfig.tiny(epochs=cfg.epochs, seed=cfg.seed)
    else:
        comp = ComparatorConfig(epochs=cfg.epochs, seed=cfg.seed)
    return ProtocolConfig(
        **{k: getattr(cfg, k) for k in PROTOCOL_FIELDS},
        n_grid=_ints(cfg.n_grid),
        k_grid=_ints(cfg.k_grid),
        small_regressors=cfg.quick,
        comparator=comp,
        scatter_task=scatter_task,
    )


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", flush=True)


# --- data of each suite ---------------------------------------------------------------------


def nbgraph_data(datasets: list[str]) -> TaskSet:
    """NAS-Bench-Graph labels (``1 - test accuracy``) of ``datasets`` with the datasets' public
    meta-features as task features (``archgraph.nbgraph.META_FEATURES``)."""
    from archgraph.nbgraph import DATASETS, NBGRAPH_SPACE, meta_features
    from predictor.labels import nbgraph_labels

    unknown = [d for d in datasets if d not in DATASETS]
    if unknown:
        raise ValueError(f"unknown NAS-Bench-Graph datasets {unknown}; known: {list(DATASETS)}")
    archs, rows = None, []
    for d in datasets:
        a, y = nbgraph_labels(d)
        if archs is None:
            archs = a
        elif a != archs:
            raise ValueError(f"{d}: arch set differs from {datasets[0]}'s")
        rows.append(y)
    return TaskSet(
        NBGRAPH_SPACE,
        archs,
        list(datasets),
        np.stack(rows),
        {d: meta_features(d) for d in datasets},
    )


def corpus_data(store: str) -> tuple[TaskSet, str]:
    """The contrastive label store's ok labels over the cts space; task features from the
    tasks' training data when ``contrastive.data`` can load them, else none."""
    from archgraph import CTS_SPACE
    from predictor.labels import from_store

    if not Path(store).is_file():
        raise ValueError(f"{store}: no such label store")
    records = from_store(store)
    if not records:
        raise ValueError(f"{store}: no ok labels")
    # The store keeps several budgets: rank on each task's highest (full) budget only.
    top: dict[str, float] = {}
    for r in records:
        b = r.get("budget")
        if b is not None:
            top[r["task"]] = max(top.get(r["task"], b), b)
    records = [r for r in records if r.get("budget") is None or r["budget"] == top[r["task"]]]
    tasks = sorted({r["task"] for r in records})
    features, note = None, ""
    try:
        from contrastive.data import load_task
        from predictor.tasks import TaskFeaturizer

        featurizer = TaskFeaturizer(None)
        features = {t: featurizer.features(load_task(t)).stats for t in tasks}
        note = "task features: predictor.tasks statistics of each task's training split"
    except (ImportError, KeyError, LookupError, ValueError) as err:
        note = f"no task features ({err}); the task-aware comparator is skipped"
    return TaskSet.from_records(CTS_SPACE, records, features), note


def custom_data(space_path: str, labels_path: str, features_path: str | None) -> TaskSet:
    from archgraph.generic import load_space
    from predictor.labels import from_file

    space = load_space(space_path)
    records = from_file(labels_path, space)
    features = None
    if features_path:
        features = json.loads(Path(features_path).read_text(encoding="utf-8"))
        if not isinstance(features, dict):
            raise ValueError(f"{features_path}: expected an object {{task: [floats]}}")
    return TaskSet.from_records(space, records, features)


# --- running and reporting ------------------------------------------------------------------


def run_protocols(
    data: TaskSet,
    cfg: RunConfig,
    pcfg: ProtocolConfig,
    partial: Callable[[list[dict], dict], None] | None = None,
) -> tuple[list[dict], dict]:
    """Run the chosen protocols task by task; ``partial(rows, scatter)`` after each task."""
    chosen = [p.strip() for p in cfg.protocols.split(",") if p.strip()]
    bad = [p for p in chosen if p not in PROTOCOLS]
    if bad:
        raise ValueError(f"unknown protocols {bad}; choose from {list(PROTOCOLS)}")
    targets = [t.strip() for t in cfg.tasks.split(",") if t.strip()] or None
    unknown = [t for t in targets or [] if t not in data.tasks]
    if unknown:
        raise ValueError(f"--tasks: unknown tasks {unknown}; known: {data.tasks}")
    rows: list[dict] = []
    scatter: dict = {}
    transfer_ok = len(data.tasks) >= 2
    if not transfer_ok and {"zero_shot", "few_shot"} & set(chosen):
        log("zero/few-shot skipped: they need at least 2 tasks")
    for task in targets or data.tasks:  # one task at a time, so a partial file follows each
        if "in_task" in chosen:
            r, sc = in_task(data, pcfg, [task], log=log)
            rows += r
            scatter = scatter or sc
        if transfer_ok and {"zero_shot", "few_shot"} & set(chosen):
            rows += transfer(
                data, pcfg, [task], zero="zero_shot" in chosen, few="few_shot" in chosen, log=log
            )
        if partial is not None:
            partial(rows, scatter)
    return rows, scatter


def _stem(suite: str, cfg: RunConfig) -> str:
    return suite + ("_quick" if cfg.quick else "") + (f"_{cfg.tag}" if cfg.tag else "")


def _cell(vals: list[dict]) -> str:
    if not vals:
        return "–"
    v = np.mean([m["value"] for m in vals])
    lo = np.nanmean([m["lo"] for m in vals]) if any(np.isfinite(m["lo"]) for m in vals) else np.nan
    hi = np.nanmean([m["hi"] for m in vals]) if any(np.isfinite(m["hi"]) for m in vals) else np.nan
    return f"{v:.3f}" if not np.isfinite(lo) else f"{v:.3f} ({lo:.2f}–{hi:.2f})"


def _collect(rows: list[dict], protocol: str, key: str, value: int, metric: str = "kendall_tau"):
    out: dict[str, dict[str, list[dict]]] = defaultdict(lambda: defaultdict(list))
    for r in rows:
        if (
            r["protocol"] == protocol
            and r.get(key, 0) in (value, 0)
            and (r.get(key, 0) == value or r["method"] in ("random", "avg_rank"))
        ):
            out[r["task"]][r["method"]].append(r["metrics"][metric])
    return out


def _mean_tau(cells: dict[str, list[dict]], method: str) -> float:
    vals = cells.get(method, [])
    return float(np.mean([m["value"] for m in vals])) if vals else float("nan")


def _table(by_task: dict, methods: list[str], goal: tuple[str, str, float] | None) -> list[str]:
    head = ["task", *methods] + ([f"{goal[0]} − {goal[1]}", "goal"] if goal else [])
    body = []
    for task in sorted(by_task):
        cells = by_task[task]
        row = [task] + [_cell(cells.get(m, [])) for m in methods]
        if goal:
            d = _mean_tau(cells, goal[0]) - _mean_tau(cells, goal[1])
            row += (
                [f"{d:+.3f}", "hit" if d >= goal[2] - 1e-12 else "MISS"]
                if np.isfinite(d)
                else ["–", "–"]
            )
        body.append(row)
    return table(head, body)


def _methods(by_task: dict, order: list[str]) -> list[str]:
    present = {m for cells in by_task.values() for m in cells}
    return [m for m in order if m in present] + sorted(present - set(order))


ORDER = [
    "random",
    "avg_rank",
    "best_source_hindsight",
    "best_source_probe",
    "rf",
    "gb",
    "mlp",
    "rf_probes",
    "tahc_notask",
    "tahc",
    "tahc_notask_ft",
    "tahc_ft",
]


def markdown(report: dict[str, Any]) -> str:
    """The Markdown report: command, machine, config, goal tables, tau vs n, other metrics."""
    rows = report["rows"]
    lines = [
        f"# `{report['suite']}` ranking benchmark",
        "",
        f"Command: `{report['command']}`",
        "",
        f"Machine: {report['machine']['platform']}, {report['machine']['cpus']} CPUs, "
        f"torch {report['machine']['torch']}; 1-min load average {report['load_start']:.1f} at "
        f"start, {report['load_end']:.1f} at end (shared machine{'; max over parts' if report.get('parts') else ''}). "
        f"Started {report['started']}, "
        + (
            f"{report['parts']} parts, {report['seconds'] / 60:.1f} process-minutes in all."
            if report.get("parts")
            else f"{report['seconds'] / 60:.1f} min."
        ),
        "",
    ]
    if report.get("notes"):
        lines += [*(f"- {n}" for n in report["notes"]), ""]
    lines += _settings(report) + _goals(rows)
    if report["suite"] == "nbgraph":
        lines += _meta_feature_table()
    lines += [
        "Cells: Kendall tau between predicted and true ranking on held-out archs, mean over "
        "seeds, with the mean 95% bootstrap interval over test archs in brackets. "
        "`tahc` = our comparator (GIN, score head); in-task it sees one task, so it is "
        "also the no-task model. Labels lower is better; scores higher is better.",
        "",
    ]
    in_rows = [r for r in rows if r["protocol"] == "in_task"]
    if in_rows:
        ns = sorted({r["n"] for r in in_rows if r.get("n")})
        n0 = _n0(rows)
        by = _collect(rows, "in_task", "n", n0)
        lines += [f"## In-task, n = {n0} training archs (goal: tahc ≥ rf + 0.10)", ""]
        lines += _table(by, _methods(by, ORDER), ("tahc", "rf", 0.10)) + [""]
        lines += ["## In-task tau vs n (mean over tasks and seeds)", ""]
        methods = _methods({"x": {r["method"]: 1 for r in in_rows if r.get("n")}}, ORDER)
        body = []
        for n in ns:
            vals = []
            for m in methods:
                v = [
                    r["metrics"]["kendall_tau"]["value"]
                    for r in in_rows
                    if r.get("n") == n and r["method"] == m
                ]
                vals.append(f"{np.mean(v):.3f}" if v else "–")
            body.append([n, *vals])
        lines += table(["n", *methods], body)
        lines += ["", f"## In-task, n = {n0}: all metrics (mean over tasks and seeds)", ""]
        lines += _metric_table([r for r in in_rows if r.get("n") in (n0, 0)])
    zs = [r for r in rows if r["protocol"] == "zero_shot"]
    if zs:
        by = _collect(rows, "zero_shot", "k", 0)
        lines += ["## Zero-shot, leave one task out (goal: tahc ≥ avg_rank)", ""]
        lines += _table(
            by,
            _methods(by, ORDER),
            ("tahc", "avg_rank", 0.0)
            if any("tahc" in c for c in by.values())
            else ("tahc_notask", "avg_rank", 0.0),
        )
        lines += ["", "## Zero-shot: all metrics (mean over tasks)", ""] + _metric_table(zs)
    fs = [r for r in rows if r["protocol"] == "few_shot"]
    if fs:
        for k in sorted({r["k"] for r in fs}):
            by = _collect(rows, "few_shot", "k", k)
            ours = "tahc_ft" if any("tahc_ft" in c for c in by.values()) else "tahc_notask_ft"
            goal = (ours, "best_source_hindsight", 0.0)
            lines += [
                f"## Few-shot, K = {k} probe archs (goal at K=10: {ours} ≥ best_source_hindsight)",
                "",
            ]
            lines += _table(by, _methods(by, ORDER), goal) + [""]
            kept = [r for r in fs if r["k"] == k and "kept" in r]
            for m in sorted({r["method"] for r in kept}):
                n_kept = sum(r["kept"] for r in kept if r["method"] == m)
                n_all = sum(r["method"] == m for r in kept)
                lines.append(f"`{m}` kept the zero-shot weights in {n_kept}/{n_all} runs.  ")
            lines += [""] if kept else []
    return "\n".join(lines).rstrip() + "\n"


def _n0(rows: list[dict]) -> int:
    """The in-task size the goal table uses: 100 if run, else the middle of the grid."""
    ns = sorted({r["n"] for r in rows if r["protocol"] == "in_task" and r.get("n")})
    return 100 if 100 in ns else (ns[len(ns) // 2] if ns else 0)


def _settings(report: dict[str, Any]) -> list[str]:
    """The grids and sizes actually used, one line per protocol group (merged parts: every
    distinct value, with the seeds each part started from)."""
    configs = report["config"] if isinstance(report["config"], list) else [report["config"]]
    groups: dict[str, list[dict]] = defaultdict(list)
    for c in configs:
        groups[str(c.get("protocols"))].append(c)
    lines = []
    for protocols, group in sorted(groups.items()):
        keys = ["tasks", "seed", "seeds", "max_test", "epochs", "n_boot", "quick"]
        keys += ["n_grid"] if "in_task" in protocols else []
        keys += (
            ["k_grid", "transfer_seeds", "source_archs", "finetune_epochs", "finetune_check"]
            if "shot" in protocols
            else []
        )
        parts = []
        for key in keys:
            vals = [str(c.get(key)) for c in group if key in c]
            if not vals:  # a setting added after these parts ran: they do not record it
                continue
            uniq = sorted(set(vals), key=vals.index)
            parts.append(f"{key} = {' / '.join(v or '(all)' for v in uniq)}")
        lines.append(f"Settings of {protocols}: " + "; ".join(parts) + ".")
    comp = configs[0].get("comparator") if configs else None
    if comp:
        lines.append(
            f"Comparator: {comp['gnn']} depth {comp['depth']} width {comp['width']}, "
            f"readout {comp['readout']}, head {comp['head']}, task fusion `film` on the task "
            f"features (zero/few-shot), lr {comp['lr']}, patience {comp['patience']} epochs."
        )
    return [line + "\n" for line in lines]


def _goals(rows: list[dict]) -> list[str]:
    """Auto-computed verdicts of the three goals (mean Kendall tau over seeds per task)."""
    checks = []
    n0 = _n0(rows)
    by = _collect(rows, "in_task", "n", n0) if n0 else {}
    if by:
        d = {t: _mean_tau(c, "tahc") - _mean_tau(c, "rf") for t, c in by.items()}
        checks.append((f"in-task n={n0}: tahc ≥ rf + 0.10 on every task", d, 0.10))
    by = _collect(rows, "zero_shot", "k", 0)
    if by:
        ours = "tahc" if any("tahc" in c for c in by.values()) else "tahc_notask"
        d = {t: _mean_tau(c, ours) - _mean_tau(c, "avg_rank") for t, c in by.items()}
        checks.append((f"zero-shot: {ours} ≥ avg_rank", d, 0.0))
    by = _collect(rows, "few_shot", "k", 10)
    if by:
        ours = "tahc_ft" if any("tahc_ft" in c for c in by.values()) else "tahc_notask_ft"
        d = {t: _mean_tau(c, ours) - _mean_tau(c, "best_source_hindsight") for t, c in by.items()}
        checks.append((f"few-shot K=10: {ours} ≥ best_source_hindsight", d, 0.0))
    if not checks:
        return []
    body = []
    for name, d, thr in checks:
        d = {t: v for t, v in d.items() if np.isfinite(v)}
        hit = [t for t, v in d.items() if v >= thr - 1e-12]
        verdict = "HIT" if d and len(hit) == len(d) else "MISSED"
        margin = f"{np.mean(list(d.values())):+.3f}" if d else "–"
        body.append([name, f"{len(hit)}/{len(d)} ({', '.join(sorted(hit)) or 'none'})"])
        body[-1] += [margin, verdict]
    head = ["goal", "tasks hit", "mean margin (tau)", "verdict"]
    return ["## Goals", "", *table(head, body), ""]


def _meta_feature_table() -> list[str]:
    from archgraph.nbgraph import DATASETS, META_FEATURES

    lines = [
        "## Task features (NAS-Bench-Graph datasets' public meta-features)",
        "",
        "Nodes / undirected edges / features / classes as published with the datasets "
        "(Planetoid: Yang et al. 2016 for cora, citeseer, pubmed; Shchur et al. 2018 for "
        "Coauthor cs/physics and Amazon photo/computers; OGB: Hu et al. 2020 for arxiv), the "
        "counts PyG's loaders report. Edge homophily: approximate values as reported in the "
        "heterophily literature (e.g. Zhu et al. 2020, H2GCN; Lim et al. 2021, LINKX), not "
        "recomputed here. The table lives in `archgraph.nbgraph.META_FEATURES`; the comparator "
        "reads log10 of the counts and the homophily.",
        "",
    ]
    body = [
        [d, f"{m['nodes']:,}", f"{m['edges']:,}", f"{m['features']:,}", m["classes"]]
        + [f"{m['homophily']:.2f}"]
        for d, m in ((d, META_FEATURES[d]) for d in DATASETS)
    ]
    head = ["dataset", "nodes", "edges", "features", "classes", "homophily"]
    return [*lines, *table(head, body), ""]


def _metric_table(rows: list[dict]) -> list[str]:
    from .metrics import METRICS

    by: dict[str, dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
    for r in rows:
        for m in METRICS:
            by[r["method"]][m].append(r["metrics"][m]["value"])
    body = [
        [method, *(f"{np.nanmean(by[method][m]):.3f}" for m in METRICS)]
        for method in _methods({"x": dict.fromkeys(by, 1)}, ORDER)
    ]
    return [*table(["method", *METRICS], body), ""]


def write_report(report: dict[str, Any], out: Path, stem: str) -> list[Path]:
    paths = write(out / stem, report, markdown(report))
    if any(r["protocol"] == "in_task" for r in report["rows"]):
        paths.append(
            plots.tau_vs_n(
                report["rows"],
                out / f"{stem}_tau_vs_n.png",
                f"{report['suite']}: in-task Kendall tau vs n",
            )
        )
    sc = plots.scatter(report.get("scatter", {}), out / f"{stem}_scatter.png")
    if sc:
        paths.append(sc)
    return paths


def merge_reports(files: list[str], suite: str, command: str) -> dict[str, Any]:
    parts = [json.loads(Path(f).read_text(encoding="utf-8")) for f in files]
    rows = [r for p in parts for r in p["rows"]]
    scatter = next((p["scatter"] for p in parts if p.get("scatter")), {})
    return {
        "suite": suite,
        "command": command + "  # merged from: " + "; ".join(p["command"] for p in parts),
        "machine": parts[0]["machine"],
        "started": min(p["started"] for p in parts),
        "load_start": max(p["load_start"] for p in parts),
        "load_end": max(p["load_end"] for p in parts),
        "seconds": sum(p["seconds"] for p in parts),
        "parts": len(parts),
        "config": [p["config"] for p in parts],
        "notes": sorted({n for p in parts for n in p.get("notes", [])}),
        "rows": rows,
        "scatter": scatter,
    }


def _speed_spaces(quick: bool, notes: list[str]) -> list:
    """cts, plus NAS-Bench-Graph when installed and not ``quick`` (enumerating its 26,206 archs
    alone takes seconds)."""
    from archgraph import CTS_SPACE

    if quick:
        notes.append("--quick: cts space only")
        return [CTS_SPACE]
    from archgraph.nbgraph import NBGRAPH_SPACE

    if importlib.util.find_spec("nas_bench_graph") is None:
        notes.append("nas-bench-graph not installed: nbgraph space skipped")
        return [CTS_SPACE]
    return [CTS_SPACE, NBGRAPH_SPACE]


def run_suite(suite: str, cfg: RunConfig, command: str) -> list[Path]:
    t0, started, load0 = (
        time.time(),
        time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime()),
        machine()["loadavg_1m"],
    )
    notes: list[str] = []
    out = Path(cfg.out)
    if suite == "speed":
        scfg = SpeedConfig(
            n=cfg.speed_n,
            repeats=1 if cfg.quick else 3,
            train_labels=100 if cfg.quick else 2000,
            comparator=ComparatorConfig.tiny(epochs=cfg.epochs)
            if cfg.quick
            else ComparatorConfig(epochs=cfg.epochs),
        )
        spaces = _speed_spaces(cfg.quick, notes)
        results = [speed(s, scfg, log) for s in spaces]
        report = {
            "suite": "speed",
            "command": command,
            "machine": machine(),
            "started": started,
            "load_start": load0,
            "config": asdict(scfg),
            "notes": notes,
            "results": results,
            "seconds": time.time() - t0,
        }
        report["load_end"] = machine()["loadavg_1m"]
        stem = _stem("speed", cfg)
        return write(out / stem, report, speed_markdown(report))

    if suite == "nbgraph":
        from archgraph.nbgraph import DATASETS

        datasets = [d.strip() for d in cfg.datasets.split(",") if d.strip()] or list(
            DATASETS[:2] if cfg.quick else DATASETS
        )
        data = nbgraph_data(datasets)
        notes.append(
            "task features: public dataset meta-features (log10 nodes, edges, features, "
            "classes; edge homophily), table `archgraph.nbgraph.META_FEATURES`"
        )
    elif suite == "corpus":
        data, note = corpus_data(cfg.store)
        notes.append(note)
    else:
        if not cfg.space or not cfg.labels:
            raise ValueError("--suite custom needs --space SPEC.json and --labels FILE")
        data = custom_data(cfg.space, cfg.labels, cfg.task_features)
        if not data.features:
            notes.append("no task features given: the task-aware comparator is skipped")
    targets = [t.strip() for t in cfg.tasks.split(",") if t.strip()]
    pcfg = protocol_config(cfg, targets[0] if targets else data.tasks[0])
    log(f"{suite}: {len(data.tasks)} tasks, {len(data.archs)} archs; protocols {cfg.protocols}")

    def report(rows: list[dict], scatter: dict) -> dict[str, Any]:
        return {
            "suite": suite,
            "command": command,
            "machine": machine(),
            "started": started,
            "load_start": load0,
            "load_end": machine()["loadavg_1m"],
            "seconds": time.time() - t0,
            "config": {**asdict(cfg), "comparator": asdict(pcfg.comparator)},
            "notes": notes,
            "rows": rows,
            "scatter": scatter,
        }

    stem = _stem(suite, cfg)
    partial_path = out / f"{stem}.partial.json"

    def save_partial(rows: list[dict], scatter: dict) -> None:
        write_json(partial_path, report(rows, scatter), indent=None)

    rows, scatter = run_protocols(data, cfg, pcfg, save_partial)
    paths = write_report(report(rows, scatter), out, stem)
    partial_path.unlink(missing_ok=True)
    return paths


def speed_markdown(report: dict[str, Any]) -> str:
    m = report["machine"]
    lines = [
        "# Speed benchmark",
        "",
        f"Command: `{report['command']}`",
        "",
        f"Machine: {m['platform']}, {m['cpus']} CPUs, torch {m['torch']}; 1-min load average "
        f"{report['load_start']:.1f} at start, {report['load_end']:.1f} at end (shared machine). "
        f"Medians over {report['config']['repeats']} repeats. `search` = sample + encode + "
        "score (the score head ranks in one batched pass; the concat head scores each arch "
        "against reference archs). Training: a fixed epoch budget (`--epochs`) on synthetic "
        "labels, 20% held out for validation.",
        "",
    ]
    lines += [*(f"- {n}" for n in report.get("notes", [])), ""] if report.get("notes") else []
    for res in report["results"]:
        lines += [
            f"## space `{res['space']}` ({res['n']:,} archs per stage)",
            "",
        ]
        body = []
        for name, st in res["stages"].items():
            cpu = st.get("median_cpu_s")
            body.append([name, f"{st['median_s']:.3f}", f"{st['archs_per_s']:,.0f}"])
            body[-1].append(f"{cpu:.3f}" if cpu is not None else "–")
        head = ["stage", "median wall s", "archs/s (wall)", "median process CPU s"]
        lines += [*table(head, body), ""]
        body = []
        for head, tr in res["train"].items():
            cpu = tr.get("cpu_seconds")
            body.append([f"{head} head", tr["labels"], f"{tr['seconds']:.1f}"])
            body[-1] += [f"{cpu:.1f}" if cpu is not None else "–", tr["epochs_run"]]
        lines += table(["training", "labels", "wall s", "CPU s", "epochs run"], body)
        lines.append("")
    return "\n".join(lines)


def run(cfg: RunConfig, argv: list[str] | None = None) -> list[Path]:
    command = "python -m benchmarks.run " + " ".join(shlex.quote(a) for a in (argv or []))
    if cfg.quick:
        cfg = quick_overrides(cfg)
    if cfg.merge:
        if cfg.suite in ("all", "speed"):
            raise ValueError("--merge needs one protocol suite (nbgraph, corpus or custom)")
        report = merge_reports([f for f in cfg.merge.split(",") if f], cfg.suite, command)
        return write_report(report, Path(cfg.out), _stem(cfg.suite, cfg))
    suites = [cfg.suite] if cfg.suite != "all" else ["nbgraph", "speed", "corpus", "custom"]
    written: list[Path] = []
    for suite in suites:
        if suite == "corpus" and not cfg.store:
            print("corpus suite skipped: no label store given (pass --store labels.sqlite)")
            continue
        if suite == "custom" and cfg.suite == "all" and not (cfg.space and cfg.labels):
            print("custom suite skipped: pass --space SPEC.json --labels FILE")
            continue
        if suite == "corpus":
            try:
                import contrastive.store  # noqa: F401
            except ImportError:
                print("corpus suite skipped: contrastive.store is not available in this build")
                continue
        paths = run_suite(suite, cfg, command)
        for p in paths:
            print(f"wrote {p}")
        written += paths
    return written


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    cfg = build_parser().parse(argv)
    run(cfg, argv)
    return EXIT_OK


if __name__ == "__main__":
    run_main(main)
