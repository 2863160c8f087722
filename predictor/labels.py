"""Label sources for the comparator, all as records ``{"arch", "task", "label", "budget", "seed"}``
with ``label`` LOWER is better.

- :func:`from_store`: the contrastive label store (``contrastive.store.LabelStore``, imported
  lazily).
- :func:`from_nbgraph`: NAS-Bench-Graph datasets (``1 - accuracy``; see ``archgraph.nbgraph``).
- :func:`synthetic_records`: labels that are a known function of the arch (tests, checks).
- :func:`aggregate`: mean over seeds per (task, arch, budget) and the measured label noise;
  :func:`aggregate_se` also gives each mean's standard error (noise-aware pair weights).
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np

from archgraph.base import GraphSpace


def from_store(
    path: str,
    task: str | None = None,
    budget: float | None = None,
    kind: str = "",
    having: str = "",
    seeds: str = "each",
) -> list[dict]:
    """Records of status ``ok`` from a contrastive label store (SQLite).

    Args:
        path: the store.
        task, budget: optional filters.
        kind: ``""`` (default): each row's stored ``label`` (all rows must share one
            ``label_kind``); otherwise the metric of that name in the row's ``metrics`` (e.g.
            ``"knn_val_mse"``), lower is better.
        having: keep only the rows with a finite metric of this name (e.g. to compare two
            label kinds on the same rows while a ``--refresh`` is partial).
        seeds: ``"each"`` (default): one record per stored row (training seed); ``"mean"``:
            the seed-averaged label, one record per (arch, task, budget) whose ``label`` is the
            mean over its seeds, with ``se`` (its standard error, None for one seed), ``k``
            and ``seeds``.

    Raises:
        ValueError: the store module is missing, ``path`` is not a label store (a
            ``contrastive.store.StoreError`` naming it: missing, garbage, corrupted, foreign;
            the file is opened read-only), ``kind`` is not a finite number in every row
            (rows labelled before that metric existed must be refreshed first:
            ``python -m contrastive.label ... --refresh METRIC``), or, with no ``kind``, the
            rows' labels are of different kinds.
    """
    if seeds not in ("each", "mean"):
        raise ValueError(f"seeds must be 'each' or 'mean', got {seeds!r}")
    try:
        from contrastive.store import LabelStore
    except ImportError as err:
        raise ValueError(
            "the label store (contrastive.store.LabelStore) is not available in this build"
        ) from err
    with LabelStore(path, readonly=True) as store:  # reading never modifies the file
        rows = store.records(task=task, budget=budget, status="ok")
    if having:
        rows = [r for r in rows if _finite(r["metrics"].get(having))]
    if kind:
        lacking = [r for r in rows if not _finite(r["metrics"].get(kind))]
        if lacking:
            r = lacking[0]
            raise ValueError(
                f"{path}: {len(lacking)} of {len(rows)} ok rows have no finite metric {kind!r} "
                f"(first: task {r['task']!r}, arch {r['arch_hash'][:12]}, seed {r['seed']}); "
                "relabel them or pick another label kind"
            )
        rows = [{**r, "label": float(r["metrics"][kind])} for r in rows]
    else:
        kinds = sorted({str(r["metrics"].get("label_kind", "?")) for r in rows})
        if len(kinds) > 1:
            raise ValueError(
                f"{path}: its rows' labels are of different kinds {kinds} (the default label kind "
                "changed between sweeps); pick one with kind= / --label-kind, e.g. "
                f"{kinds[-1]!r}"
            )
    if seeds == "mean":
        from contrastive.store import mean_over_seeds

        keep = ("arch", "task", "label", "budget", "se", "k", "seeds")
        return [{k: r[k] for k in keep} for r in mean_over_seeds(rows)]
    return [{k: r[k] for k in ("arch", "task", "label", "budget", "seed") if k in r} for r in rows]


def _finite(value: object) -> bool:
    return isinstance(value, (int, float)) and math.isfinite(value)


def from_nbgraph(datasets: Sequence[str], metric: str = "perf") -> list[dict]:
    """All NAS-Bench-Graph archs of ``datasets`` as records (``label = 1 - accuracy``)."""
    from archgraph.nbgraph import load_labels

    records = []
    for d in datasets:
        archs, labels = load_labels(d, metric)
        records += [
            {"arch": a, "task": d, "label": float(v), "budget": None, "seed": 0}
            for a, v in zip(archs, labels, strict=True)
        ]
    return records


def synthetic_weights(space: GraphSpace, task_seed: int) -> np.ndarray:
    """The hidden weights ``[F, 2]`` of :func:`synthetic_label` for one task."""
    return np.random.default_rng(1000 + task_seed).standard_normal((space.feature_dim, 2))


def synthetic_label(space: GraphSpace, arch: Any, task_seed: int = 0) -> float:
    """A known, smooth, nonlinear function of the arch graph (lower is better).

    ``sum_i x_i . w1 + 0.5 * tanh(mean_i x_i . w2 * 2) + 0.1 * edges`` over node features ``x``.
    """
    data = space.encode(arch)
    x = data.x.double().numpy()
    w = synthetic_weights(space, task_seed)
    return float(
        x.sum(0) @ w[:, 0] / 4
        + 0.5 * np.tanh(2 * x.mean(0) @ w[:, 1])
        + 0.1 * data.edge_index.size(1)
    )


def synthetic_records(
    space: GraphSpace,
    n_archs: int,
    tasks: Sequence[str] = ("synth",),
    seed: int = 0,
    noise: float = 0.0,
) -> list[dict]:
    """``n_archs`` sampled archs labelled by :func:`synthetic_label` on each task (task ``i``
    uses hidden weights ``i``), optionally with Gaussian noise."""
    rng = np.random.default_rng(seed)
    archs = space.sample(n_archs, seed)
    records = []
    for i, t in enumerate(tasks):
        for a in archs:
            y = synthetic_label(space, a, i) + (noise * rng.standard_normal() if noise else 0.0)
            records.append({"arch": a, "task": t, "label": y, "budget": None, "seed": 0})
    return records


def aggregate_se(
    space: GraphSpace, records: Iterable[dict]
) -> tuple[dict[str, tuple[list[dict], np.ndarray, np.ndarray]], float]:
    """Group records per task: the mean label per arch over its repeated (seed) records and
    the standard error of that mean.

    A record may be one seed's label, or a seed-averaged one carrying ``se`` and ``k`` (as
    :func:`from_store` with ``seeds="mean"`` returns). An arch labelled once gets the task's
    pooled within-arch standard deviation over ``sqrt(k)`` as its SE, NaN when nothing on the
    task is repeated.

    Returns:
        ``({task: (archs, means [n], ses [n])}, noise)``; ``noise`` is the median standard
        deviation of labels over seeds of the same arch (0.0 when nothing is repeated).
    """
    groups: dict[str, dict[str, list]] = defaultdict(dict)
    archs: dict[str, dict] = {}
    for r in records:
        h = space.arch_hash(r["arch"])
        archs.setdefault(h, r["arch"])
        groups[r["task"]].setdefault(h, []).append(r)
    out, sds = {}, []
    for task, by_arch in groups.items():
        hashes = sorted(by_arch)
        means, ses, ks, within = [], [], [], []
        for h in hashes:
            recs = by_arch[h]
            if len(recs) == 1 and recs[0].get("se") is not None:
                k = int(recs[0].get("k", 1))
                mean, se = float(recs[0]["label"]), float(recs[0]["se"])
                within.append(se * se * k)
                sds.append(se * math.sqrt(k))
            else:
                vals = np.array([float(r["label"]) for r in recs], dtype=np.float64)
                k, mean, se = len(vals), float(vals.mean()), math.nan
                if k > 1:
                    var = float(vals.var(ddof=1))
                    se = math.sqrt(var / k)
                    within.append(var)
                    sds.append(math.sqrt(var))
            means.append(mean)
            ses.append(se)
            ks.append(k)
        pooled = math.sqrt(float(np.mean(within))) if within else math.nan
        se_arr = np.array(ses, dtype=np.float64)
        lone = np.isnan(se_arr)
        se_arr[lone] = pooled / np.sqrt(np.array(ks, dtype=np.float64)[lone])
        out[task] = ([space.canonical(archs[h]) for h in hashes], np.array(means), se_arr)
    return out, float(np.median(sds)) if sds else 0.0


def aggregate(
    space: GraphSpace, records: Iterable[dict]
) -> tuple[dict[str, tuple[list[dict], np.ndarray]], float]:
    """Group records per task, mean over repeated (arch, budget) labels.

    Returns:
        ``({task: (archs, labels [n])}, noise)`` where ``noise`` is the median standard
        deviation of labels over seeds of the same arch (0.0 when nothing is repeated).
    """
    data, noise = aggregate_se(space, records)
    return {t: (archs, means) for t, (archs, means, _) in data.items()}, noise
