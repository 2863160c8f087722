"""Simulated search benchmark: the ``predictor.search --trials`` loop with stored labels as the
oracle (no training), so every surrogate can be repeated over tasks x seeds.

For each suite and each held-out task: the pool is the task's labelled archs, a trial "trains"
an arch by reading its stored label, and the loop (:func:`predictor.smbo.smbo`, the same code
as the real search, with no mutations: a mutant has no stored label) runs ``--trials`` trials in
batches of ``--batch`` for each surrogate of :mod:`predictor.surrogates` and each of
``--seeds`` search seeds:

- ``random``: random search; ``rf``: RF-SMBO; ``gp``: GP-SMBO (expected improvement), both
  with a random first batch; ``zeroshot``: the zero-shot comparator's ranking, never refitted;
  ``comparator``: comparator-SMBO (zero-shot first batch, then fine-tuned on the target's labels
  and blended with its prior by a cross-validated weight).

The zero-shot prior is a comparator (GIN, FiLM on task features) trained on the OTHER tasks'
labels only: leave one task out. Metrics per trial count ``t``: the best-found label's
percentile in the pool (share of the pool's archs strictly better; random search expects
``1 / (t + 1)``) and its regret (best-found minus the pool's best, in label units), averaged
over tasks x seeds with 95% bootstrap intervals (resampling the task-seed cells).

Suites: ``corpus`` (corpus v1 in ``corpus/labels.sqlite``, the rows
:func:`benchmarks.corpus_loto.load` reads: seed 0, top budget, the preset left out),
``corpus_v2`` (the seed-averaged labels of ``--v2-stores``, as :func:`benchmarks.family_transfer.load`
reads them; ``--prior-sources within`` trains each prior on the held-out task's family only,
``across`` on the other families), ``nbgraph``
(all 26,206 NAS-Bench-Graph archs of each of the 8 datasets; priors trained on
``--nb-source-archs`` archs of each other dataset) and ``custom`` (the ``--suite custom``
example space of ``benchmarks/examples``).

    python -m benchmarks.search_sim --out benchmarks/results/search_sim
    python -m benchmarks.search_sim --quick --suites custom --out /tmp/sim   # seconds
"""

from __future__ import annotations

import json
import os
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np

from benchmarks.protocols import TaskSet, unseen_split
from benchmarks.report import machine
from cliconfig import EXIT_ERROR, EXIT_OK, ConfigParser, option, parser_for, run_main
from predictor.features import arch_features, max_nodes
from predictor.smbo import LoopConfig, StoreSlot, best_so_far, smbo
from predictor.surrogates import SURROGATES, ArchMemo, make_surrogate

SUITES = ("corpus", "corpus_v2", "nbgraph", "custom")
REPORT_AT = (1, 5, 10, 20, 30, 50)


@dataclass
class SimConfig:
    """The settings of ``python -m benchmarks.search_sim`` (one flag each)."""

    suites: str = option("corpus,nbgraph,custom", f"comma list of {list(SUITES)}")
    methods: str = option(",".join(SURROGATES), f"comma list of {list(SURROGATES)}")
    trials: int = option(50, "trials per search")
    batch: int = option(5, "trials per surrogate refit")
    seeds: int = option(10, "search seeds per task")
    tasks: str = option("", "held-out tasks (default: every task)")
    store: str = option("corpus/labels.sqlite", "corpus label store")
    label_kind: str = option("", "corpus: rank this metric (e.g. knn_val_mse)")
    v2_stores: str = option(
        "corpus/v2/labels.sqlite",
        "corpus_v2: label stores (comma list), seed-averaged as benchmarks.family_transfer reads",
    )
    v2_min_archs: int = option(20, "corpus_v2: tasks with fewer seed-averaged archs left out")
    prior_sources: Literal["all", "within", "across"] = option(
        "all",
        "the prior's source tasks: every other task, the held-out task's family (within) or "
        "the other families (across; families as --families)",
    )
    families: str = option("corpus_v2", "task families of --prior-sources (family_transfer's)")
    unseen_pool: float = option(
        0.0,
        "a seeded share of the archs is the held-out task's search pool and is "
        "left out of the prior's training, so the prior ranks archs no source labelled, as in "
        "predictor.search (0: the prior trains on the sources' labels of the pool's archs)",
    )
    custom_space: str = option("benchmarks/examples/cell_spec.json", "custom: the space (JSON)")
    custom_labels: str = option("benchmarks/examples/labels.jsonl", "custom: the labels (JSONL)")
    custom_features: str = option(
        "benchmarks/examples/task_features.json", "custom: the task features (JSON)"
    )
    prior_epochs: int = option(150, "zero-shot prior (comparator) training epochs")
    prior_width: int = option(64, "zero-shot prior (comparator) GNN width")
    nb_source_archs: int = option(300, "nbgraph: prior training archs of each other dataset")
    trees: int = option(50, "RF-SMBO forest size")
    finetune_epochs: int = option(60, "comparator-SMBO fine-tuning epochs")
    n_boot: int = option(1000, "bootstrap resamples")
    quick: bool = option(False, "tiny settings for a test (seconds)")
    parts_only: bool = option(
        False, "report only the tasks already finished in OUT.parts/ (search none)"
    )
    prior_cache: str = option(
        "",
        "keep each held-out task's trained prior in DIR and reuse it (same settings)",
        metavar="DIR",
    )
    parts: str = option(
        "",
        "the finished tasks' folder (default OUT.parts): another report can reuse them",
        metavar="DIR",
    )
    out: str = option("benchmarks/results/search_sim", "path stem of the .json / .md / PNGs")


def build_parser() -> ConfigParser[SimConfig]:
    """The parser of ``python -m benchmarks.search_sim`` (generated from :class:`SimConfig`)."""
    return parser_for(
        SimConfig, prog="python -m benchmarks.search_sim", description=__doc__.split("\n")[0]
    )


def quick(cfg: SimConfig) -> SimConfig:
    """The ``--quick`` sizes: 12 trials, 2 seeds, a 10-epoch prior of width 16."""
    cfg.trials, cfg.batch, cfg.seeds = min(cfg.trials, 12), min(cfg.batch, 4), min(cfg.seeds, 2)
    cfg.prior_epochs, cfg.prior_width, cfg.nb_source_archs = 10, 16, 60
    cfg.trees, cfg.finetune_epochs, cfg.n_boot = 10, 20, 100
    return cfg


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def suite_data(suite: str, cfg: SimConfig) -> TaskSet:
    """The labelled archs of a suite (see the module docstring)."""
    if suite == "corpus":
        from benchmarks.corpus_loto import load

        return load(cfg.store, cfg.label_kind)[0]
    if suite == "corpus_v2":
        from benchmarks.family_transfer import FamilyConfig, load

        v2 = FamilyConfig(
            stores=cfg.v2_stores, label_kind=cfg.label_kind, min_archs=cfg.v2_min_archs
        )
        return load(v2).data
    if suite == "nbgraph":
        from archgraph.nbgraph import DATASETS
        from benchmarks.run import nbgraph_data

        return nbgraph_data(list(DATASETS))
    if suite == "custom":
        from benchmarks.run import custom_data

        return custom_data(cfg.custom_space, cfg.custom_labels, cfg.custom_features)
    raise ValueError(f"unknown suite {suite!r}; choose from {list(SUITES)}")


def prior_sources(data: TaskSet, held: str, cfg: SimConfig) -> list[str]:
    """The tasks the prior of ``held`` trains on (``--prior-sources``)."""
    from benchmarks.family_transfer import family_map, sources_for

    family = family_map(cfg.families, data.tasks)
    out = sources_for(cfg.prior_sources, held, data.tasks, family)
    if not out:
        raise ValueError(f"--prior-sources {cfg.prior_sources}: {held} has no source task")
    return out


def pool_ids(data: TaskSet, cfg: SimConfig) -> np.ndarray:
    """Arch indices of the held-out tasks' search pools: all of them, or with ``--unseen-pool``
    a seeded share (seed 0) that no prior trains on."""
    if not 0.0 <= cfg.unseen_pool < 1.0:
        raise ValueError(f"--unseen-pool: expected a share in [0, 1), got {cfg.unseen_pool}")
    if cfg.unseen_pool == 0:
        return np.zeros(0, np.int64)
    return unseen_split(len(data.archs), cfg.unseen_pool, 0)


def search_pool(data: TaskSet, task: str, cfg: SimConfig) -> np.ndarray:
    """The arch indices ``task``'s simulated search draws from: its labelled archs, with
    ``--unseen-pool`` only those of :func:`pool_ids`."""
    idx = data.labelled(task)
    return np.intersect1d(idx, pool_ids(data, cfg)) if cfg.unseen_pool > 0 else idx


def prior_records(
    data: TaskSet, held: str, cfg: SimConfig, source_archs: int = 0
) -> list[dict[str, Any]]:
    """The labels a prior for ``held`` trains on: its source tasks' (:func:`prior_sources`),
    without the archs of the search pool (``--unseen-pool``); ``source_archs`` > 0: that many
    archs of each source, drawn with a seeded Generator."""
    rng = np.random.default_rng(0)
    recs = []
    sources = prior_sources(data, held, cfg)
    for t, task in enumerate(data.tasks):
        if task not in sources:
            continue
        idx = np.setdiff1d(data.labelled(task), pool_ids(data, cfg))  # no pool arch
        if source_archs and len(idx) > source_archs:
            idx = np.sort(rng.choice(idx, source_archs, replace=False))
        recs += [{"arch": data.archs[i], "task": task, "label": data.labels[t, i]} for i in idx]
    return recs


def train_prior(data: TaskSet, held: str, cfg: SimConfig, source_archs: int = 0) -> Any:
    """A comparator trained on :func:`prior_records`."""
    from predictor.comparator import Comparator, ComparatorConfig

    recs = prior_records(data, held, cfg, source_archs)
    sources = prior_sources(data, held, cfg)
    fusion = "film" if data.features else "none"
    comp = Comparator(
        data.space,
        ComparatorConfig(fusion=fusion, width=cfg.prior_width, epochs=cfg.prior_epochs, seed=0),
    )
    feats = {t: data.features[t] for t in sources} if data.features else {}
    comp.fit(recs, feats)
    return comp


def cached_prior(
    data: TaskSet, suite: str, held: str, cfg: SimConfig, source_archs: int = 0
) -> tuple[Any, float]:
    """:func:`train_prior`, read from ``cfg.prior_cache`` when it holds one made with the same
    settings (and written there when it did not). Returns ``(comparator, training CPU s)``;
    the CPU is the stored training's when the prior was read."""
    import hashlib

    from predictor.comparator import Comparator

    if not cfg.prior_cache:
        c0 = time.process_time()
        return train_prior(data, held, cfg, source_archs), time.process_time() - c0
    keep = ("prior_epochs", "prior_width", "store", "label_kind", "custom_labels")
    sig = json.dumps(
        {**{k: getattr(cfg, k) for k in keep}, "source_archs": source_archs}
        | _v2_keys(cfg, suite, data)
    )
    tag = hashlib.sha256(sig.encode()).hexdigest()[:12]
    path = Path(cfg.prior_cache) / f"{suite}_{held}_{tag}.pt"
    meta = path.with_suffix(".cpu.json")
    if path.is_file() and meta.is_file():
        return Comparator.load(path, data.space), float(json.loads(meta.read_text())["cpu_s"])
    c0 = time.process_time()
    comp = train_prior(data, held, cfg, source_archs)
    cpu = time.process_time() - c0
    comp.save(path)
    meta.write_text(json.dumps({"cpu_s": cpu, "settings": json.loads(sig)}) + "\n")
    return comp, cpu


def sim_surrogate(
    method: str,
    space: Any,
    comp: Any,
    task_feat: Any,
    seed: int,
    features: ArchMemo,
    embed: ArchMemo,
    finetune_epochs: int = SimConfig.finetune_epochs,
    trees: int = SimConfig.trees,
) -> Any:
    """The benchmark's surrogate ``method`` for one search seed (shared memoised rows)."""
    options = {"rf": {"trees": trees}, "comparator": {"epochs": finetune_epochs}}
    return make_surrogate(
        method,
        space,
        comp=comp,
        task=task_feat,
        seed=seed,
        features=features,
        embeddings=embed,
        **options.get(method, {}),
    )


def simulate_task(
    data: TaskSet, held: str, comp: Any, cfg: SimConfig, methods: list[str]
) -> list[dict]:
    """Every method x seed on one held-out task; one row per run with its curves."""
    space = data.space
    t = data.tasks.index(held)
    idx = search_pool(data, held, cfg)
    archs = [data.archs[i] for i in idx]
    y = data.labels[t, idx]
    hashes = [space.arch_hash(a) for a in archs]
    oracle = {id(a): float(v) for a, v in zip(archs, y, strict=True)}
    width = max_nodes(space, archs) if not space.name.startswith("nbgraph") else None
    features = ArchMemo(lambda a: arch_features(space, a, max_nodes=width))
    features(archs)  # the pool's rows, once
    task_feat = data.features[held] if data.features else None
    embed = ArchMemo(lambda a: comp.embeddings(a, task_feat, validated=True))
    embed(archs)
    trials = min(cfg.trials, len(archs))
    rows = []
    for method in methods:
        for seed in range(cfg.seeds):
            surrogate = sim_surrogate(
                method,
                space,
                comp,
                task_feat,
                seed,
                features,
                embed,
                cfg.finetune_epochs,
                cfg.trees,
            )
            loop = LoopConfig(trials, cfg.batch, mutations=0, seed=seed)
            t0 = time.process_time()
            done, _ = smbo(
                space,
                surrogate,
                lambda a: {"status": "ok", "label": oracle[id(a)]},
                archs,
                loop,
                StoreSlot(None, held, 0, seed),
                candidate_hashes=hashes,
            )
            curve = np.array(best_so_far(done))
            rows.append(
                {
                    "task": held,
                    "method": method,
                    "seed": seed,
                    "pool": len(archs),
                    "percentile": [float((y < b).mean()) for b in curve],
                    "regret": [float(b - y.min()) for b in curve],
                    "cpu_s": time.process_time() - t0,
                    **(
                        {"blend_weight": getattr(surrogate, "weight", None)}
                        if method == "comparator"
                        else {}
                    ),
                }
            )
    return rows


def bootstrap(cells: np.ndarray, n_boot: int, seed: int = 0) -> tuple[float, float, float]:
    """Mean of ``cells [c]`` and its 95% percentile-bootstrap interval."""
    rng = np.random.default_rng(seed)
    means = cells[rng.integers(0, len(cells), (n_boot, len(cells)))].mean(1)
    return float(cells.mean()), float(np.quantile(means, 0.025)), float(np.quantile(means, 0.975))


def summarise(rows: list[dict], methods: list[str], trials: int, n_boot: int) -> dict:
    """``{metric: {method: [[mean, lo, hi] per trial count 1..trials]}}`` over task-seed cells."""
    out: dict[str, dict[str, list]] = {}
    for metric in ("percentile", "regret"):
        out[metric] = {}
        for m in methods:
            cells = np.array([r[metric][:trials] for r in rows if r["method"] == m])  # [c, T]
            out[metric][m] = [list(bootstrap(cells[:, k], n_boot, k)) for k in range(trials)]
    return out


def goals(suite: str, rows: list[dict], summary: dict, methods: list[str]) -> list[dict]:
    """The issue's goals that apply to ``suite``, each with its figures and met/missed."""
    pct = {m: [v[0] for v in summary["percentile"][m]] for m in methods}
    need = {"random", "rf", "gp", "comparator"}
    out = []
    if suite in ("corpus", "corpus_v2") and need <= set(methods) and len(pct["comparator"]) >= 20:
        c10, r10 = pct["comparator"][9], pct["random"][9]
        out.append(
            {
                "goal": "10 trials: comparator-SMBO best-found percentile <= half of random's "
                "and below RF-SMBO's and GP-SMBO's",
                "figures": {m: pct[m][9] for m in methods},
                "met": bool(c10 <= r10 / 2 and c10 < pct["rf"][9] and c10 < pct["gp"][9]),
            }
        )
        others = [m for m in methods if m != "comparator"]
        behind = [
            (k + 1, m) for k in range(4, 20) for m in others if pct["comparator"][k] >= pct[m][k]
        ]
        out.append(
            {
                "goal": "comparator-SMBO ahead of every other method at every budget 5..20",
                "figures": {"budgets_not_ahead": [f"{k}: {m}" for k, m in behind]},
                "met": not behind,
            }
        )
    if suite == "nbgraph" and {"comparator", "gp"} <= set(methods):
        per = {}
        for task in sorted({r["task"] for r in rows}):
            runs = [r for r in rows if r["task"] == task and r["method"] == "comparator"]
            per[task] = float(np.mean([min(r["percentile"]) < 0.01 for r in runs]))
        rnd = {
            task: float(
                np.mean(
                    [
                        min(r["percentile"]) < 0.01
                        for r in rows
                        if r["task"] == task and r["method"] == "random"
                    ]
                )
            )
            for task in per
        }
        found = sum(v >= 0.5 for v in per.values())
        out.append(
            {
                "goal": "comparator-SMBO finds a top-1% arch within the trials on >= 6 of 8 "
                "datasets (counted where at least half the seeds do)",
                "figures": {"comparator_rate": per, "random_rate": rnd, "datasets": found},
                "met": bool(found >= 6),
            }
        )
        last = len(pct["comparator"]) - 1
        out.append(
            {
                "goal": "comparator-SMBO ahead of GP-SMBO (mean best-found percentile at the "
                "last trial)",
                "figures": {"comparator": pct["comparator"][last], "gp": pct["gp"][last]},
                "met": bool(pct["comparator"][last] < pct["gp"][last]),
            }
        )
    return out


def plot(suite: str, summary: dict, path: Path, title: str) -> Path:
    """Two panels: best-found percentile (log scale) and regret vs trials, 95% bands."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(10, 3.8))
    for ax, metric in zip(axes, ("percentile", "regret"), strict=True):
        for m, vals in summary[metric].items():
            v = np.array(vals)  # [T, 3]
            x = np.arange(1, len(v) + 1)
            ax.plot(x, v[:, 0], label=m)
            ax.fill_between(x, v[:, 1], v[:, 2], alpha=0.2)
        ax.set_xlabel("trials")
        ax.set_ylabel(f"best-found {metric}" + (" (0 = best)" if metric == "percentile" else ""))
        if metric == "percentile":
            ax.set_yscale("symlog", linthresh=0.01)
        ax.grid(alpha=0.3)
    axes[0].legend(fontsize=8)
    fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def data_fingerprint(data: TaskSet) -> str:
    """A hash of a suite's tasks, archs and labels: parts and priors computed from a store
    that has grown since (a running sweep) are not reused."""
    import hashlib

    h = hashlib.sha256(json.dumps(data.tasks).encode())
    h.update("".join(data.space.arch_hash(a) for a in data.archs).encode())
    h.update(np.ascontiguousarray(data.labels, dtype=np.float64).tobytes())
    return h.hexdigest()[:16]


def _v2_keys(cfg: SimConfig, suite: str, data: TaskSet | None = None) -> dict:
    """The settings only corpus v2 and ``--prior-sources`` runs depend on (absent otherwise, so
    the parts and priors of earlier runs stay valid); corpus v2 adds its data's fingerprint."""
    out = {}
    if suite == "corpus_v2":
        out |= {"v2_stores": cfg.v2_stores, "v2_min_archs": cfg.v2_min_archs}
        if data is not None:
            out["v2_data"] = data_fingerprint(data)
    if cfg.prior_sources != "all":
        out |= {"prior_sources": cfg.prior_sources, "families": cfg.families}
    if cfg.unseen_pool > 0:
        out["unseen_pool"] = cfg.unseen_pool
    return out


def _signature(cfg: SimConfig, suite: str, data: TaskSet | None = None) -> dict:
    """The settings a task's stored part must match to be reused (its methods may differ:
    the rows of the methods asked for are reused, the missing methods are computed)."""
    keep = ("trials", "batch", "seeds", "store", "label_kind", "prior_epochs", "prior_width")
    keep += ("nb_source_archs", "trees", "finetune_epochs", "custom_labels")
    return {k: getattr(cfg, k) for k in keep} | _v2_keys(cfg, suite, data)


def run_suite(suite: str, cfg: SimConfig, methods: list[str]) -> dict:
    """Every held-out task of ``suite``; each task's rows are kept in ``OUT.parts/`` as it
    finishes, so a stopped run (or runs over different ``--tasks`` with the same ``--out``)
    continues: a rerun reads the parts whose settings match and computes the rest."""
    data = suite_data(suite, cfg)
    tasks = [t for t in (cfg.tasks.split(",") if cfg.tasks else data.tasks) if t in data.tasks]
    if not tasks:
        raise ValueError(f"{suite}: none of the tasks {cfg.tasks!r} is in {data.tasks}")
    rows, prior_s = [], []
    source = cfg.nb_source_archs if suite == "nbgraph" else 0
    parts = Path(cfg.parts or f"{cfg.out}.parts")
    missing: list[str] = []
    no_source: list[str] = []
    for held in tasks:
        tag = "" if cfg.prior_sources == "all" else f"_{cfg.prior_sources}"
        part = parts / f"{suite}_{held}{tag}.json"
        sig = _signature(cfg, suite, data)
        done = json.loads(part.read_text()) if part.is_file() else None
        kept: list[dict] = []
        if done is not None:
            old = {k: v for k, v in done["signature"].items() if k != "methods"}
            kept = done["rows"] if old == sig else []
        todo = [m for m in methods if not any(r["method"] == m for r in kept)]
        if not todo:
            rows += [r for r in kept if r["method"] in methods]
            prior_s.append(done["prior_cpu_s"])
            log(f"{suite} {held}: read from {part}")
            continue
        if cfg.parts_only:
            missing.append(held)
            continue
        try:
            prior_sources(data, held, cfg)
        except ValueError as err:  # alone in its family (within): no prior to judge
            no_source.append(held)
            log(f"{suite} {held}: skipped, {err}")
            continue
        comp, cpu = cached_prior(data, suite, held, cfg, source)
        prior_s.append(cpu)
        task_rows = kept + simulate_task(data, held, comp, cfg, todo)
        rows += [r for r in task_rows if r["method"] in methods]
        parts.mkdir(parents=True, exist_ok=True)
        tmp = part.with_suffix(".tmp")
        sig = {**sig, "methods": sorted({r["method"] for r in task_rows})}
        doc = {"signature": sig, "prior_cpu_s": prior_s[-1], "rows": task_rows}
        tmp.write_text(json.dumps(doc, default=float))
        tmp.replace(part)  # whole or absent: a killed run never leaves half a part
        log(
            f"{suite} {held}: prior {prior_s[-1]:.0f} s CPU; at {min(10, cfg.trials)} trials "
            + ", ".join(
                f"{m} {np.mean([r['percentile'][min(10, cfg.trials) - 1] for r in rows if r['task'] == held and r['method'] == m]):.3f}"
                for m in methods
            )
        )
    tasks = [t for t in tasks if t not in missing and t not in no_source]
    if not rows:
        raise ValueError(f"{suite}: no finished task in {parts}")
    trials = min(len(r["percentile"]) for r in rows)
    summary = summarise(rows, methods, trials, cfg.n_boot)
    return {
        "suite": suite,
        "tasks": tasks,
        "tasks_not_run": missing,
        "tasks_without_sources": no_source,
        "pool_sizes": {t: int(len(search_pool(data, t, cfg))) for t in tasks},
        "trials": trials,
        "prior_cpu_s": prior_s,
        "search_cpu_s": {
            m: float(sum(r["cpu_s"] for r in rows if r["method"] == m)) for m in methods
        },
        "summary": summary,
        "goals": goals(suite, rows, summary, methods),
        "rows": rows,
    }


def markdown(doc: dict) -> str:
    lines = [
        "# Simulated search: best-found percentile and regret vs trials (stored labels as oracle)",
        "",
        f"Command: `{doc['command']}`  ",
        f"Machine: {doc['machine']['processor']}, {doc['machine']['cpus']} CPUs, load average "
        f"{doc['loadavg_start'][0]:.1f} at the start, {doc['loadavg_end'][0]:.1f} at the end; "
        f"{doc['wall_s'] / 60:.1f} min wall, {doc['cpu_s'] / 60:.1f} min CPU.  ",
        f"Settings: {doc['config']['trials']} trials in batches of {doc['config']['batch']} "
        f"(one surrogate refit per batch), {doc['config']['seeds']} search seeds per task; "
        "intervals: 95% bootstrap over task x seed cells. Percentile: share of the pool "
        "strictly better than the best found (random search expects 1 / (t + 1)); regret in "
        "label units (corpus: the label's val MSE; NAS-Bench-Graph: 1 - accuracy).",
        "",
    ]
    share = doc["config"].get("unseen_pool", 0.0)
    if share:
        lines += [
            f"Unseen pool: each held-out task searches a seeded {share:.0%} of the archs, and "
            "no prior trained on any task's labels of those archs (the prior ranks archs it "
            "never saw, as `predictor.search` does).",
            "",
        ]
    for s in doc["suites"]:
        lines += [f"## {s['suite']} ({len(s['tasks'])} held-out tasks)", ""]
        if s.get("tasks_not_run"):
            lines += [
                f"Not run (no finished part in OUT.parts/): {', '.join(s['tasks_not_run'])}.",
                "",
            ]
        if s.get("tasks_without_sources"):
            lines += [
                "Not run (no source task for the prior under --prior-sources): "
                f"{', '.join(s['tasks_without_sources'])}.",
                "",
            ]
        for g in s["goals"]:
            lines.append(
                f"- **{'met' if g['met'] else 'missed'}**: {g['goal']}: `{json.dumps(g['figures'], default=float)}`"
            )
        if s["goals"]:
            lines.append("")
        at = [k for k in REPORT_AT if k <= s["trials"]]
        for metric in ("percentile", "regret"):
            lines += [
                f"Best-found {metric}, mean [95% interval]:",
                "",
                "| method | " + " | ".join(f"{k} trials" for k in at) + " | search CPU s |",
                "|---|" + "---|" * (len(at) + 1),
            ]
            for m, vals in s["summary"][metric].items():
                cells = [
                    f"{vals[k - 1][0]:.3f} [{vals[k - 1][1]:.3f}, {vals[k - 1][2]:.3f}]" for k in at
                ]
                lines.append(f"| {m} | " + " | ".join(cells) + f" | {s['search_cpu_s'][m]:.0f} |")
            lines.append("")
        lines += [
            f"Pools: {s['pool_sizes']}; priors trained in {sum(s['prior_cpu_s']):.0f} s CPU.",
            f"![{s['suite']}]({Path(s['plot']).name})",
            "",
        ]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser()
    cfg = parser.parse(argv)
    if cfg.quick:
        cfg = quick(cfg)
    methods = [m for m in cfg.methods.split(",") if m]
    bad = [m for m in methods if m not in SURROGATES] + [
        s for s in cfg.suites.split(",") if s not in SUITES
    ]
    if bad:
        parser.error(f"unknown method or suite {bad}")
    if cfg.trials < 1 or cfg.batch < 1 or cfg.seeds < 1:
        parser.error("--trials, --batch and --seeds must be >= 1")
    import torch

    torch.set_num_threads(1)
    out = Path(cfg.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    t0, c0, load0 = time.time(), time.process_time(), os.getloadavg()
    doc: dict[str, Any] = {
        "command": "python -m benchmarks.search_sim " + " ".join(argv),
        "machine": machine(),
        "loadavg_start": list(load0),
        "config": asdict(cfg),
        "suites": [],
    }
    try:
        for suite in cfg.suites.split(","):
            log(f"suite {suite} ...")
            s = run_suite(suite, cfg, methods)
            s["plot"] = str(
                plot(
                    suite,
                    s["summary"],
                    out.parent / f"{out.name}_{suite}.png",
                    f"{suite}: {len(s['tasks'])} held-out tasks x {cfg.seeds} seeds",
                )
            )
            doc["suites"].append(s)
    except ValueError as err:
        print(f"error: {err}", file=sys.stderr)
        return EXIT_ERROR
    doc.update(wall_s=time.time() - t0, cpu_s=time.process_time() - c0)
    doc["loadavg_end"] = list(os.getloadavg())
    out.with_suffix(".json").write_text(json.dumps(doc, default=float) + "\n")
    out.with_suffix(".md").write_text(markdown(doc))
    print(markdown(doc))
    return EXIT_OK


if __name__ == "__main__":
    run_main(main)
