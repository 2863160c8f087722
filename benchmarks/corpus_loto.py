"""Leave-one-task-out (LOTO) benchmark of comparator variants on the label corpus.

For every held-out task, every comparator variant (``gnn:fusion``) is trained on the other tasks'
labels and ranks the held-out task's labelled archs zero-shot. Baselines, given the same data:
``random``, ``avg_rank`` (an arch's mean rank over the source tasks; archs labelled only on the
held-out task get the median rank) and ``rf`` (a random forest on flat arch features + task
features, fitted to per-task percentile ranks). The TS2Vec-like preset is a fixed pick: its label
on the held-out task (when the store holds it) is compared with each method's top-1 pick.

Metrics per held-out task (all archs labelled on it): Kendall tau, Spearman, precision@5%, top-1
regret (pick's val MSE minus the best's), the pick's percentile (0 = best), whether it lands in
the labelled top 10%, and the percentile of the best label among each method's top 3/5/10 (what
``predictor.search --train-top K`` trains) beside its exact expectation for random picks.
``--label-kind`` ranks a metric of the rows instead of their label; ``--judge-kind`` trains on
one kind and scores against another. The variant with the best mean LOTO tau is the one to ship (``--ship``:
train it on all tasks but ``--ship-holdout`` and write the checkpoint).

``--train-picks``: for the chosen variant, run the real zero-shot search on each held-out task
(``--search-n`` sampled archs), train its top-1 with ``contrastive.protocol.label`` at the
store's default protocol and compare the val MSE with the preset's.

Example (the command behind ``benchmarks/results/corpus_loto.md``)::

    python -m benchmarks.corpus_loto --store corpus/labels.sqlite \\
        --variants gin:film,gin:concat \\
        --out benchmarks/results/corpus_loto --train-picks --ship predictor/checkpoints/default.pt
"""

from __future__ import annotations

import dataclasses
import sys
import time
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

from benchmarks import report
from benchmarks.baselines import random_scores, rank_matrix, regressor_scores
from benchmarks.metrics import evaluate, shared_tau
from benchmarks.protocols import TaskSet, records, task_matrix
from benchmarks.report import machine
from cliconfig import EXIT_OK, ConfigParser, option, parser_for, run_main
from predictor.config import ComparatorConfig

PRESET_NAME = "ts2vec"


@dataclass
class LotoConfig:
    """Leave-one-task-out benchmark of comparator variants on the label corpus."""

    store: str = option("corpus/labels.sqlite", "the label store (SQLite), read only")
    label_kind: str = option("", "rank by this metric (e.g. knn_val_mse); default: label")
    judge_kind: str = option(
        "",
        "score the rankings against this metric instead of the one trained on (e.g. a "
        "comparator trained on the ridge label, judged by knn_val_mse)",
        metavar="METRIC",
    )
    having: str = option(
        "", "only rows with this metric (compare label kinds on the same rows)", metavar="METRIC"
    )
    variants: str = option("gin:film,gin:none", "comma list of gnn:fusion")
    tasks: str = option("", "held-out tasks (default: all)")
    epochs: int = option(150, "comparator epochs")
    width: int = option(64, "comparator GNN width")
    seed: int = option(0, "seed of comparators, forest, random scores and bootstrap")
    n_boot: int = option(200, "bootstrap resamples per metric")
    out: str = option("benchmarks/results/corpus_loto", "path stem")
    train_picks: bool = option(False, "train each held-out task's zero-shot search winner")
    search_n: int = option(20000, "--train-picks: archs a search samples")
    ship: str | None = option(None, "write the chosen comparator here", metavar="PATH")
    ship_holdout: str = option("pedestrian", "task left out of --ship")
    ship_variant: str | None = option(None, "ship this gnn:fusion instead of the LOTO winner")
    ship_gate: bool = option(
        True,
        "write --ship only if it ranks --ship-holdout at least as well (Kendall tau) as the "
        "checkpoint already there; --no-ship-gate writes it regardless",
    )
    train_seeds: Literal["first", "mean"] = option(
        "first",
        "comparators train on seed 0's labels (first) or on each arch's mean over its stored "
        "seeds (mean); rankings are judged by seed 0's labels either way",
    )
    pair_rule: Literal["none", "drop", "weight"] = option(
        "none", "noise-aware training pairs (ComparatorConfig.pair_rule)"
    )
    pair_z: float = option(1.0, "--pair-rule drop threshold (SEs)")
    val_fraction: float = option(
        ComparatorConfig.val_fraction,
        "archs per task the comparator holds out for early stopping "
        "(ComparatorConfig.val_fraction; 0: trains on every arch)",
    )


def build_parser() -> ConfigParser[LotoConfig]:
    """The parser of ``python -m benchmarks.corpus_loto`` (generated from :class:`LotoConfig`)."""
    return parser_for(
        LotoConfig, prog="python -m benchmarks.corpus_loto", description=__doc__.split("\n")[0]
    )


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def seed_noise(recs: list[dict], space: Any) -> dict[str, dict[str, float]]:
    """Per task, Kendall tau between training seeds 0 and 1 over the archs labelled with both.

    This bounds what any ranker can reach against one seed's labels: a perfect model of the
    expected label agrees with a single noisy label only about as well as two seeds agree.
    """
    by: dict[tuple[str, int], dict[str, float]] = {}
    for r in recs:
        by.setdefault((r["task"], r.get("seed", 0)), {})[space.arch_hash(r["arch"])] = r["label"]
    out = {}
    for task in sorted({t for t, _ in by}):
        a, b = by.get((task, 0), {}), by.get((task, 1), {})
        tau, n = shared_tau(a, b, min_n=5)
        if n >= 5:
            out[task] = {"tau": tau, "n_archs": n}
    return out


def _top_budget_records(store: str, kind: str = "", having: str = "") -> list[dict]:
    """Every seed's ok records at each task's highest budget."""
    from predictor.labels import from_store

    recs = from_store(store, kind=kind, having=having)
    if not recs:
        raise ValueError(f"{store}: no ok labels")
    top: dict[str, float] = {}
    for r in recs:
        top[r["task"]] = max(top.get(r["task"], r["budget"]), r["budget"])
    return [r for r in recs if r["budget"] == top[r["task"]]]


def load(
    store: str, kind: str = "", having: str = ""
) -> tuple[TaskSet, dict[str, float], dict[str, dict[str, float]]]:
    """Seed-0 labels at each task's highest budget (other seeds only measure noise, or join
    training with ``--train-seeds mean``: :func:`other_seed_records`), the task features, the
    preset's label per task (removed from the ranked archs) and the seed noise."""
    from archgraph import CTS_SPACE
    from contrastive.data import load_task
    from contrastive.presets import preset
    from predictor.tasks import TaskFeaturizer

    recs = _top_budget_records(store, kind, having)
    noise = seed_noise(recs, CTS_SPACE)
    recs = [r for r in recs if r.get("seed", 0) == 0]
    ph = CTS_SPACE.arch_hash(preset(PRESET_NAME))
    preset_label = {r["task"]: r["label"] for r in recs if CTS_SPACE.arch_hash(r["arch"]) == ph}
    recs = [r for r in recs if CTS_SPACE.arch_hash(r["arch"]) != ph]
    featurizer = TaskFeaturizer(None)
    tasks = sorted({r["task"] for r in recs})
    feats = {t: featurizer.features(load_task(t)).stats for t in tasks}
    return TaskSet.from_records(CTS_SPACE, recs, feats), preset_label, noise


def other_seed_records(store: str, kind: str = "", having: str = "") -> list[dict]:
    """The records of training seeds other than 0 (same budget rule, preset removed), which
    ``--train-seeds mean`` adds to training so each arch's label is its seed mean with an SE."""
    from archgraph import CTS_SPACE
    from contrastive.presets import preset

    ph = CTS_SPACE.arch_hash(preset(PRESET_NAME))
    return [
        r
        for r in _top_budget_records(store, kind, having)
        if r.get("seed", 0) != 0 and CTS_SPACE.arch_hash(r["arch"]) != ph
    ]


def parse_variant(text: str) -> tuple[str, str]:
    gnn, _, fusion = text.partition(":")
    if not gnn or not fusion:
        raise ValueError(f"--variants: {text!r} is not gnn:fusion (e.g. gin:film)")
    return gnn, fusion


def comparator_config(variant: str, cfg: LotoConfig, seed: int):
    from predictor.comparator import ComparatorConfig

    gnn, fusion = parse_variant(variant)
    return ComparatorConfig(
        gnn=gnn,
        fusion=fusion,
        width=cfg.width,
        epochs=cfg.epochs,
        seed=seed,
        pair_rule=cfg.pair_rule,
        pair_z=cfg.pair_z,
        val_fraction=cfg.val_fraction,
    )


def fit_variant(
    data: TaskSet,
    tasks: list[str],
    variant: str,
    cfg: LotoConfig,
    extra: Sequence[dict] = (),
):
    """A comparator of ``variant`` trained on every labelled arch of ``tasks``; ``extra``
    records (other training seeds) of those tasks join in, so archs with several seeds train on
    their seed mean (with its SE for ``--pair-rule``)."""
    from predictor.comparator import Comparator

    recs = [r for t in tasks for r in records(data, t, data.labelled(t))]
    recs += [r for r in extra if r["task"] in tasks]
    comp = Comparator(data.space, comparator_config(variant, cfg, cfg.seed))
    feats = {t: data.features[t] for t in tasks} if parse_variant(variant)[1] != "none" else {}
    comp.fit(recs, feats)
    return comp


TOP_K = (3, 5, 10)
"""Shortlist sizes scored by the best of their labels (what ``predictor.search --train-top``
trains)."""


def _pick_stats(scores: np.ndarray, y: np.ndarray) -> dict[str, float]:
    """Top-1 pick of ``scores [n]`` (higher better) against labels ``y [n]`` (lower better),
    and for each K in :data:`TOP_K` the percentile of the best label among the top K."""
    i = int(np.argmax(scores))
    pct = float((y < y[i]).mean())  # share of archs strictly better than the pick
    order = np.argsort(-scores, kind="stable")
    return {
        "pick_label": float(y[i]),
        "best_label": float(y.min()),
        "pick_percentile": pct,
        "pick_in_top10": bool(pct < 0.10),
        "relative_regret": float(y[i] / y.min() - 1.0),
        **{f"top{k}_percentile": float((y < y[order[:k]].min()).mean()) for k in TOP_K},
    }


def holdout_eval(comp: Any, data: TaskSet, task: str) -> dict[str, float]:
    """How comparator ``comp`` ranks ``task``'s labelled archs: Kendall tau and Spearman
    against ``data``'s labels and the best-of-top-K percentiles (``task`` need not be one it
    saw in training)."""
    ids = data.labelled(task)
    y = data.labels[data.tasks.index(task), ids]
    feats = data.features[task] if comp.config.fusion != "none" else None
    s = comp.score([data.archs[i] for i in ids], feats, validated=True)
    m = evaluate(s, y, k_frac=0.05, n_boot=0)
    return {
        "kendall_tau": m["kendall_tau"]["value"],
        "spearman": m["spearman"]["value"],
        "n": int(len(ids)),
        **{k: v for k, v in _pick_stats(s, y).items() if k.endswith("_percentile")},
    }


def gated_save(comp: Any, data: TaskSet, holdout: str, path: str, gate: bool) -> dict[str, Any]:
    """Save ``comp`` to ``path`` unless (``gate``) the checkpoint already there ranks
    ``holdout`` better, by Kendall tau; a checkpoint that cannot be read is replaced.

    Returns:
        ``shipped`` (bool), ``reason``, ``candidate`` and ``incumbent`` (:func:`holdout_eval`
        with the incumbent's ``variant``, ``{"error": ...}``, or None when there was none).
    """
    from pathlib import Path

    from predictor.comparator import Comparator

    out: dict[str, Any] = {"candidate": holdout_eval(comp, data, holdout), "incumbent": None}
    if gate and Path(path).exists():
        try:
            old = Comparator.load(path, data.space)
            out["incumbent"] = holdout_eval(old, data, holdout)
            out["incumbent"]["variant"] = f"{old.config.gnn}:{old.config.fusion}"
        except ValueError as e:
            out["incumbent"] = {"error": str(e)}
    new_tau = out["candidate"]["kendall_tau"]
    old_tau = (out["incumbent"] or {}).get("kendall_tau")
    if old_tau is not None and not new_tau >= old_tau:
        reason = f"the checkpoint there ranks {holdout} better (tau {old_tau:.3f} vs {new_tau:.3f})"
        return {**out, "shipped": False, "reason": reason + "; kept it"}
    comp.save(path)
    if not gate:
        reason = "--no-ship-gate"
    elif out["incumbent"] is None:
        reason = "no checkpoint there"
    elif old_tau is None:
        reason = "the checkpoint there could not be read"
    else:
        reason = f"ranks {holdout} at least as well (tau {new_tau:.3f} vs {old_tau:.3f})"
    return {**out, "shipped": True, "reason": reason}


def random_top_k_percentile(n: int, k: int) -> float:
    """Expected percentile (share strictly better) of the best of ``k`` archs drawn at random
    from ``n`` with distinct labels: the minimum rank of k draws averages ``(n + 1) / (k + 1)``."""
    return (n - k) / (n * (k + 1))


def avg_rank_all(data: TaskSet, sources: list[int], ids: np.ndarray) -> np.ndarray:
    """Higher = better on average over the sources; unseen archs get the median."""
    ranks = rank_matrix(data.labels[sources][:, ids])  # [S, m] percentile ranks, NaN unseen
    with warnings.catch_warnings():  # archs seen on no source: all-NaN columns, median below
        warnings.simplefilter("ignore", RuntimeWarning)
        mean = np.nanmean(np.where(np.isfinite(data.labels[sources][:, ids]), ranks, np.nan), 0)
    mean = np.where(np.isfinite(mean), mean, np.nanmedian(mean) if np.isfinite(mean).any() else 0)
    return -mean


def judged(data: TaskSet, judge: TaskSet) -> TaskSet:
    """``data`` with the labels of ``judge`` (same tasks; archs matched by hash), for scoring
    rankings learnt from ``data``'s labels against another label kind."""
    if judge.tasks != data.tasks:
        raise ValueError(f"judge tasks {judge.tasks} differ from {data.tasks}")
    where = {data.space.arch_hash(a): i for i, a in enumerate(judge.archs)}
    hashes = [data.space.arch_hash(a) for a in data.archs]
    missing = [h for h in hashes if h not in where]
    if missing:
        raise ValueError(f"{len(missing)} archs lack the judge label (first {missing[0][:12]})")
    cols = [where[h] for h in hashes]
    return dataclasses.replace(data, labels=judge.labels[:, cols])  # same archs: flat rows hold


def rank_rows(
    data: TaskSet, sources: list[int], ids: np.ndarray, flat: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Feature rows (flat arch + task features) and per-task rank targets of the sources'
    labelled archs, and the flat rows of the held-out archs ``ids`` (for the forest and the GP).
    """
    pairs, ranks = [], []
    for s in sources:
        sid = data.labelled(data.tasks[s])
        pairs.append(np.stack([sid, np.full(len(sid), s)], 1))
        ranks.append(rank_matrix(data.labels[s, sid][None])[0])
    p = np.concatenate(pairs)
    x_src = np.concatenate([flat[p[:, 0]], task_matrix(data, p[:, 1])], 1)
    return x_src, np.concatenate(ranks), flat[ids]


def loto(
    data: TaskSet,
    preset_label: dict[str, float],
    cfg: LotoConfig,
    judge: TaskSet | None = None,
    extra: Sequence[dict] = (),
) -> list[dict]:
    """Rows per held-out task and method; rankings learnt from ``data`` (comparators also from
    the ``extra`` seeds' records, see :func:`fit_variant`), scored against ``judge``'s labels
    (``judged(data, ...)``; default: ``data`` itself)."""
    judge = judge or data
    variants = [v.strip() for v in cfg.variants.split(",") if v.strip()]
    held = [t.strip() for t in cfg.tasks.split(",") if t.strip()] or data.tasks
    flat = data.flat()
    rows = []
    for task in held:
        t_idx = data.tasks.index(task)
        sources = [i for i in range(len(data.tasks)) if i != t_idx]
        ids = data.labelled(task)
        ids = ids[np.isfinite(judge.labels[t_idx, ids])]
        y = judge.labels[t_idx, ids]
        shared = np.isfinite(data.labels[sources][:, ids]).any(0)  # labelled on a source too

        def add(method: str, scores: np.ndarray, seconds: float, task=task, y=y, shared=shared):
            m = evaluate(scores, y, k_frac=0.05, n_boot=cfg.n_boot, seed=cfg.seed)
            unseen = ~shared
            row = {
                "task": task,
                "method": method,
                "n": int(len(y)),
                "metrics": m,
                "seconds": seconds,
                **_pick_stats(scores, y),
            }
            if unseen.sum() >= 5:
                sub = evaluate(scores[unseen], y[unseen], n_boot=0, seed=cfg.seed)
                row["tau_unseen_archs"] = sub["kendall_tau"]["value"]
                row["n_unseen_archs"] = int(unseen.sum())
            if task in preset_label:
                row["preset_label"] = preset_label[task]
                row["pick_beats_preset"] = bool(row["pick_label"] < preset_label[task])
            rows.append(row)

        add("random", random_scores(len(ids), (cfg.seed, t_idx)), 0.0)  # a draw per task
        add("avg_rank", avg_rank_all(data, sources, ids), 0.0)
        t0 = time.perf_counter()
        x_src, y_src, x_arch = rank_rows(data, sources, ids, flat)
        x_test = np.concatenate([x_arch, task_matrix(data, np.full(len(ids), t_idx))], 1)
        rf = regressor_scores("rf", x_src, y_src, x_test, cfg.seed)
        add("rf", rf, time.perf_counter() - t0)
        src_names = [data.tasks[s] for s in sources]
        archs = [data.archs[i] for i in ids]
        for v in variants:
            t0 = time.perf_counter()
            comp = fit_variant(data, src_names, v, cfg, extra)
            feats = data.features[task] if parse_variant(v)[1] != "none" else None
            s = comp.score(archs, feats, validated=True)
            add(f"tahc_{v}", s, time.perf_counter() - t0)
        log(
            f"{task}: "
            + ", ".join(
                f"{r['method']} {r['metrics']['kendall_tau']['value']:.3f}"
                for r in rows
                if r["task"] == task
            )
        )
    return rows


def summarize(rows: list[dict]) -> dict[str, dict[str, float]]:
    out: dict[str, dict[str, float]] = {}
    for m in dict.fromkeys(r["method"] for r in rows):
        rs = [r for r in rows if r["method"] == m]
        out[m] = {
            "mean_tau": float(np.mean([r["metrics"]["kendall_tau"]["value"] for r in rs])),
            "mean_spearman": float(np.mean([r["metrics"]["spearman"]["value"] for r in rs])),
            "mean_precision_at_5pct": float(
                np.mean([r["metrics"]["precision_at_k"]["value"] for r in rs])
            ),
            "pick_in_top10": int(sum(r["pick_in_top10"] for r in rs)),
            "mean_pick_percentile": float(np.mean([r["pick_percentile"] for r in rs])),
            **{
                f"mean_top{k}_percentile": float(np.mean([r[f"top{k}_percentile"] for r in rs]))
                for k in TOP_K
                if all(f"top{k}_percentile" in r for r in rs)
            },
            "pick_beats_preset": int(sum(r.get("pick_beats_preset", False) for r in rs)),
            "tasks": len(rs),
        }
        unseen = [r["tau_unseen_archs"] for r in rs if "tau_unseen_archs" in r]
        if unseen:
            out[m]["mean_tau_unseen_archs"] = float(np.mean(unseen))
    return out


def store_label_kind(store: str) -> str:
    """The one ``label_kind`` the store's ok rows record (what ``from_store(kind="")`` ranks)."""
    from contrastive.store import LabelStore

    with LabelStore(store, readonly=True) as s:  # reads only: never a write lock or a WAL switch
        kinds = s.label_kinds()
    if len(kinds) != 1:
        raise ValueError(f"{store}: expected one label kind in its rows, found {sorted(kinds)}")
    return kinds.pop()


def train_picks(
    data: TaskSet,
    variant: str,
    cfg: LotoConfig,
    held: list[str],
    judge: TaskSet | None = None,
    extra: Sequence[dict] = (),
) -> list[dict]:
    """Zero-shot search with the LOTO comparator, then train its winner (and compare).

    The pick is scored by the metric the rankings are judged by (``cfg.judge_kind``, else
    ``cfg.label_kind``, else the store's own label kind), never by the training default's
    label, which may differ.
    """
    from contrastive.config import TrainConfig
    from contrastive.data import load_task
    from contrastive.protocol import label
    from predictor.search import search

    kind = cfg.judge_kind or cfg.label_kind or store_label_kind(cfg.store)
    out = []
    for task in held:
        sources = [t for t in data.tasks if t != task]
        comp = fit_variant(data, sources, variant, cfg, extra)
        feats = data.features[task] if parse_variant(variant)[1] != "none" else None
        top, timings = search(comp, feats, cfg.search_n, 1, cfg.seed)
        rec = label(top[0]["arch"], load_task(task), TrainConfig(seed=0))
        y = (judge or data).labels[data.tasks.index(task)]
        y = y[np.isfinite(y)]
        value = rec.get(kind) if rec["status"] == "ok" else None
        ok = value is not None and bool(np.isfinite(value))
        row = {
            "task": task,
            "hash": top[0]["hash"],
            "status": rec["status"],
            "label_kind": kind,
            "label": value if ok else None,
            "val_mse": rec.get("val_mse"),
            "test_mse": rec.get("test_mse"),
            "percentile_among_labelled": float((y < value).mean()) if ok else None,
            "search_s": timings["total_s"],
        }
        out.append(row)
        log(f"trained pick on {task}: {row}")
    return out


def markdown(doc: dict) -> str:
    """The report of a result document: summary, best of the top K, per-task tau and picks."""
    rows, summ = doc["rows"], doc["summary"]
    methods = list(summ)
    tasks = list(dict.fromkeys(r["task"] for r in rows))
    lines = [
        "# Leave-one-task-out ranking on the label corpus",
        "",
        f"Command: `{doc['command']}`",
        "",
        f"Store: `{doc['store']}`; {doc['n_archs']} distinct archs, tasks: {', '.join(tasks)}. "
        f"Machine: {doc['machine']['processor']}, {doc['machine']['cpus']} CPUs, torch "
        f"{doc['machine']['torch']}, load average {doc['machine']['loadavg_1m']:.1f} at the start.",
        "",
        "## Summary (mean over held-out tasks)",
        "",
    ]
    head = ["method", "Kendall tau", "Spearman", "precision@5%", "tau on unseen archs"]
    head += ["top-1 in labelled top 10%", "top-1 beats preset"]
    body = []
    for m in methods:
        s = summ[m]
        body.append(
            [m, f"{s['mean_tau']:.3f}", f"{s['mean_spearman']:.3f}"]
            + [f"{s['mean_precision_at_5pct']:.3f}"]
            + [f"{s.get('mean_tau_unseen_archs', float('nan')):.3f}"]
            + [f"{s['pick_in_top10']}/{s['tasks']}", f"{s['pick_beats_preset']}/{s['tasks']}"]
        )
    lines += report.table(head, body)
    if all(f"mean_top{k}_percentile" in summ[m] for m in methods for k in TOP_K):
        ns = [r["n"] for r in rows if r["method"] == methods[0]]
        lines += [
            "",
            "## Best of the top K (what `predictor.search --train-top K` trains)",
            "",
            "Percentile among labelled of the best label in each method's top K (0 = best), mean "
            "over held-out tasks. `random (expected)` is the exact expectation for K archs drawn "
            "at random; the `random` row is one draw.",
            "",
        ]
        expected = [np.mean([random_top_k_percentile(n, k) for n in ns]) for k in (1, *TOP_K)]
        body = [["random (expected)", *(f"{v:.3f}" for v in expected)]]
        for m in methods:
            s = summ[m]
            body.append(
                [m, f"{s['mean_pick_percentile']:.3f}"]
                + [f"{s[f'mean_top{k}_percentile']:.3f}" for k in TOP_K]
            )
        lines += report.table(["method", "top 1", *(f"top {k}" for k in TOP_K)], body)
    noise = doc.get("seed_noise", {})
    lines += [
        "",
        "## Kendall tau per held-out task (95% bootstrap interval)",
        "",
        "Last column: the label noise ceiling, Kendall tau between two training seeds' labels "
        "over the repeat-seed archs (their count in brackets); a ranker scored against one "
        "seed's labels can rarely beat it.",
        "",
    ]
    body = []
    for t in tasks:
        nz = noise.get(t)
        cells = []
        for m in methods:
            r = next(r for r in rows if r["task"] == t and r["method"] == m)
            k = r["metrics"]["kendall_tau"]
            cells.append(f"{k['value']:.2f} [{k['lo']:.2f}, {k['hi']:.2f}]")
        body.append([t, *cells, f"{nz['tau']:.2f} ({nz['n_archs']})" if nz else "-"])
    lines += report.table(["task", *methods, "seed 0 vs 1"], body)
    lines += ["", "## Top-1 pick per held-out task: percentile among labelled (0 = best)", ""]
    conf = doc.get("config", {})
    name = conf.get("judge_kind") or conf.get("label_kind") or "label"
    body = []
    for t in tasks:
        rs = [next(r for r in rows if r["task"] == t and r["method"] == m) for m in methods]
        pre = rs[0].get("preset_label")
        body.append(
            [t, f"{rs[0]['best_label']:.3f}", f"{pre:.3f}" if pre is not None else "-"]
            + [f"{r['pick_percentile']:.2f} ({r['pick_label']:.3f})" for r in rs]
        )
    lines += report.table(["task", f"best {name}", f"preset {name}", *methods], body)
    if doc.get("picks"):
        lines += [
            "",
            f"## Zero-shot search ({doc['search_n']} sampled archs) with `{doc['chosen']}`, "
            "its top-1 trained",
            "",
        ]
        pl = doc["preset_label"]
        body = []
        for p in doc["picks"]:
            v = p.get("label", p["val_mse"])
            pre = pl.get(p["task"])
            if v is None:
                body.append([p["task"], "failed", "-", "-", "-"])
                continue
            body.append(
                [p["task"], f"{v:.3f}", f"{pre:.3f}" if pre is not None else "-"]
                + ["yes" if pre is not None and v < pre else "no"]
                + [f"{p['percentile_among_labelled']:.2f}"]
            )
        kind = doc["picks"][0].get("label_kind", "val_mse")
        head = ["task", f"label ({kind})", "preset label", "beats preset"]
        lines += report.table([*head, "percentile among labelled"], body)
    if doc.get("shipped"):
        lines += ["", f"Shipped: {doc['shipped']}"]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    cfg = build_parser().parse(argv)
    data, preset_label, noise = load(cfg.store, cfg.label_kind, cfg.having)
    log(f"{len(data.archs)} archs, tasks {data.tasks}, preset labelled on {len(preset_label)}")
    judge = None
    if cfg.judge_kind:
        jdata, preset_label, noise = load(cfg.store, cfg.judge_kind, cfg.having)
        judge = judged(data, jdata)
    extra = (
        other_seed_records(cfg.store, cfg.label_kind, cfg.having)
        if cfg.train_seeds == "mean"
        else []
    )
    if extra:
        log(f"training on seed means: {len(extra)} records of other seeds join seed 0's")
    rows = loto(data, preset_label, cfg, judge, extra)
    summ = summarize(rows)
    tahc = {m: s for m, s in summ.items() if m.startswith("tahc_")}
    chosen = cfg.ship_variant or (
        max(tahc, key=lambda m: tahc[m]["mean_tau"])[len("tahc_") :] if tahc else None
    )
    doc: dict[str, Any] = {
        "command": report.command("benchmarks.corpus_loto", argv),
        "store": cfg.store,
        "config": dict(cfg.__dict__),
        "machine": machine(),
        "n_archs": len(data.archs),
        "preset_label": preset_label,
        "seed_noise": noise,
        "summary": summ,
        "chosen": chosen,
        "search_n": cfg.search_n,
        "rows": rows,
    }
    held = [t.strip() for t in cfg.tasks.split(",") if t.strip()] or data.tasks
    if cfg.train_picks and chosen:
        doc["picks"] = train_picks(data, chosen, cfg, held, judge, extra)
    if cfg.ship and chosen:
        if cfg.ship_holdout not in data.tasks:
            raise ValueError(f"--ship-holdout {cfg.ship_holdout!r} not in {data.tasks}")
        comp = fit_variant(
            data, [t for t in data.tasks if t != cfg.ship_holdout], chosen, cfg, extra
        )
        gate = gated_save(comp, data, cfg.ship_holdout, cfg.ship, cfg.ship_gate)
        verb = "wrote" if gate["shipped"] else "did not write"
        doc["shipped"] = (
            f"{verb} `{cfg.ship}`: {chosen}, trained on {len(data.tasks) - 1} tasks "
            f"(all but {cfg.ship_holdout}), width {cfg.width}, {cfg.epochs} epochs, seed {cfg.seed}"
            f"; {gate['reason']}"
        )
        doc["ship"] = gate
        log(doc["shipped"])
    report.write(cfg.out, doc, markdown(doc))
    log(f"wrote {cfg.out}.json and {cfg.out}.md")
    return EXIT_OK


if __name__ == "__main__":
    run_main(main)
