"""Label sources for the comparator, all as records ``{"arch", "task", "label", "budget", "seed"}``
with ``label`` LOWER is better.

- :func:`from_store`: the contrastive label store (``contrastive.store.LabelStore``, imported
  lazily).
- :func:`from_nbgraph`: NAS-Bench-Graph datasets (``1 - accuracy``; see ``archgraph.nbgraph``).
- :func:`synthetic_records`: labels that are a known function of the arch (tests, checks).
- :func:`aggregate`: mean over seeds per (task, arch, budget) and the measured label noise.
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

    Raises:
        ValueError: the store module is missing, ``path`` is not a label store (a
            ``contrastive.store.StoreError`` naming it: missing, garbage, corrupted, foreign;
            the file is opened read-only), ``kind`` is not a finite number in every row
            (rows labelled before that metric existed must be refreshed first:
            ``python -m contrastive.label ... --refresh METRIC``), or, with no ``kind``, the
            rows' labels are of different kinds.
    """
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


def aggregate(
    space: GraphSpace, records: Iterable[dict]
) -> tuple[dict[str, tuple[list[dict], np.ndarray]], float]:
    """Group records per task, mean over repeated (arch, budget) labels.

    Returns:
        ``({task: (archs, labels [n])}, noise)`` where ``noise`` is the median standard
        deviation of labels over seeds of the same arch (0.0 when nothing is repeated).
    """
    groups: dict[str, dict[str, list]] = defaultdict(dict)
    archs: dict[str, dict] = {}
    for r in records:
        h = space.arch_hash(r["arch"])
        archs.setdefault(h, r["arch"])
        groups[r["task"]].setdefault(h, []).append(float(r["label"]))
    out, sds = {}, []
    for task, by_arch in groups.items():
        hashes = sorted(by_arch)
        out[task] = (
            [space.canonical(archs[h]) for h in hashes],
            np.array([np.mean(by_arch[h]) for h in hashes], dtype=np.float64),
        )
        sds += [float(np.std(v, ddof=1)) for v in by_arch.values() if len(v) > 1]
    return out, float(np.median(sds)) if sds else 0.0
