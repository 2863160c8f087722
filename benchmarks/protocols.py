"""Benchmark protocols over a :class:`TaskSet` (labelled archs of several tasks of one space).

- :func:`split` / :func:`permutation_split`: the seeded test/train splits every protocol uses.
- :func:`in_task`: train on ``n`` archs of one task, test on held-out archs of it (tau vs n).
- :func:`zero_shot`: leave one task out; train on the others; rank the held-out task's archs
  from its task features only (no label of it).
- :func:`few_shot`: as zero-shot plus ``K`` labelled probe archs of the held-out task. Our
  comparator is FINE-TUNED on the K probes (warm start from the zero-shot model, validation =
  the probes themselves since K is too small to split) and keeps the zero-shot weights unless a
  fine-tuned epoch orders the probes strictly better; ``finetune_check="cv"`` instead picks the
  number of epochs, zero included, by two-fold cross-validation over the probes
  (:func:`finetune`; rows say ``kept``). Baselines pick/fit with the probes.
- :func:`speed`: sample / encode / score / search throughput (archs/s) and training time.

Every protocol returns rows ``{"protocol", "task", "method", "n" | "k", "seed", "metrics",
"seconds"}`` (seeds run ``cfg.seed .. cfg.seed + seeds - 1``, so a later seed can be added as a
separate part) where ``metrics`` is :func:`benchmarks.metrics.evaluate`'s dict. Methods:

``random``; ``avg_rank`` (average-rank transfer from the other tasks); ``best_source_hindsight``
(the single other task whose ranking is best on the test labels: an oracle pick);
``best_source_probe`` (few-shot: the source picked by tau on the K probes); ``rf`` / ``gb`` /
``mlp`` (scikit-learn on :func:`predictor.features.flat_features`; in zero/few-shot trained on
the pooled sources' per-task percentile ranks with the task features appended); ``tahc`` (our
comparator; in-task it has one task so its task branch is constant and it IS the no-task
model); ``tahc_notask`` (the comparator with ``fusion="none"``, i.e. without the task branch).
"""

from __future__ import annotations

import copy
import os
import statistics
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from archgraph.base import GraphSpace
from predictor.comparator import Comparator, ComparatorConfig
from predictor.features import flat_features
from predictor.labels import aggregate

from .baselines import (
    average_rank_scores,
    best_source_scores,
    random_scores,
    rank_matrix,
    regressor_scores,
)
from .metrics import evaluate, kendall_tau

Row = dict[str, Any]
Log = Callable[[str], None]


@dataclass
class TaskSet:
    """Labelled archs of several tasks over one space.

    Attributes:
        space: the arch space.
        archs: ``n`` distinct canonical archs.
        tasks: ``T`` task names.
        labels: ``[T, n]`` float64, lower is better, NaN where an arch is unlabelled on a task.
        features: ``{task: [S] float32}`` task features, or ``None`` when there are none.
        noise: measured label noise (median std over repeated labels; 0 if none).
    """

    space: GraphSpace
    archs: list[dict]
    tasks: list[str]
    labels: np.ndarray
    features: dict[str, np.ndarray] | None = None
    noise: float = 0.0
    _flat: np.ndarray | None = field(default=None, repr=False)

    @classmethod
    def from_records(
        cls,
        space: GraphSpace,
        records: Iterable[Mapping[str, Any]],
        features: Mapping[str, Any] | None = None,
    ) -> TaskSet:
        """Build from records ``{"arch", "task", "label"}`` (lower better; repeats averaged)."""
        grouped, noise = aggregate(space, records)
        if not grouped:
            raise ValueError("no labelled records")
        index: dict[str, int] = {}
        archs: list[dict] = []
        per_task = {}
        for task in sorted(grouped):
            a_list, labels = grouped[task]
            ids = []
            for a in a_list:
                h = space.arch_hash(a)
                if h not in index:
                    index[h] = len(archs)
                    archs.append(a)
                ids.append(index[h])
            per_task[task] = (np.array(ids, dtype=np.int64), labels)
        tasks = sorted(per_task)
        mat = np.full((len(tasks), len(archs)), np.nan)
        for t, task in enumerate(tasks):
            ids, labels = per_task[task]
            mat[t, ids] = labels
        feats = None
        if features:
            missing = [t for t in tasks if t not in features]
            if missing:
                raise ValueError(f"task features are missing for tasks {missing}")
            feats = {t: np.asarray(features[t], dtype=np.float32).reshape(-1) for t in tasks}
        return cls(space, archs, tasks, mat, feats, noise)

    def labelled(self, task: str) -> np.ndarray:
        """Indices ``[m]`` of the archs labelled on ``task``."""
        return np.flatnonzero(np.isfinite(self.labels[self.tasks.index(task)]))

    def flat(self) -> np.ndarray:
        """``[n, D]`` flat features of every arch (computed once)."""
        if self._flat is None:
            self._flat = flat_features(self.space, self.archs, validated=True)
        return self._flat


@dataclass
class ProtocolConfig:
    """Settings shared by the protocols (grids, sizes, bootstrap, comparator)."""

    n_grid: tuple[int, ...] = (50, 100, 200, 500)
    k_grid: tuple[int, ...] = (5, 10, 20)
    seeds: int = 3
    transfer_seeds: int = 1
    max_test: int = 2000
    source_archs: int = 500
    n_boot: int = 100
    noise: float = 0.0
    k_frac: float = 0.05
    regressors: tuple[str, ...] = ("rf", "gb", "mlp")
    small_regressors: bool = False
    comparator: ComparatorConfig = field(default_factory=ComparatorConfig)
    task_fusion: str = "film"
    finetune_epochs: int = 30
    finetune_check: str = "probes"  # how few-shot decides to keep the zero-shot weights: finetune
    scatter_task: str | None = None
    seed: int = 0


def _nolog(msg: str) -> None:
    pass


def _row(
    protocol: str,
    task: str,
    method: str,
    seed: int,
    scores: np.ndarray,
    labels: np.ndarray,
    cfg: ProtocolConfig,
    seconds: float,
    **extra: Any,
) -> Row:
    metrics = evaluate(
        scores, labels, noise=cfg.noise, k_frac=cfg.k_frac, n_boot=cfg.n_boot, seed=seed
    )
    return {
        "protocol": protocol,
        "task": task,
        "method": method,
        "seed": seed,
        **extra,
        "metrics": metrics,
        "seconds": seconds,
        "n_test": int(len(labels)),
    }


def records(
    data: TaskSet, task: str, ids: np.ndarray, labels: np.ndarray | None = None
) -> list[dict]:
    """Label records ``{"arch", "task", "label"}`` of the archs ``ids [m]`` on ``task``: their
    stored labels, or ``labels [m]`` when given (what :meth:`Comparator.fit` reads)."""
    row = data.labels[data.tasks.index(task)]
    vals = row[ids] if labels is None else labels
    return [
        {"arch": data.archs[i], "task": task, "label": float(v)}
        for i, v in zip(ids, vals, strict=True)
    ]


def split(data: TaskSet, task: str, seed: int, max_test: int) -> tuple[np.ndarray, np.ndarray]:
    """``(test, pool)`` arch indices of ``task``: a seeded permutation, test first (at most
    ``max_test`` and at most half of the labelled archs). The split of the protocols below."""
    ids = data.labelled(task)
    rng = np.random.default_rng([seed, data.tasks.index(task)])
    perm = ids[rng.permutation(len(ids))]
    n_test = min(max_test, len(ids) // 2)
    return perm[:n_test], perm[n_test:]


def permutation_split(n: int, n_train: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """``(train [n_train], test [n - n_train])`` indices of a pool of ``n`` archs: the first
    ``n_train`` of ``default_rng(seed).permutation(n)`` and the rest.

    The split of the fixed-pool in-task runs (``benchmarks.nbgraph_intask``: every
    NAS-Bench-Graph dataset labels the same 26,206 archs, so one seed draws the same training
    archs on every dataset, and a larger ``n_train`` extends a smaller one's training set).
    """
    if not 0 <= n_train <= n:
        raise ValueError(f"n_train must be in [0, {n}] (the pool), got {n_train}")
    perm = np.random.default_rng(seed).permutation(n)
    return perm[:n_train], perm[n_train:]


def _fit_comparator(
    data: TaskSet, records: list[dict], features: Mapping[str, Any], config: ComparatorConfig
) -> tuple[Comparator, float]:
    comp = Comparator(data.space, config)
    t0 = time.perf_counter()
    comp.fit(records, features)
    return comp, time.perf_counter() - t0


def in_task(
    data: TaskSet, cfg: ProtocolConfig, tasks: Sequence[str] | None = None, log: Log = _nolog
) -> tuple[list[Row], dict[str, Any]]:
    """Sample efficiency: for each task, seed and ``n`` in ``cfg.n_grid``, train on ``n`` archs
    and test on the task's held-out archs (the same test set for every ``n`` of a seed; training
    sets are nested).

    Returns:
        ``(rows, scatter)`` where ``scatter`` holds predicted-vs-true arrays of ``tahc`` and
        ``rf`` at the middle ``n`` for ``cfg.scatter_task`` (first seed), for the plot.
    """
    rows: list[Row] = []
    scatter: dict[str, Any] = {}
    flat = data.flat()
    for task in tasks or data.tasks:
        t_idx = data.tasks.index(task)
        y_all = data.labels[t_idx]
        others = [i for i in range(len(data.tasks)) if i != t_idx]
        for seed in range(cfg.seed, cfg.seed + cfg.seeds):
            test, pool = split(data, task, seed, cfg.max_test)
            y_test = y_all[test]
            rows.append(
                _row(
                    "in_task",
                    task,
                    "random",
                    seed,
                    random_scores(len(test), seed),
                    y_test,
                    cfg,
                    0.0,
                    n=0,
                )
            )
            if others:
                t0 = time.perf_counter()
                s = average_rank_scores(data.labels[others][:, test])
                rows.append(
                    _row(
                        "in_task",
                        task,
                        "avg_rank",
                        seed,
                        s,
                        y_test,
                        cfg,
                        time.perf_counter() - t0,
                        n=0,
                    )
                )
            for n in cfg.n_grid:
                if n > len(pool):
                    log(f"in_task {task}: n={n} skipped (only {len(pool)} training archs)")
                    continue
                train = pool[:n]
                for kind in cfg.regressors:
                    t0 = time.perf_counter()
                    s = regressor_scores(
                        kind, flat[train], y_all[train], flat[test], seed, cfg.small_regressors
                    )
                    rows.append(
                        _row(
                            "in_task",
                            task,
                            kind,
                            seed,
                            s,
                            y_test,
                            cfg,
                            time.perf_counter() - t0,
                            n=n,
                        )
                    )
                    if (
                        kind == "rf"
                        and task == cfg.scatter_task
                        and seed == cfg.seed
                        and n == _mid(cfg.n_grid)
                    ):
                        scatter["rf"] = s.tolist()
                config = replace(
                    cfg.comparator, fusion="none", seed=cfg.comparator.seed + seed - cfg.seed
                )
                comp, sec = _fit_comparator(data, records(data, task, train), {}, config)
                s = comp.score([data.archs[i] for i in test], None, validated=True)
                rows.append(_row("in_task", task, "tahc", seed, s, y_test, cfg, sec, n=n))
                if task == cfg.scatter_task and seed == cfg.seed and n == _mid(cfg.n_grid):
                    scatter.update(task=task, n=n, tahc=s.tolist(), labels=y_test.tolist())
                log(
                    f"in_task {task} seed {seed} n={n}: tau tahc {rows[-1]['metrics']['kendall_tau']['value']:.3f}"
                    f" rf {_last(rows, 'rf', task, n, seed):.3f} ({sec:.1f} s)"
                )
    return rows, scatter


def _mid(grid: Sequence[int]) -> int:
    return 100 if 100 in grid else sorted(grid)[len(grid) // 2]


def _last(rows: list[Row], method: str, task: str, n: int, seed: int) -> float:
    for r in reversed(rows):
        if r["method"] == method and r["task"] == task and r.get("n") == n and r["seed"] == seed:
            return r["metrics"]["kendall_tau"]["value"]
    return float("nan")


def _source_training(
    data: TaskSet, sources: list[int], seed: int, per_source: int
) -> tuple[list[dict], np.ndarray, np.ndarray]:
    """Up to ``per_source`` labelled archs of each source task (seeded): records, and for the
    regressors the stacked ``(arch index, source index)`` pairs ``[m, 2]`` with their per-task
    percentile ranks ``[m]``."""
    recs, pairs, ranks = [], [], []
    for t in sources:
        task = data.tasks[t]
        ids = data.labelled(task)
        rng = np.random.default_rng([seed, 7919, t])
        pick = ids[rng.permutation(len(ids))[:per_source]]
        recs += records(data, task, pick)
        pairs.append(np.stack([pick, np.full(len(pick), t)], 1))
        ranks.append(rank_matrix(data.labels[t, pick][None])[0])
    return recs, np.concatenate(pairs), np.concatenate(ranks)


def task_matrix(data: TaskSet, task_ids: np.ndarray) -> np.ndarray:
    """Standardised task features ``[m, S]`` of the tasks ``task_ids [m]`` (indices into
    ``data.tasks``; each feature z-scored over all tasks), the columns a regressor appends to
    the arch features; ``[m, 0]`` when the set has no task features."""
    if not data.features:
        return np.zeros((len(task_ids), 0), dtype=np.float32)
    feats = np.stack([data.features[t] for t in data.tasks])  # [T, S]
    mu, sd = feats.mean(0), feats.std(0)
    return ((feats - mu) / np.where(sd > 1e-9, sd, 1.0))[task_ids]


def transfer(
    data: TaskSet,
    cfg: ProtocolConfig,
    tasks: Sequence[str] | None = None,
    zero: bool = True,
    few: bool = True,
    log: Log = _nolog,
) -> list[Row]:
    """Zero-shot (``zero``) and/or few-shot (``few``, ``cfg.k_grid``) leave-one-task-out,
    training the source models once per held-out task and seed."""
    rows: list[Row] = []
    flat = data.flat()
    for task in tasks or data.tasks:
        t_idx = data.tasks.index(task)
        sources = [i for i in range(len(data.tasks)) if i != t_idx]
        if not sources:
            log(f"transfer {task}: skipped (no other task)")
            continue
        y_all = data.labels[t_idx]
        for seed in range(cfg.seed, cfg.seed + cfg.transfer_seeds):
            test, pool = split(data, task, seed, cfg.max_test)
            y_test = y_all[test]
            src_test = data.labels[sources][:, test]  # [T-1, m]
            recs, pairs, ranks = _source_training(data, sources, seed, cfg.source_archs)
            x_src = np.concatenate([flat[pairs[:, 0]], task_matrix(data, pairs[:, 1])], 1)
            x_test = np.concatenate([flat[test], task_matrix(data, np.full(len(test), t_idx))], 1)
            feats = (
                {data.tasks[t]: data.features[data.tasks[t]] for t in sources}
                if data.features
                else {}
            )
            target_feat = data.features[task] if data.features else None

            # Models trained on the sources once per (task, seed); few-shot fine-tunes copies.
            models: dict[str, tuple[Comparator, float]] = {}
            if data.features:
                models["tahc"] = _fit_comparator(
                    data,
                    recs,
                    feats,
                    replace(
                        cfg.comparator,
                        fusion=cfg.task_fusion,
                        seed=cfg.comparator.seed + seed - cfg.seed,
                    ),
                )
            models["tahc_notask"] = _fit_comparator(
                data,
                recs,
                {},
                replace(cfg.comparator, fusion="none", seed=cfg.comparator.seed + seed - cfg.seed),
            )
            regs = {}
            for kind in cfg.regressors:
                t0 = time.perf_counter()
                regs[kind] = (
                    regressor_scores(kind, x_src, ranks, x_test, seed, cfg.small_regressors),
                    time.perf_counter() - t0,
                )

            # References that use no label of the target (the same for every K).
            src, hind = best_source_scores(src_test, lambda sc, yt=y_test: kendall_tau(sc, yt))
            refs = [
                ("random", random_scores(len(test), seed), {}),
                ("avg_rank", average_rank_scores(src_test), {}),
                ("best_source_hindsight", hind, {"source": data.tasks[sources[src]]}),
            ]

            test_archs = [data.archs[i] for i in test]
            protocol = "zero_shot"
            if zero:
                rows += [
                    _row(protocol, task, m, seed, sc, y_test, cfg, 0.0, k=0, **ex)
                    for m, sc, ex in refs
                ]
                for kind, (s, sec) in regs.items():
                    rows.append(_row(protocol, task, kind, seed, s, y_test, cfg, sec, k=0))
                for name, (comp, sec) in models.items():
                    s = comp.score(
                        test_archs, target_feat if name == "tahc" else None, validated=True
                    )
                    rows.append(_row(protocol, task, name, seed, s, y_test, cfg, sec, k=0))
                log(f"zero_shot {task} seed {seed}: " + _summary(rows, task, protocol, 0))
            protocol = "few_shot"
            for k in cfg.k_grid if few else ():
                if k > len(pool):
                    log(f"few_shot {task}: K={k} skipped (only {len(pool)} non-test archs)")
                    continue
                rng = np.random.default_rng([seed, 104729, t_idx, k])
                probes = pool[rng.permutation(len(pool))[:k]]
                y_probe = y_all[probes]
                rows += [
                    _row(protocol, task, m, seed, sc, y_test, cfg, 0.0, k=k, **ex)
                    for m, sc, ex in refs
                ]
                src, _ = best_source_scores(
                    data.labels[sources][:, probes], lambda sc, yp=y_probe: kendall_tau(sc, yp)
                )
                s = average_rank_scores(src_test[src : src + 1])  # that one source's ranking
                rows.append(
                    _row(
                        protocol,
                        task,
                        "best_source_probe",
                        seed,
                        s,
                        y_test,
                        cfg,
                        0.0,
                        k=k,
                        source=data.tasks[sources[src]],
                    )
                )
                t0 = time.perf_counter()
                s = regressor_scores(
                    "rf", flat[probes], y_probe, flat[test], seed, cfg.small_regressors
                )
                rows.append(
                    _row(
                        protocol,
                        task,
                        "rf_probes",
                        seed,
                        s,
                        y_test,
                        cfg,
                        time.perf_counter() - t0,
                        k=k,
                    )
                )
                probe_recs = records(data, task, probes)
                for name, (comp, _) in models.items():
                    tf = {task: target_feat} if name == "tahc" else {}
                    t0 = time.perf_counter()
                    ft, kept = finetune(comp, probe_recs, tf, cfg, seed=[seed, t_idx, k])
                    sec = time.perf_counter() - t0
                    s = ft.score(
                        test_archs, target_feat if name == "tahc" else None, validated=True
                    )
                    rows.append(
                        _row(
                            protocol, task, f"{name}_ft", seed, s, y_test, cfg, sec, k=k, kept=kept
                        )
                    )
                log(f"few_shot {task} seed {seed} K={k}: " + _summary(rows, task, protocol, k))
    return rows


def _finetuned(comp: Comparator, epochs: int, eval_every: int = 1) -> Comparator:
    ft = copy.deepcopy(comp)
    ft.config = replace(ft.config, epochs=epochs, eval_every=eval_every, patience=epochs)
    return ft


def finetune(
    comp: Comparator,
    probes: list[dict],
    task_features: Mapping[str, Any],
    cfg: ProtocolConfig,
    seed: int | Sequence[int] = 0,
) -> tuple[Comparator, bool]:
    """Fine-tune a copy of ``comp`` on the probe records; ``(model, kept)`` where ``kept``
    means the zero-shot weights were kept.

    ``cfg.finetune_check == "probes"``: early stopping on the probes themselves, the starting
    weights kept unless an epoch orders the probes strictly better (``fit(keep_start=True)``;
    optimistic: the epochs are scored on the archs they were trained on). ``"cv"`` (needs >= 4
    probes, else ``"probes"``): two folds (halves drawn with ``seed``) fine-tune on one half and
    score every epoch, the start included as epoch 0, on the other half; the epoch with the best
    mean held-out pairwise accuracy (the earliest on ties) is then trained on all the probes,
    or, if it is epoch 0, the start is kept.
    """
    epochs = cfg.finetune_epochs
    if cfg.finetune_check == "cv" and len(probes) >= 4:
        perm = np.random.default_rng(seed).permutation(len(probes))
        halves = [[probes[i] for i in perm[: len(probes) // 2]]]
        halves.append([probes[i] for i in perm[len(probes) // 2 :]])
        curves = []
        for train, val in (halves, halves[::-1]):
            trial = _finetuned(comp, epochs)
            trial.fit(train, task_features, val_records=val, warm_start=True, keep_start=True)
            curves.append([e["val_acc"] for e in trial.history["log"]])
        if all(len(c) == epochs + 1 for c in curves):  # epoch 0 and every epoch scored
            best = int(np.argmax(np.mean(curves, 0)))
            if best == 0:
                return copy.deepcopy(comp), True
            ft = _finetuned(comp, best, eval_every=best)  # only epoch ``best`` is a candidate
            ft.fit(probes, task_features, val_records=probes, warm_start=True)
            return ft, False
    ft = _finetuned(comp, epochs)
    ft.fit(probes, task_features, val_records=probes, warm_start=True, keep_start=True)
    return ft, ft.history["best_epoch"] == 0


def _summary(rows: list[Row], task: str, protocol: str, k: int) -> str:
    parts = [
        f"{r['method']} {r['metrics']['kendall_tau']['value']:.3f}"
        for r in rows
        if r["task"] == task and r["protocol"] == protocol and r.get("k") == k
    ]
    return ", ".join(parts)


def zero_shot(
    data: TaskSet, cfg: ProtocolConfig, tasks: Sequence[str] | None = None, log: Log = _nolog
) -> list[Row]:
    """Leave-one-task-out: train on ``cfg.source_archs`` archs of each other task; rank the
    held-out task's test archs with only its task features (see the module doc for methods)."""
    return transfer(data, cfg, tasks, zero=True, few=False, log=log)


def few_shot(
    data: TaskSet, cfg: ProtocolConfig, tasks: Sequence[str] | None = None, log: Log = _nolog
) -> list[Row]:
    """Leave-one-task-out plus ``K`` labelled probe archs of the held-out task (``cfg.k_grid``);
    the comparators are fine-tuned on the probes, from their zero-shot weights, which they keep
    unless fine-tuning improves the probes' pairwise accuracy (:func:`finetune`)."""
    return transfer(data, cfg, tasks, zero=False, few=True, log=log)


# --- speed ---------------------------------------------------------------------------------


@dataclass
class SpeedConfig:
    """Sizes of the speed suite."""

    n: int = 20000
    repeats: int = 3
    train_labels: int = 2000
    comparator: ComparatorConfig = field(default_factory=ComparatorConfig)
    seed: int = 0


def _timed(fn: Callable[[], Any], repeats: int) -> tuple[float, list[float], float, Any]:
    """Median wall seconds, all wall seconds, median process CPU seconds, last result."""
    times, cpu, out = [], [], None
    for _ in range(repeats):
        t0, c0 = time.perf_counter(), time.process_time()
        out = fn()
        times.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
    return statistics.median(times), times, statistics.median(cpu), out


def speed(space: GraphSpace, cfg: SpeedConfig, log: Log = _nolog) -> dict[str, Any]:
    """Throughput of one space: sample, encode (``encode_many``), score (score and concat
    heads), search (sample + encode + score) on ``cfg.n`` archs, and training time on
    ``cfg.train_labels`` synthetic labels (:func:`predictor.labels.synthetic_records`).

    Returns:
        ``{"space", "n", "stages": {stage: {"median_s", "all_s", "archs_per_s"}}, "train": {...},
        "load_before", "load_after"}``; medians over ``cfg.repeats``.
    """
    from predictor.labels import synthetic_records

    load_before = os.getloadavg()[0]
    stages: dict[str, dict[str, Any]] = {}

    def stage(name: str, fn: Callable[[], Any], n: int, repeats: int = cfg.repeats) -> Any:
        med, all_s, cpu, out = _timed(fn, repeats)
        stages[name] = {
            "median_s": med,
            "all_s": all_s,
            "archs_per_s": n / med if med else None,
            "median_cpu_s": cpu,
        }
        log(f"speed {space.name} {name}: {med:.3f} s ({n / med:,.0f} archs/s), CPU {cpu:.3f} s")
        return out

    archs = stage("sample", lambda: space.sample(cfg.n, cfg.seed), cfg.n)
    stage("encode", lambda: space.encode_many(archs, validated=True), cfg.n)
    stage("validate_encode", lambda: space.encode_many(archs), cfg.n, 1)

    recs = synthetic_records(space, cfg.train_labels, seed=cfg.seed)
    train = {}
    comps = {}
    for head in ("score", "concat"):
        config = replace(cfg.comparator, fusion="none", head=head, seed=cfg.seed)
        t0, c0 = time.perf_counter(), time.process_time()
        comp = Comparator(space, config)
        hist = comp.fit(recs, {})
        train[head] = {
            "seconds": time.perf_counter() - t0,
            "cpu_seconds": time.process_time() - c0,
            "labels": len(recs),
            "epochs_run": hist["log"][-1]["epoch"] if hist["log"] else 0,
            "best_epoch": hist["best_epoch"],
            "best_val_acc": hist["best_val_acc"],
        }
        log(
            f"speed {space.name} train ({head} head, {len(recs)} labels): {train[head]['seconds']:.1f} s"
        )
        comps[head] = comp
    for head, comp in comps.items():
        stage(f"score_{head}_head", lambda c=comp: c.score(archs, None, validated=True), cfg.n)
        stage(
            f"search_{head}_head",
            lambda c=comp: c.score(space.sample(cfg.n, cfg.seed + 1), None, validated=True),
            cfg.n,
        )
    return {
        "space": space.name,
        "n": cfg.n,
        "repeats": cfg.repeats,
        "stages": stages,
        "train": train,
        "load_before": load_before,
        "load_after": os.getloadavg()[0],
    }


def unseen_split(n: int, share: float, seed: int) -> np.ndarray:
    """The judged arch indices: all ``n`` for ``share`` 0, else a seeded ``share`` of them
    (at least one), sorted."""
    if share <= 0:
        return np.arange(n)
    rng = np.random.default_rng([seed, 7])
    return np.sort(rng.choice(n, max(1, round(share * n)), replace=False))
