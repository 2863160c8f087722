"""Label records: the one reader of labels, whatever holds them.

A record is ``{"arch", "task", "label", "budget", "seed"}`` with ``label`` LOWER is better
(a seed-averaged record has ``se``, ``k`` and ``seeds`` instead of ``seed``). Readers:

- :func:`from_store`: the contrastive label store (SQLite), through
  ``contrastive.store.LabelStore`` (which only stores and returns rows; imported lazily);
  ``seeds="mean"`` gives the seed-averaged label (:func:`mean_over_seeds`).
- :func:`from_file`: JSONL or CSV, either a user's labels (``arch, task, value
  [, higher_is_better]``, any space) or rows as ``LabelStore.export`` writes them
  (``arch, task, label, budget, seed, status, ...``).
- :func:`nbgraph_labels` / :func:`from_nbgraph`: NAS-Bench-Graph datasets (``1 - accuracy``),
  parsed from the pip package's ``light/*.bench`` files without unpickling them.
- :func:`synthetic_records`: labels that are a known function of the arch (tests, checks).

And what is done with records: :func:`aggregate` (mean over seeds per (task, arch) and the
measured label noise) and :func:`aggregate_se` (also each mean's standard error, for
noise-aware pair weights).
"""

from __future__ import annotations

import csv
import functools
import io
import math
import os
import pickletools
import struct
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from archgraph.base import GraphSpace
from archgraph.io import MAX_BYTES, parse_json, read_text_capped, short
from archgraph.nbgraph import META_FEATURES, space_for
from archgraph.validate import ArchError


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
        _one_kind(path, {str(r["metrics"].get("label_kind", "?")) for r in rows})
    if seeds == "mean":
        keep = ("arch", "task", "label", "budget", "se", "k", "seeds")
        return [{k: r[k] for k in keep} for r in mean_over_seeds(rows)]
    return [{k: r[k] for k in ("arch", "task", "label", "budget", "seed") if k in r} for r in rows]


def _one_kind(path: str | Path, kinds: set[str]) -> None:
    """Stored labels of different kinds (ridge, kNN...) do not rank against each other."""
    if len(kinds) > 1:
        kinds = sorted(kinds)
        raise ValueError(
            f"{path}: its rows' labels are of different kinds {kinds} (the default label kind "
            "changed between sweeps); pick one with kind= / --label-kind, e.g. "
            f"{kinds[-1]!r}"
        )


def _finite(value: object) -> bool:
    return isinstance(value, (int, float)) and math.isfinite(value)


# --- the seed-averaged label -----------------------------------------------------------------


def seed_stats(values: Iterable[float]) -> tuple[float, float | None, int]:
    """Mean, standard error (``sd / sqrt(k)``, ``ddof=1``; None for one value) and ``k``."""
    vals = [float(v) for v in values]
    k = len(vals)
    if k == 0:
        raise ValueError("seed_stats needs at least one value")
    mean = math.fsum(vals) / k
    if k == 1:
        return mean, None, 1
    var = math.fsum((v - mean) ** 2 for v in vals) / (k - 1)
    return mean, math.sqrt(var / k), k


def mean_over_seeds(rows: Iterable[dict], value: str = "label") -> list[dict]:
    """One record per ``(arch_hash, task, budget)`` of label rows: the mean of ``value`` over
    their seeds with its standard error.

    Args:
        rows: dicts with ``arch_hash``, ``task``, ``budget``, ``seed``, ``arch`` and ``value``.
        value: the key holding the number to average.

    Returns:
        Dicts ``arch_hash, task, budget, arch, label`` (the mean), ``se`` (None when ``k`` is
        1), ``k`` and ``seeds`` (sorted), ordered by task, budget and arch hash.
    """
    groups: dict[tuple, list[dict]] = {}
    for r in rows:
        groups.setdefault((r["task"], r["budget"], r["arch_hash"]), []).append(r)
    out = []
    for (task, budget, h), group in sorted(groups.items()):
        mean, se, k = seed_stats(r[value] for r in group)
        out.append(
            {
                "arch_hash": h,
                "task": task,
                "budget": budget,
                "arch": group[0]["arch"],
                "label": mean,
                "se": se,
                "k": k,
                "seeds": sorted(int(r["seed"]) for r in group),
            }
        )
    return out


# --- JSONL / CSV ---------------------------------------------------------------------------

_TRUE, _FALSE = {"1", "true", "yes", "y", "t"}, {"0", "false", "no", "n", "f", ""}


def _flag(value: Any, where: str) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in _TRUE or text in _FALSE:
        return text in _TRUE
    raise ValueError(f"{where}: higher_is_better: expected true/false, got {short(value)}")


def _number(value: Any, where: str, key: str) -> float:
    if isinstance(value, bool):
        raise ValueError(f"{where}: {key}: expected a number, got {short(value)}")
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{where}: {key}: expected a number, got {short(value)}") from None
    if not math.isfinite(number):
        raise ValueError(f"{where}: {key}: expected a finite number, got {short(value)}")
    return number


def _blank(value: Any) -> bool:
    return value is None or value == ""


def _file_rows(path: Path, max_bytes: int) -> list[tuple[int, Any]]:
    """``(line, row)`` of a CSV (header first) or JSONL label file."""
    text = read_text_capped(path, max_bytes, "label file")
    if path.suffix.lower() == ".csv":
        return [(i + 2, r) for i, r in enumerate(csv.DictReader(io.StringIO(text, newline="")))]
    return [
        (i, parse_json(line, f"{path}:{i}"))
        for i, line in enumerate(text.splitlines(), 1)
        if line.strip()
    ]


def from_file(path: str | Path, space: GraphSpace, max_bytes: int = MAX_BYTES) -> list[dict]:
    """Label records from a CSV (header row, ``arch`` as JSON text) or JSONL file (one object
    per line, ``arch`` an object or JSON text).

    A row is either a user's label, ``arch, task, value[, higher_is_better]`` (``label =
    -value`` where ``higher_is_better``, so lower is always better), or a stored one as
    ``LabelStore.export`` writes it, ``arch, task, label[, budget, seed, status,
    space_version, ...]`` (lower is better; rows whose ``status`` is not ``ok`` are skipped, so
    an export reads back as :func:`from_store` reads the store, and its rows must share one
    ``metrics.label_kind``). Other columns are ignored.

    Args:
        path: the file; ``.csv`` is read as CSV, anything else as JSONL.
        space: the space of the archs (each is validated and made canonical).
        max_bytes: the largest file read.

    Returns:
        Records ``{"arch" (canonical), "task", "label", "budget", "seed"}`` (``budget`` None and
        ``seed`` 0 where the row has none).

    Raises:
        ValueError: naming the file, the line and the field (``labels.jsonl:3:
            arch.nodes[1].op: ...``): unreadable or oversized file, bad JSON, a missing or
            non-finite number, an arch not in ``space``, a stored row labelled in another
            space version or of another label kind than the others, a task mixing both
            directions, or no label rows at all.
    """
    path = Path(path)
    records, direction, kinds = [], {}, set()
    for line, row in _file_rows(path, max_bytes):
        where = f"{path}:{line}"
        if not isinstance(row, Mapping):
            raise ValueError(f"{where}: expected an object with arch, task, value")
        stored = "value" not in row and "label" in row
        if stored and row.get("status", "ok") not in ("ok", None, ""):
            continue  # a failed run has no label
        for key in ("arch", "task", "label" if stored else "value"):
            if _blank(row.get(key)):
                raise ValueError(f"{where}: {key}: missing")
        version = row.get("space_version")
        if stored and not _blank(version) and version != space.version:
            raise ValueError(
                f"{where}: space_version: labelled in {short(version)}, read as {space.version!r}"
            )
        arch = row["arch"]
        if isinstance(arch, str):
            arch = parse_json(arch, f"{where}: arch")
        try:
            arch = space.canonical(arch)
        except ArchError as err:
            raise ValueError(f"{where}: arch.{err}") from err
        task = str(row["task"])
        if stored:
            if not _blank(row.get("higher_is_better")):
                raise ValueError(f"{where}: higher_is_better: a stored label is lower-is-better")
            hib, label = False, _number(row["label"], where, "label")
            metrics = row.get("metrics")
            if isinstance(metrics, str) and metrics:
                metrics = parse_json(metrics, f"{where}: metrics")
            if isinstance(metrics, Mapping):
                kinds.add(str(metrics.get("label_kind", "?")))
        else:
            hib = _flag(row.get("higher_is_better", False), where)
            value = _number(row["value"], where, "value")
            label = -value if hib else value
        if direction.setdefault(task, hib) != hib:
            raise ValueError(f"{where}: higher_is_better: task {task!r} mixes both directions")
        budget = row.get("budget")
        budget = None if _blank(budget) else _number(budget, where, "budget")
        seed = row.get("seed")
        seed = 0 if _blank(seed) else _number(seed, where, "seed")
        if not float(seed).is_integer():
            raise ValueError(f"{where}: seed: expected an integer, got {short(row['seed'])}")
        records.append(
            {
                "arch": arch,
                "task": task,
                "label": label,
                "budget": None if budget is None else _whole(budget),
                "seed": int(seed),
            }
        )
    if not records:
        raise ValueError(f"{path}: no label rows")
    _one_kind(path, kinds)
    return records


def _whole(number: float) -> float | int:
    """An integral number as ``int`` (a store's budgets are integers), else as it is."""
    return int(number) if number.is_integer() else number


# --- NAS-Bench-Graph: a safe reader of the package's light/*.bench files ---------------------

NBGRAPH_METRICS = ("perf", "valid_perf", "latency", "para")
_HIGHER_IS_BETTER = {"perf": True, "valid_perf": True, "latency": False, "para": False}


class _Scalar:
    """Stand-in for ``numpy.core.multiarray.scalar`` / ``numpy.dtype`` during parsing."""

    def __init__(self, name: str):
        self.name = name


_ALLOWED_GLOBALS = {"numpy.core.multiarray scalar", "numpy dtype", "numpy._core.multiarray scalar"}
_DTYPE_FORMATS = {"f8": "<d", "f4": "<f", "i8": "<q", "i4": "<i"}


def parse_bench_bytes(data: bytes) -> dict[int, dict[str, float]]:
    """Parse a NAS-Bench-Graph light bench file without unpickling it.

    Interprets the protocol-3 opcode stream with :mod:`pickletools` (which only decodes) and
    builds dicts, tuples, ints, floats and numpy scalars by hand; any other opcode or global
    raises ``ValueError``.

    Returns:
        ``{benchmark key: {"valid_perf", "perf", "latency", "para"}}`` as Python floats.
    """
    stack: list[Any] = []
    marks: list[int] = []
    memo: dict[int, Any] = {}
    for op, arg, _ in pickletools.genops(data):
        name = op.name
        if name == "PROTO":
            continue
        if name in ("BINGET", "LONG_BINGET"):
            stack.append(memo[arg])
        elif name in ("BINPUT", "LONG_BINPUT"):
            memo[arg] = stack[-1]
        elif name in (
            "BINFLOAT",
            "BININT",
            "BININT1",
            "BININT2",
            "BINUNICODE",
            "SHORT_BINBYTES",
            "SHORT_BINUNICODE",
        ):
            stack.append(arg)
        elif name == "NONE":
            stack.append(None)
        elif name in ("NEWTRUE", "NEWFALSE"):
            stack.append(name == "NEWTRUE")
        elif name == "EMPTY_DICT":
            stack.append({})
        elif name == "MARK":
            marks.append(len(stack))
        elif name == "SETITEMS":
            start = marks.pop()
            items = stack[start:]
            del stack[start:]
            target = stack[-1]
            for k, v in zip(items[::2], items[1::2], strict=True):
                target[k] = v
        elif name == "SETITEM":
            v = stack.pop()
            k = stack.pop()
            stack[-1][k] = v
        elif name in ("TUPLE1", "TUPLE2", "TUPLE3"):
            n = int(name[-1])
            items = tuple(stack[-n:])
            del stack[-n:]
            stack.append(items)
        elif name == "TUPLE":
            start = marks.pop()
            items = tuple(stack[start:])
            del stack[start:]
            stack.append(items)
        elif name == "GLOBAL":
            if arg not in _ALLOWED_GLOBALS:
                raise ValueError(f"bench file: global {arg!r} is not allowed")
            stack.append(_Scalar(arg.split()[-1]))
        elif name == "REDUCE":
            args = stack.pop()
            fn = stack.pop()
            if not isinstance(fn, _Scalar):
                raise ValueError("bench file: REDUCE of a non-allowed callable")
            if fn.name == "dtype":
                if args[0] not in _DTYPE_FORMATS:
                    raise ValueError(f"bench file: dtype {args[0]!r} is not supported")
                stack.append(("dtype", args[0]))
            else:
                dtype, raw = args
                stack.append(struct.unpack(_DTYPE_FORMATS[dtype[1]], raw)[0])
        elif name == "BUILD":
            stack.pop()  # dtype state (byte order etc.); little-endian f8 is assumed above
        elif name == "STOP":
            break
        else:
            raise ValueError(f"bench file: opcode {name} is not supported")
    (result,) = stack
    return {int(k): {m: float(v) for m, v in rec.items()} for k, rec in result.items()}


def bench_path(dataset: str) -> Path:
    """Path of a dataset's light bench file inside the installed package."""
    try:
        import nas_bench_graph
    except ImportError as err:  # pragma: no cover
        raise ImportError("NAS-Bench-Graph needs the pip package 'nas-bench-graph'") from err
    path = (
        Path(os.path.dirname(os.path.abspath(nas_bench_graph.__file__)))
        / "light"
        / f"{dataset}.bench"
    )
    if dataset not in META_FEATURES or not path.is_file():
        raise ValueError(
            f"unknown NAS-Bench-Graph dataset {dataset!r}; known: {sorted(META_FEATURES)}"
        )
    return path


@functools.lru_cache(maxsize=16)
def read_bench(dataset: str) -> dict[int, dict[str, float]]:
    """All records of one dataset, keyed by benchmark key (parsed once per process)."""
    return parse_bench_bytes(bench_path(dataset).read_bytes())


def nbgraph_labels(dataset: str, metric: str = "perf") -> tuple[list[dict], np.ndarray]:
    """Archs and labels of one NAS-Bench-Graph dataset, lower is better.

    Args:
        dataset: one of ``archgraph.nbgraph.DATASETS`` or ``"proteins"``.
        metric: ``perf`` (test accuracy), ``valid_perf``, ``latency`` or ``para``.

    Returns:
        ``(archs, labels)``: canonical archs (of ``archgraph.nbgraph.space_for(dataset)``) in
        key order and ``labels`` ``[n]`` float64, with ``1 - accuracy`` for the accuracies (the
        only place the direction is flipped).
    """
    if metric not in NBGRAPH_METRICS:
        raise ValueError(f"unknown metric {metric!r}; known: {list(NBGRAPH_METRICS)}")
    bench = read_bench(dataset)
    space = space_for(dataset)
    keys = sorted(bench)
    archs = [space.from_key(k) for k in keys]
    values = np.array([bench[k][metric] for k in keys], dtype=np.float64)
    labels = 1.0 - values if _HIGHER_IS_BETTER[metric] else values
    return archs, labels


def from_nbgraph(datasets: Sequence[str], metric: str = "perf") -> list[dict]:
    """All NAS-Bench-Graph archs of ``datasets`` as records (see :func:`nbgraph_labels`)."""
    records = []
    for d in datasets:
        archs, labels = nbgraph_labels(d, metric)
        records += [
            {"arch": a, "task": d, "label": float(v), "budget": None, "seed": 0}
            for a, v in zip(archs, labels, strict=True)
        ]
    return records


# --- made-up labels and aggregation ----------------------------------------------------------


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
