"""Transfer where it can exist: rankers judged by seed-averaged labels, within and across task
families of corpus v2.

For every held-out task and protocol, each ranker learns from *source* tasks' seed-averaged labels
and ranks the held-out task's labelled archs zero-shot; it is judged against the held-out task's
own seed-averaged label. Protocols (``--protocols``):

- ``within``: the sources are the other tasks of the held-out task's family (within-family LOTO);
- ``across``: the sources are every task of the other families (leave-one-family-out);
- ``all``: every other task (plain LOTO).

Rankers: ``random``, ``avg_rank`` (mean percentile rank over the sources), ``rf`` (random forest
on flat arch features + task features, fitted to per-task ranks), ``gp`` (Gaussian process on the
same rows) and T-AHC comparator variants (``gnn:fusion``; trained on the seed means with their
standard errors, so ``--pair-rule`` can discount pairs the seeds cannot tell apart).

Beside each ranker's Kendall tau: the *agreement*, a reference for what transfer can carry (mean
tau between the held-out task's labels and each source's, over shared archs; not a strict bound:
pooling several sources can beat it), and the *noise ceiling* (the tau a perfect ranker can
expect against the held-out task's noisy seed mean, from its split-half reliability,
:func:`noise_ceiling`).
The goals of corpus v2 are checked in the report: split-half tau >= .8 on every task; within
families T-AHC tau >= .8 x the within-family agreement and >= the best baseline, with the best
of its top 5 in the labelled top 3% on average.

    python -m benchmarks.family_transfer --stores corpus/v2/labels.sqlite \\
        --out benchmarks/results/family_transfer_v2
"""

from __future__ import annotations

import dataclasses
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np
from scipy.stats import kendalltau, rankdata

from benchmarks import report
from benchmarks.baselines import forest_scores, gp_scores, random_scores
from benchmarks.corpus_loto import (
    PRESET_NAME,
    TOP_K,
    _pick_stats,
    avg_rank_all,
    comparator_config,
    gated_save,
    parse_variant,
    random_top_k_percentile,
    rank_rows,
)
from benchmarks.metrics import bootstrap_ci, evaluate, shared_tau
from benchmarks.protocols import TaskSet, task_matrix, unseen_split
from cliconfig import EXIT_OK, option, parse, run_main
from predictor.config import ComparatorConfig

PROTOCOLS = ("within", "across", "all")
BASELINES = ("random", "avg_rank", "rf", "gp")
MIN_JUDGED = 10
"""Held-out tasks with fewer judged archs are skipped (and listed)."""
TOP3_GOAL = 0.03
"""The goal's "labelled top 3%": the mean percentile of the best of the top 5."""


@dataclass
class FamilyConfig:
    """Rankers judged by seed-averaged labels, within and across task families."""

    stores: str = option(
        "corpus/v2/labels.sqlite",
        "comma list of label stores (read only); a task's rows come from the first store that "
        "holds the task",
    )
    label_kind: str = option("", "rank by this metric (e.g. knn_val_mse); default: label")
    families: str = option(
        "corpus_v2",
        "task families: 'corpus_v2' (contrastive.data.CORPUS_V2_FAMILIES) or "
        "'NAME=task,task;NAME=...'; a task in no family is its own",
    )
    protocols: str = option("within,across,all", "comma list of within, across, all")
    variants: str = option("gin:film,gin:none", "T-AHC variants, comma list of gnn:fusion")
    baselines: str = option(",".join(BASELINES), "comma list of " + ", ".join(BASELINES))
    min_archs: int = option(20, "tasks with fewer seed-averaged archs are left out")
    min_seeds: int = option(1, "only archs with at least this many seeds on a task")
    drop_below: float = option(
        0.6,
        "drop a task whose seed mean over --drop-seeds seeds is predicted (Spearman-Brown from "
        "its split-half) to repeat with Kendall tau below this",
    )
    drop_seeds: int = option(4, "the seeds of the --drop-below rule")
    epochs: int = option(150, "comparator epochs")
    width: int = option(64, "comparator GNN width")
    pair_rule: Literal["none", "drop", "weight"] = option(
        "weight", "noise-aware comparator pairs (ComparatorConfig.pair_rule)"
    )
    pair_z: float = option(1.0, "--pair-rule drop threshold (SEs)")
    val_fraction: float = option(
        ComparatorConfig.val_fraction,
        "archs per task the comparator holds out for early stopping "
        "(ComparatorConfig.val_fraction; 0: trains on every arch)",
    )
    unseen_archs: float = option(
        0.0,
        "share of the archs (seeded) held out of every source task's training rows and judged "
        "alone: rankers then score archs no source labelled, as a search over sampled archs "
        "does (0: every arch is shared, the sources label the judged archs too)",
    )
    seed: int = option(
        0, "seed of comparators, forest, GP, random scores, bootstrap and --unseen-archs"
    )
    tahc_seeds: int = option(
        1,
        "comparators per T-AHC ranker, seeds --seed .. --seed+K-1, their scores' ranks "
        "averaged (1: one comparator; --ship writes one comparator, so it needs 1)",
    )
    n_boot: int = option(200, "bootstrap resamples per metric")
    ship: str | None = option(
        None,
        "write the comparator chosen by leave-one-family-out (the best 'across' mean tau among "
        "--variants) here, trained on every task but --ship-holdout",
        metavar="PATH",
    )
    ship_holdout: str = option(
        "pedestrian", "task left out of --ship's training (the main job's default task)"
    )
    ship_variant: str | None = option(None, "ship this gnn:fusion instead of the chosen one")
    ship_gate: bool = option(
        True,
        "write --ship only if the new comparator ranks --ship-holdout (Kendall tau against its "
        "seed-mean labels) at least as well as the checkpoint already at that path; "
        "--no-ship-gate writes it regardless",
    )
    out: str = option("benchmarks/results/family_transfer", "path stem of .json/.md/.png")


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def _csv(text: str) -> list[str]:
    return [p.strip() for p in text.split(",") if p.strip()]


def family_map(text: str, tasks: Sequence[str]) -> dict[str, str]:
    """``{task: family}`` for ``tasks`` from ``--families`` (see :class:`FamilyConfig`)."""
    from benchmarks.task_agreement import parse_families

    if text.strip() == "corpus_v2":
        from contrastive.data import CORPUS_V2_FAMILY_OF

        return {t: CORPUS_V2_FAMILY_OF.get(t, t) for t in tasks}
    return parse_families(text, list(tasks))


def read_stores(
    stores: Sequence[str], kind: str = "", min_seeds: int = 1
) -> tuple[list[dict], dict[str, dict[str, dict[int, float]]]]:
    """Seed-mean records and per-seed labels at each task's highest budget.

    A task's rows come from the first store that holds it (a later store's rows of that task are
    ignored), so corpus v1's store can add its tasks to v2's.

    Returns:
        ``(means, seeds)``: records ``{"arch", "task", "label", "se", "k"}`` (archs with at
        least ``min_seeds`` seeds) and ``{task: {arch_hash: {seed: label}}}``.

    Raises:
        ValueError: a store is missing or holds no ok labels.
    """
    from archgraph import CTS_SPACE
    from predictor.labels import from_store

    means: list[dict] = []
    seeds: dict[str, dict[str, dict[int, float]]] = {}
    owner: dict[str, str] = {}
    for path in stores:
        if not Path(path).is_file():
            raise ValueError(f"--stores: {path}: no such label store")
        each = from_store(path, kind=kind)
        if not each:
            raise ValueError(f"--stores: {path}: no ok labels")
        top: dict[str, float] = {}
        for r in each:
            top[r["task"]] = max(top.get(r["task"], r["budget"]), r["budget"])
        new = {t for t in top if t not in owner}
        owner.update({t: path for t in new})
        for r in each:
            if r["task"] in new and r["budget"] == top[r["task"]]:
                h = CTS_SPACE.arch_hash(r["arch"])
                seeds.setdefault(r["task"], {}).setdefault(h, {})[int(r.get("seed", 0))] = r[
                    "label"
                ]
        for r in from_store(path, kind=kind, seeds="mean"):
            if r["task"] in new and r["budget"] == top[r["task"]] and r["k"] >= min_seeds:
                means.append(r)
    return means, seeds


def noise_ceiling(
    per_seed: Mapping[str, Mapping[int, float]], at_seeds: int = 4
) -> dict[str, Any] | None:
    """The split-half repeatability of a task's seed mean (None: fewer than 5 archs share 2+
    seeds).

    The split-half runs on the seed set most repeated archs hold (an arch with a stray seed set,
    e.g. a failed seed, is left out instead of shrinking every arch's set). ``tau_at_k``: the
    predicted tau between two independent means over those seeds (the mean's reliability,
    Spearman-Brown); ``ceiling``: the tau a perfect ranker can expect against one such mean
    (correlation ``sqrt(reliability)``); ``tau_at_seeds``: the reliability of a mean over
    ``at_seeds`` seeds.
    """
    import math
    from collections import Counter

    from contrastive.repeatability import r_to_tau, split_half, tau_to_r

    sets = Counter(frozenset(s) for s in per_seed.values() if len(s) >= 2)
    if not sets:
        return None
    common = max(sets, key=lambda k: (sets[k] * len(k), len(k), sorted(k)))
    kept = {h: {k: s[k] for k in common} for h, s in per_seed.items() if common <= set(s)}
    try:
        rep = split_half(kept)
    except ValueError:
        return None
    r = tau_to_r(rep.tau_at_k)
    return {
        "ceiling": r_to_tau(math.sqrt(r)) if r > 0 else rep.tau_at_k,
        "n_archs": rep.n_archs,
        "seeds": list(rep.seeds),
        "split_tau": rep.split_tau,
        "single_tau": rep.single_tau,
        "tau_at_k": rep.tau_at_k,
        "seeds_for_08": rep.seeds_needed(0.8),
        "at_seeds": at_seeds,
        "tau_at_seeds": rep.predicted_tau(at_seeds),
    }


def sources_for(protocol: str, task: str, tasks: Sequence[str], family: Mapping[str, str]):
    """The source tasks of ``task`` under ``protocol`` (see the module docstring)."""
    if protocol == "within":
        return [t for t in tasks if t != task and family[t] == family[task]]
    if protocol == "across":
        return [t for t in tasks if family[t] != family[task]]
    if protocol == "all":
        return [t for t in tasks if t != task]
    raise ValueError(f"--protocols: unknown protocol {protocol!r}; choose from {PROTOCOLS}")


def labels_by_hash(data: TaskSet) -> dict[str, dict[str, float]]:
    """``{task: {arch_hash: seed-mean label}}`` of every labelled arch (what agreement reads)."""
    return {
        t: {data.space.arch_hash(data.archs[i]): data.labels[k, i] for i in data.labelled(t)}
        for k, t in enumerate(data.tasks)
    }


def _comparator(data: TaskSet, sources: list[str], variant: str, cfg: FamilyConfig, extra):
    from predictor.comparator import Comparator

    # FamilyConfig has the comparator fields corpus_loto's config reads (width, epochs, pair_*)
    comp = Comparator(data.space, comparator_config(variant, cfg, cfg.seed))
    recs = [r for r in extra if r["task"] in sources]
    feats = {t: data.features[t] for t in sources} if parse_variant(variant)[1] != "none" else {}
    comp.fit(recs, feats)
    return comp


def seed_ensemble_scores(
    data: TaskSet,
    sources: list[str],
    variant: str,
    cfg: FamilyConfig,
    extra: Sequence[dict],
    archs: Sequence[dict],
    feats: Any,
) -> np.ndarray:
    """Scores ``[n]`` of ``archs``: one comparator's, or with ``cfg.tahc_seeds`` > 1 the mean
    rank over comparators trained from seeds ``cfg.seed ..`` (ranks, since each net's score
    scale is its own)."""
    if cfg.tahc_seeds < 1:
        raise ValueError(f"--tahc-seeds: expected >= 1, got {cfg.tahc_seeds}")
    total = np.zeros(len(archs))
    for j in range(cfg.tahc_seeds):
        comp = _comparator(
            data, sources, variant, dataclasses.replace(cfg, seed=cfg.seed + j), extra
        )
        s = comp.score(archs, feats, validated=True)
        total += s if cfg.tahc_seeds == 1 else rankdata(s)
    return total / cfg.tahc_seeds


def evaluate_protocols(
    data: TaskSet,
    mean_records: Sequence[dict],
    family: Mapping[str, str],
    cfg: FamilyConfig,
    progress: Callable[[str], None] = log,
) -> tuple[list[dict], list[tuple[str, str, int]]]:
    """One row per (protocol, held-out task, ranker): metrics against the held-out seed means,
    the best-of-top-K percentiles and the agreement of the held-out task with its sources.

    Returns:
        ``(rows, skipped)``; ``skipped``: ``(protocol, task, judged archs)`` of held-out tasks
        with fewer than :data:`MIN_JUDGED` judged archs (a top-10 of 9 archs says nothing).
    """
    variants, methods = _csv(cfg.variants), _csv(cfg.baselines)
    bad = [m for m in methods if m not in BASELINES]
    if bad:
        raise ValueError(f"--baselines: unknown {bad}; choose from {list(BASELINES)}")
    for v in variants:
        parse_variant(v)
    if not 0.0 <= cfg.unseen_archs < 1.0:
        raise ValueError(f"--unseen-archs: expected a share in [0, 1), got {cfg.unseen_archs}")
    flat = data.flat()
    judged = unseen_split(len(data.archs), cfg.unseen_archs, cfg.seed)
    # agreement over the judged archs only: with --unseen-archs, the archs the rankers score
    keep = {data.space.arch_hash(data.archs[i]) for i in judged}
    by_task = {
        t: {h: v for h, v in m.items() if h in keep} for t, m in labels_by_hash(data).items()
    }
    src = data  # what the rankers learn from: the judged archs' columns blanked when unseen
    if cfg.unseen_archs > 0:
        labels = data.labels.copy()
        labels[:, judged] = np.nan
        src = dataclasses.replace(data, labels=labels)
        gone = {data.space.arch_hash(data.archs[i]) for i in judged}
        mean_records = [r for r in mean_records if data.space.arch_hash(r["arch"]) not in gone]
    rows: list[dict] = []
    skipped: list[tuple[str, str, int]] = []
    for protocol in _csv(cfg.protocols):
        for task in data.tasks:
            src_names = sources_for(protocol, task, data.tasks, family)
            if not src_names:
                continue
            t_idx = data.tasks.index(task)
            sources = [data.tasks.index(s) for s in src_names]
            ids = np.intersect1d(data.labelled(task), judged)
            if len(ids) < MIN_JUDGED:
                skipped.append((protocol, task, int(len(ids))))
                continue
            y = data.labels[t_idx, ids]
            taus = [shared_tau(by_task[task], by_task[s], min_n=10)[0] for s in src_names]
            taus = [t for t in taus if np.isfinite(t)]
            agree = float(np.mean(taus)) if taus else float("nan")
            x_src = y_src = x_test = None
            base = {
                "protocol": protocol,
                "task": task,
                "family": family[task],
                "sources": src_names,
                "agreement": agree,
                "n": int(len(y)),
            }

            # the sources' consensus: how closely a learnt ranker reproduces it says whether it
            # adds to, or falls short of, simply averaging the sources' ranks
            consensus = avg_rank_all(src, sources, ids)

            def add(
                method: str, scores: np.ndarray, seconds: float, base=base, y=y, c=consensus
            ) -> None:
                m = evaluate(scores, y, k_frac=0.05, n_boot=cfg.n_boot, seed=cfg.seed)
                fit = float(kendalltau(scores, c)[0]) if np.ptp(c) > 0 else float("nan")
                rows.append(
                    {**base, "method": method, "metrics": m, "seconds": seconds}
                    | _pick_stats(scores, y)
                    | {"consensus_tau": fit}
                )

            for m in methods:
                t0 = time.perf_counter()
                if m == "random":
                    # one draw per task: a shared draw makes every task's random tau move
                    # together (with --unseen-archs all tasks judge the same archs)
                    s = random_scores(len(ids), (cfg.seed, t_idx))
                elif m == "avg_rank":
                    s = consensus
                else:
                    if x_src is None:
                        x_src, y_src, x_arch = rank_rows(src, sources, ids, flat)
                        x_test = np.concatenate(
                            [x_arch, task_matrix(data, np.full(len(ids), t_idx))], 1
                        )
                    fn = forest_scores if m == "rf" else gp_scores
                    s = fn(x_src, y_src, x_test, cfg.seed)
                add(m, s, time.perf_counter() - t0)
            archs = [data.archs[i] for i in ids]
            for v in variants:
                t0 = time.perf_counter()
                feats = data.features[task] if parse_variant(v)[1] != "none" else None
                s = seed_ensemble_scores(data, src_names, v, cfg, mean_records, archs, feats)
                add(f"tahc_{v}", s, time.perf_counter() - t0)
            done = [r for r in rows if r["protocol"] == protocol and r["task"] == task]
            progress(
                f"{protocol} {task} (agreement {agree:.2f}): "
                + ", ".join(
                    f"{r['method']} {r['metrics']['kendall_tau']['value']:.2f}" for r in done
                )
            )
    return rows, skipped


def chosen_variant(summary: Mapping[str, Mapping[str, Mapping[str, float]]]) -> str | None:
    """The T-AHC variant with the best leave-one-family-out (``across``) mean tau, else the best
    of the first protocol measured; None when no T-AHC variant ran."""
    for protocol in ("across", *summary):
        tahc = {m: s for m, s in summary.get(protocol, {}).items() if m.startswith("tahc_")}
        if tahc:
            return max(tahc, key=lambda m: tahc[m]["mean_tau"])[len("tahc_") :]
    return None


def ship(
    data: TaskSet, mean_records: Sequence[dict], variant: str, cfg: FamilyConfig, path: str
) -> dict[str, Any]:
    """Train ``variant`` on every task but ``cfg.ship_holdout``; save it to ``path`` unless the
    gate keeps a checkpoint already there that ranks the holdout better.

    Returns:
        What was decided: ``shipped`` (bool), the candidate's and, when there is one, the
        incumbent's :func:`holdout_eval`, the reason, and the training settings.
    """
    if cfg.ship_holdout not in data.tasks:
        raise ValueError(f"--ship-holdout {cfg.ship_holdout!r} not in the tasks {data.tasks}")
    sources = [t for t in data.tasks if t != cfg.ship_holdout]
    comp = _comparator(data, sources, variant, cfg, mean_records)
    return {
        "path": path,
        "variant": variant,
        "tasks": sources,
        "holdout": cfg.ship_holdout,
        "width": cfg.width,
        "epochs": cfg.epochs,
        "pair_rule": cfg.pair_rule,
        "seed": cfg.seed,
        **gated_save(comp, data, cfg.ship_holdout, path, cfg.ship_gate),
    }


def _nanmean(xs: Sequence[float]) -> float:
    xs = [x for x in xs if np.isfinite(x)]
    return float(np.mean(xs)) if xs else float("nan")


def _fmt(x: float, digits: int = 2) -> str:
    return f"{x:.{digits}f}" if np.isfinite(x) else "-"


def summarize(rows: Sequence[dict]) -> dict[str, dict[str, dict[str, float]]]:
    """``{protocol: {method: means over held-out tasks}}``."""
    out: dict[str, dict[str, dict[str, float]]] = {}
    for p in dict.fromkeys(r["protocol"] for r in rows):
        out[p] = {}
        for m in dict.fromkeys(r["method"] for r in rows if r["protocol"] == p):
            rs = [r for r in rows if r["protocol"] == p and r["method"] == m]
            tau = [r["metrics"]["kendall_tau"]["value"] for r in rs]
            agreed = [t for t, r in zip(tau, rs, strict=True) if np.isfinite(r["agreement"])]
            out[p][m] = {
                "mean_tau": _nanmean(tau),
                "mean_spearman": _nanmean([r["metrics"]["spearman"]["value"] for r in rs]),
                "mean_agreement": _nanmean([r["agreement"] for r in rs]),
                "mean_consensus_tau": _nanmean([r.get("consensus_tau", np.nan) for r in rs]),
                "mean_tau_where_agreement": _nanmean(agreed),  # same tasks as mean_agreement
                "mean_pick_percentile": _nanmean([r["pick_percentile"] for r in rs]),
                **{
                    f"mean_top{k}_percentile": _nanmean([r[f"top{k}_percentile"] for r in rs])
                    for k in TOP_K
                },
                "tasks": len(rs),
            }
    return out


def paired_difference(
    rows: Sequence[dict], protocol: str, a: str, b: str, n_boot: int = 2000, seed: int = 0
) -> dict[str, Any] | None:
    """Per held-out task tau of ``a`` minus that of ``b`` under ``protocol``: the mean, a 95%
    bootstrap interval over tasks (resampled with a seeded generator) and the tasks ``a``
    leads, ties and trails; None without a task both rank."""
    tau: dict[str, dict[str, float]] = {}
    for r in rows:
        if r["protocol"] == protocol and r["method"] in (a, b):
            tau.setdefault(r["task"], {})[r["method"]] = r["metrics"]["kendall_tau"]["value"]
    both = np.array([(v[a], v[b]) for v in tau.values() if a in v and b in v], dtype=float)
    both = both[np.isfinite(both).all(1)] if len(both) else both.reshape(0, 2)
    if not len(both):
        return None
    d = both[:, 0] - both[:, 1]
    lo, hi = bootstrap_ci(
        lambda x, y: float(np.mean(x - y)), both[:, 0], both[:, 1], n_boot, 0.05, seed
    )
    return {
        "mean": float(d.mean()),
        "ci95": [float(lo), float(hi)],
        "ahead": int((d > 0).sum()),
        "tied": int((d == 0).sum()),
        "behind": int((d < 0).sum()),
        "tasks": len(d),
    }


def paired_figure(rows: Sequence[dict], protocol: str, a: str, b: str) -> str:
    p = paired_difference(rows, protocol, a, b)
    if p is None:
        return ""
    lo, hi = p["ci95"]
    return (
        f"; paired over {p['tasks']} held-out tasks {p['mean']:+.3f} (95% bootstrap "
        f"[{lo:+.3f}, {hi:+.3f}]), ahead on {p['ahead']}, behind on {p['behind']}"
    )


def goals(doc: dict) -> list[dict]:
    """The corpus v2 goals, each ``{"goal", "figure", "met"}`` (met None: not measurable)."""
    out = []
    ceil = doc["noise_ceiling"]
    have = {t: c for t, c in ceil.items() if c is not None}
    low = sorted(t for t, c in have.items() if c["tau_at_k"] < 0.8)
    out.append(
        {
            "goal": "split-half reliability of the seed-averaged label (Spearman-Brown) >= .8 "
            "on every kept task",
            "figure": (
                f"{len(have) - len(low)}/{len(have)} tasks; below: "
                + (", ".join(f"{t} {have[t]['tau_at_k']:.2f}" for t in low) or "none")
                + (f"; no repeat seeds: {len(ceil) - len(have)}" if len(ceil) > len(have) else "")
            ),
            "met": (not low and len(have) == len(ceil)) if have else None,
        }
    )
    within = doc["summary"].get("within")
    if within:
        tahc = {m: s for m, s in within.items() if m.startswith("tahc_")}
        base = {m: s for m, s in within.items() if not m.startswith("tahc_")}
        if tahc:
            best = max(tahc, key=lambda m: tahc[m]["mean_tau"])
            s = tahc[best]
            bound = 0.8 * s["mean_agreement"]
            tau_agreed = s["mean_tau_where_agreement"]
            b = max(base, key=lambda m: base[m]["mean_tau"]) if base else None
            out.append(
                {
                    "goal": "within families: T-AHC tau >= .8 x the within-family agreement",
                    "figure": f"{best} {tau_agreed:.3f} vs .8 x {s['mean_agreement']:.3f} "
                    f"= {bound:.3f} (tasks with a measured agreement)",
                    "met": bool(tau_agreed >= bound) if np.isfinite(bound) else None,
                }
            )
            if b:
                out.append(
                    {
                        "goal": "within families: T-AHC tau >= the best baseline",
                        "figure": f"{best} {s['mean_tau']:.3f} vs {b} {base[b]['mean_tau']:.3f}"
                        + paired_figure(doc["rows"], "within", best, b),
                        "met": bool(s["mean_tau"] >= base[b]["mean_tau"]),
                    }
                )
            out.append(
                {
                    "goal": "within families: best of T-AHC's top 5 in the labelled top 3%",
                    "figure": f"{best}: mean percentile {s['mean_top5_percentile']:.3f}",
                    "met": bool(s["mean_top5_percentile"] <= TOP3_GOAL),
                }
            )
    return out


def heatmap_of(doc: dict, path: str) -> None:
    from benchmarks.task_agreement import heatmap

    tau = np.array(doc["agreement"]["tau"], dtype=np.float64)
    heatmap(doc["tasks"], tau, doc["family"], Path(path), "task x task agreement (seed means)")


def markdown(doc: dict) -> str:
    """The report: goals, summary per protocol, per-task tau with agreement and ceiling."""
    rows, summ, ceil = doc["rows"], doc["summary"], doc["noise_ceiling"]
    cfg = doc["config"]
    lines = [
        "# Transfer within and across task families (seed-averaged labels)",
        "",
        f"Command: `{doc['command']}`",
        "",
        f"Stores: {', '.join(f'`{s}`' for s in _csv(cfg['stores']))}; {doc['n_archs']} distinct "
        f"archs, {len(doc['tasks'])} tasks in {len(set(doc['family'].values()))} families. "
        f"{report.machine_line(doc['machine'])}.",
        "",
        "Every ranker is judged by the held-out task's seed-averaged label. Agreement: mean "
        "Kendall tau between the held-out task's labels and each source task's over all their "
        "shared archs (a reference for what transfer can carry, not a strict bound); ceiling: "
        "the tau a perfect ranker can expect against the held-out task's noisy seed mean "
        "(from its split-half reliability).",
        "",
        (
            f"Unseen archs: a seeded {cfg['unseen_archs']:.0%} of the archs are left out of every "
            "source task's training rows, and only they are judged (rankers score archs no "
            "source labelled, as a search over sampled archs does; average rank has nothing "
            "to go on there)."
            if cfg.get("unseen_archs")
            else "Shared archs: the sources label the judged archs too (task transfer over a "
            "shared arch set; `--unseen-archs` judges archs no source labelled)."
        ),
        "",
        "## Goals",
        "",
    ]
    lines += report.table(
        ["goal", "figure", "met"],
        [
            [g["goal"], g["figure"], {True: "met", False: "missed", None: "-"}[g["met"]]]
            for g in doc["goals"]
        ],
    )
    a = doc["agreement"]["summary"]
    lines += [
        "",
        f"Task x task agreement (`{doc['heatmap']}`): within a family mean tau "
        f"{a['within_mean_tau']:.3f} over {a['within_pairs']} pairs, across families "
        f"{a['across_mean_tau']:.3f} over {a['across_pairs']} pairs.",
    ]
    fit = any("consensus_tau" in r for r in rows)  # reports older than the column lack it
    for p, methods in summ.items():
        ns = [r["n"] for r in rows if r["protocol"] == p and r["method"] == next(iter(methods))]
        lines += ["", f"## Protocol `{p}` (mean over {len(ns)} held-out tasks)", ""]
        exp = [np.mean([random_top_k_percentile(n, k) for n in ns]) for k in (1, *TOP_K)]
        body = [["random (expected)", "-", "-", *(f"{v:.3f}" for v in exp)]]
        body[0] += ["-"] * fit
        for m, s in methods.items():
            body.append(
                [m, f"{s['mean_tau']:.3f}", f"{s['mean_spearman']:.3f}"]
                + [f"{s['mean_pick_percentile']:.3f}"]
                + [f"{s[f'mean_top{k}_percentile']:.3f}" for k in TOP_K]
                + [_fmt(s.get("mean_consensus_tau", float("nan")), 3)] * fit
            )
        head = ["method", "Kendall tau", "Spearman", "top-1 pct", *(f"top {k} pct" for k in TOP_K)]
        head += ["tau with sources' avg rank"] * fit
        lines += report.table(head, body)
        lines += ["", "Kendall tau per held-out task:", ""]
        tasks = list(dict.fromkeys(r["task"] for r in rows if r["protocol"] == p))
        body = []
        for t in tasks:
            rs = {r["method"]: r for r in rows if r["protocol"] == p and r["task"] == t}
            c = ceil.get(t)
            first = next(iter(rs.values()))
            body.append(
                [t, first["family"], str(first["n"]), _fmt(first["agreement"])]
                + [f"{c['ceiling']:.2f}" if c else "-"]
                + [f"{rs[m]['metrics']['kendall_tau']['value']:.2f}" for m in methods]
            )
        lines += report.table(["task", "family", "archs", "agreement", "ceiling", *methods], body)
    lines += ["", "## Noise ceiling per task", ""]
    pp = doc["preset_percentile"]
    body = []
    for t in doc["tasks"]:
        c = ceil.get(t)
        body.append(
            [t, doc["family"][t]]
            + (
                [str(c["n_archs"]), str(len(c["seeds"])), f"{c['split_tau']:.2f}"]
                + [f"{c['single_tau']:.2f}", f"{c['tau_at_k']:.2f}", f"{c['ceiling']:.2f}"]
                + [str(c["seeds_for_08"])]
                if c
                else ["-"] * 7
            )
            + [f"{pp[t]:.2f}" if t in pp else "-"]
        )
    head = ["task", "family", "archs", "seeds", "split-half tau", "one seed (pred.)"]
    head += ["mean of the seeds", "ceiling", "seeds for .8", "preset pct"]
    lines += report.table(head, body)
    lines += [
        "",
        "One seed / mean of the seeds: the predicted tau between two independent labels of one "
        "seed / of the stored seeds' mean (Spearman-Brown from the split-half); ceiling: the tau "
        "a perfect ranker can expect against that mean. Preset pct: the share of labelled "
        "archs whose seed mean beats the TS2Vec-like preset's.",
    ]
    unchecked = [t for t in doc["tasks"] if ceil.get(t) is None]
    if doc["dropped"] or doc["left_out"] or unchecked or doc["skipped"]:
        lines += ["", "## Left out", ""]
        lines += [
            f"- {t}: kept unchecked (fewer than 5 archs share two or more seeds: no split-half)"
            for t in unchecked
        ]
        lines += [
            f"- {t}: not held out under `{p}` ({n} judged archs < {MIN_JUDGED})"
            for p, t, n in doc["skipped"]
        ]
        lines += [
            f"- {t}: dropped, its mean over {c['at_seeds']} seeds is predicted to repeat with "
            f"tau {c['tau_at_seeds']:.2f} < {cfg['drop_below']} (split-half {c['split_tau']:.2f} "
            f"over {c['n_archs']} archs)"
            for t, c in doc["dropped"].items()
        ]
        lines += [
            f"- {t}: {n} seed-averaged archs (< --min-archs {cfg['min_archs']})"
            for t, n in doc["left_out"].items()
        ]
    sh = doc.get("ship")
    if sh:

        def ev(e: dict) -> str:
            return (
                f"tau {_fmt(e['kendall_tau'])}, spearman {_fmt(e['spearman'])}, best of top 5 "
                f"at percentile {_fmt(e['top5_percentile'])} ({e['n']} archs)"
            )

        inc = sh["incumbent"]
        lines += [
            "",
            "## Shipped" if sh["shipped"] else "## Not shipped",
            "",
            f"Candidate: {sh['variant']} (the best leave-one-family-out mean tau), trained on "
            f"{len(sh['tasks'])} tasks (all but {sh['holdout']}), width {sh['width']}, "
            f"{sh['epochs']} epochs, pair rule {sh['pair_rule']}, seed {sh['seed']}. On "
            f"{sh['holdout']}, which it never saw: {ev(sh['candidate'])}.",
        ]
        if inc and "error" in inc:
            lines += ["", f"The checkpoint at `{sh['path']}` could not be read: {inc['error']}"]
        elif inc:
            lines += ["", f"The checkpoint at `{sh['path']}` ({inc['variant']}): {ev(inc)}."]
        verb = "written to" if sh["shipped"] else "not written to"
        lines += ["", f"Decision: {verb} `{sh['path']}`: {sh['reason']}."]
    return "\n".join(lines) + "\n"


@dataclass
class SeedMeanCorpus:
    """What :func:`load` reads: the kept tasks' seed means and what was set aside.

    Attributes:
        data: the kept tasks' seed-averaged labels with task features (preset left out).
        means: their records ``{"arch", "task", "label", "se", "k"}`` (what comparators read).
        ceiling: ``{task: noise_ceiling(...) or None}`` of the kept tasks.
        preset_label: the preset's seed mean per task that holds it.
        left_out: ``{task: archs}`` under ``min_archs``; dropped: ``{task: ceiling}`` under
            the ``drop_below`` rule.
    """

    data: TaskSet
    means: list[dict]
    ceiling: dict[str, dict[str, Any] | None]
    preset_label: dict[str, float]
    left_out: dict[str, int]
    dropped: dict[str, dict[str, Any]]


def load(cfg: FamilyConfig) -> SeedMeanCorpus:
    """The seed-averaged corpus of ``cfg.stores`` after the ``min_archs`` and ``drop_below``
    rules, with task features (each task loaded once)."""
    from archgraph import CTS_SPACE
    from contrastive.data import load_task
    from contrastive.presets import preset
    from predictor.tasks import TaskFeaturizer

    means, per_seed = read_stores(_csv(cfg.stores), cfg.label_kind, cfg.min_seeds)
    ph = CTS_SPACE.arch_hash(preset(PRESET_NAME))
    preset_label = {r["task"]: r["label"] for r in means if CTS_SPACE.arch_hash(r["arch"]) == ph}
    means = [r for r in means if CTS_SPACE.arch_hash(r["arch"]) != ph]
    count: dict[str, int] = {}
    for r in means:
        count[r["task"]] = count.get(r["task"], 0) + 1
    left_out = {t: n for t, n in count.items() if n < cfg.min_archs}
    means = [r for r in means if r["task"] not in left_out]
    if not means:
        raise ValueError(f"no task has >= {cfg.min_archs} seed-averaged archs: {count}")
    ceiling = {
        t: noise_ceiling({h: s for h, s in per_seed[t].items() if h != ph}, cfg.drop_seeds)
        for t in sorted({r["task"] for r in means})
    }
    dropped = {
        t: c for t, c in ceiling.items() if c is not None and c["tau_at_seeds"] < cfg.drop_below
    }
    means = [r for r in means if r["task"] not in dropped]
    if not means:
        raise ValueError(f"every task is dropped by --drop-below {cfg.drop_below}: {dropped}")
    tasks = sorted({r["task"] for r in means})
    log(
        f"{len(tasks)} tasks ({len(left_out)} left out under {cfg.min_archs} archs, "
        f"{len(dropped)} dropped by --drop-below)"
    )
    featurizer = TaskFeaturizer(None)
    feats = {t: featurizer.features(load_task(t)).stats for t in tasks}
    data = TaskSet.from_records(CTS_SPACE, means, feats)
    return SeedMeanCorpus(
        data, means, {t: ceiling[t] for t in tasks}, preset_label, left_out, dropped
    )


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    cfg = parse(FamilyConfig, argv, prog="python -m benchmarks.family_transfer")
    # after parsing: --help and usage errors load no torch
    from benchmarks.task_agreement import agreement
    from benchmarks.task_agreement import summarize as agreement_summary

    for p in _csv(cfg.protocols):
        if p not in PROTOCOLS:
            raise ValueError(f"--protocols: unknown protocol {p!r}; choose from {list(PROTOCOLS)}")
    if cfg.ship and cfg.tahc_seeds != 1:  # checked before the minutes of training, not after
        raise ValueError(
            f"--ship writes one comparator; --tahc-seeds {cfg.tahc_seeds} ranks with several"
        )
    v2 = load(cfg)
    data, means, tasks, ceiling = v2.data, v2.means, v2.data.tasks, v2.ceiling
    preset_label, left_out, dropped = v2.preset_label, v2.left_out, v2.dropped
    family = family_map(cfg.families, tasks)
    by_task = labels_by_hash(data)
    _, tau, shared = agreement(by_task, 10)
    rows, skipped = evaluate_protocols(data, means, family, cfg)
    out = Path(cfg.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    doc: dict[str, Any] = {
        "command": report.command("benchmarks.family_transfer", argv),
        "config": dict(cfg.__dict__),
        "machine": report.machine(),
        "n_archs": len(data.archs),
        "tasks": tasks,
        "family": family,
        "left_out": left_out,
        "dropped": dropped,
        "skipped": skipped,
        "preset_percentile": {
            t: float((data.labels[k, data.labelled(t)] < preset_label[t]).mean())
            for k, t in enumerate(tasks)
            if t in preset_label
        },
        "preset_label": preset_label,
        "noise_ceiling": ceiling,
        "agreement": {
            "tau": tau.tolist(),
            "shared": shared.tolist(),
            "summary": agreement_summary(tasks, tau, family),
        },
        "heatmap": out.with_suffix(".png").name,
        "summary": summarize(rows),
        "rows": rows,
    }
    doc["goals"] = goals(doc)
    doc["chosen"] = cfg.ship_variant or chosen_variant(doc["summary"])
    if cfg.ship and doc["chosen"]:
        doc["ship"] = ship(data, means, doc["chosen"], cfg, cfg.ship)
        verb = "shipped" if doc["ship"]["shipped"] else "did not ship"
        log(f"{verb} {doc['chosen']} to {cfg.ship}: {doc['ship']['reason']}")
    heatmap_of(doc, str(out.with_suffix(".png")))
    report.publish(out, doc, markdown(doc))
    log(f"wrote {out}.json, .md and .png")
    return EXIT_OK


if __name__ == "__main__":
    run_main(main)
