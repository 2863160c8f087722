"""The data flags that every command taking a task shares, and the one function that reads them.

The flags are the fields of a config group that a command's config dataclass inherits
(:mod:`cliconfig` generates them, listed under one ``--help`` section): :class:`DataFlags` holds
``--task NAME`` / ``--data FILE.csv`` and the flags that say how a CSV becomes a task
(:class:`CsvFlags`, for a command that names its bundled tasks otherwise, as
``contrastive.label --tasks`` does):

- ``--time-col COL``: the time column (any position, any name); rows are sorted by it. Without
  it, a column named like a time (``date``, ``time``, ``timestamp``, ``ds``, ``day``, ...) is used.
- ``--columns a,b``: only these series; ``--drop-columns c,d``: every series but these.
- ``--max-series N``: keep at most ``N`` series (a seeded choice, see :mod:`contrastive.data`);
  default: every series (a cap is said on stderr and recorded in the task report).

Bundled tasks (``--task``) come cleaned and fixed, so these flags apply to ``--data`` only; using
them with ``--task`` is a usage error (:func:`check_data_flags`). This module imports nothing
heavy: commands parse and check their flags before torch or pandas load.
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from typing import Any

from cliconfig import option

from .sweep import TaskSpec

CSV_FLAGS = ("time_col", "columns", "drop_columns", "max_series")
GROUP = "data (--task or --data; the other flags shape --data)"
TASK_HELP = "a bundled task (python -m contrastive.label --list-tasks lists them)"
# field -> (metavar, help) of each data flag
_FLAGS = {
    "task": ("NAME", TASK_HELP),
    "data": ("FILE.csv", "your own CSV: a header row, one column per series"),
    "time_col": (
        "COL",
        "time column of --data, in any position (default: a column named like a time: "
        "date, time, timestamp, ds, day, ...)",
    ),
    "columns": ("A,B", "keep only these series of --data (default: all)"),
    "drop_columns": ("C,D", "leave these series of --data out (e.g. an ID)"),
    "max_series": ("N", "keep at most N series of --data, a seeded choice (default: all of them)"),
}


def _flag(name: str) -> Any:
    metavar, text = _FLAGS[name]
    return option(None, text, metavar=metavar, group=GROUP)


@dataclass
class CsvFlags:
    """How ``--data FILE.csv`` becomes a task (a command's config inherits these fields).

    Attributes:
        data: the CSV file.
        time_col: the time column of ``--data``.
        columns: comma-separated series to keep (``None``: all).
        drop_columns: comma-separated series to leave out.
        max_series: at most this many series (``None``: every series).
    """

    data: str | None = _flag("data")
    time_col: str | None = _flag("time_col")
    columns: str | None = _flag("columns")
    drop_columns: str | None = _flag("drop_columns")
    max_series: int | None = _flag("max_series")


@dataclass
class DataFlags(CsvFlags):
    """A bundled task or a CSV and how it becomes a task (a command's config inherits these).

    Attributes:
        task: a bundled task (``None``: ``--data`` or the command's default).
    """

    task: str | None = _flag("task")


def column_list(text: str | None, flag: str) -> tuple[str, ...] | None:
    """``"a, b"`` -> ``("a", "b")``; ``None`` stays ``None``; an empty list is a ``ValueError``."""
    if text is None:
        return None
    names = tuple(c.strip() for c in str(text).split(",") if c.strip())
    if not names:
        raise ValueError(f"{flag}: no column name given in {text!r}")
    return names


def check_data_flags(cfg: Any, parser: argparse.ArgumentParser, *, need: bool = True) -> None:
    """Usage errors (exit 2) on flags that cannot work together, before anything is loaded.

    Args:
        cfg: the parsed config (``task``/``data`` and the :class:`DataFlags` fields).
        parser: the command's parser (for ``parser.error``).
        need: whether a task is required (``--task`` or ``--data``).
    """
    task, data = getattr(cfg, "task", None), getattr(cfg, "data", None)
    if task is not None and data is not None:
        parser.error("give --task NAME or --data FILE.csv, not both")
    if need and task is None and data is None:
        parser.error("give --task NAME or --data FILE.csv")
    given = [f"--{f.replace('_', '-')}" for f in CSV_FLAGS if getattr(cfg, f, None) is not None]
    if given and data is None:
        parser.error(f"{', '.join(given)} shape a CSV: they need --data FILE.csv")
    if cfg.max_series is not None and (not isinstance(cfg.max_series, int) or cfg.max_series < 1):
        parser.error(f"--max-series: expected a whole number >= 1, got {cfg.max_series!r}")
    try:
        keep = column_list(cfg.columns, "--columns")
        drop = column_list(cfg.drop_columns, "--drop-columns")
    except ValueError as err:
        parser.error(str(err))
    if keep and drop and set(keep) & set(drop):
        parser.error(f"--columns and --drop-columns both name {sorted(set(keep) & set(drop))}")


def csv_options(cfg: Any) -> dict[str, Any]:
    """Keyword arguments of :func:`contrastive.data.from_csv` for the CSV flags in ``cfg``."""
    out: dict[str, Any] = {
        "time_col": cfg.time_col,
        "columns": column_list(cfg.columns, "--columns"),
        "drop_columns": column_list(cfg.drop_columns, "--drop-columns"),
    }
    if cfg.max_series is not None:
        out["max_series"] = int(cfg.max_series)
    return out


def load_data_task(cfg: Any, *, name: str | None = None, **kw: Any) -> Any:
    """The :class:`contrastive.data.Task` that ``--task`` or ``--data`` and its flags name.

    Args:
        cfg: the parsed config (``task``, ``data`` and the :class:`DataFlags` fields).
        name: task name of ``--data`` (default: the file's stem).
        **kw: more :func:`contrastive.data.from_csv` arguments (``max_memory_gb``...).

    Raises:
        contrastive.data.DataError: unknown task, or a CSV that cannot become a task.
    """
    from . import data

    task = getattr(cfg, "task", None)
    if task is not None:
        return data.load_task(task)
    out = data.from_csv(cfg.data, name=name, **csv_options(cfg), **kw)
    report_cleaning(out)
    return out


def report_cleaning(task: Any, file: Any = None) -> None:
    """Print (to stderr by default) the task's shape and what cleaning did to it, naming columns
    (:func:`contrastive.data.cleaning_notes`); non-stationary-looking columns get a warning."""
    import sys

    from .data import cleaning_notes

    file = file if file is not None else sys.stderr
    print(
        f"data: {task.source or task.name}: {task.shape[0]} steps x {task.shape[1]} series "
        f"({', '.join(task.columns)}), freq {task.freq}",
        file=file,
    )
    for note in cleaning_notes(task):
        print(f"  {note}", file=file)


@dataclass(frozen=True)
class CsvTaskSpec(TaskSpec):
    """A CSV task with the data flags (``--columns``, ``--drop-columns``, ``--max-series``):
    every worker reads the file the same way."""

    columns: tuple[str, ...] | None = None
    drop_columns: tuple[str, ...] | None = None
    max_series: int | None = None

    def load(self) -> Any:
        """The :class:`~contrastive.data.Task` (cached per process)."""
        if self not in _CSV_CACHE:
            from . import data

            kw: dict[str, Any] = {"columns": self.columns, "drop_columns": self.drop_columns}
            if self.max_series is not None:
                kw["max_series"] = self.max_series
            if self.max_memory_gb is not None:
                kw["max_memory_gb"] = self.max_memory_gb
            _CSV_CACHE[self] = data.from_csv(
                self.path, name=self.name, time_col=self.time_col, **kw
            )
        return _CSV_CACHE[self]


_CSV_CACHE: dict[CsvTaskSpec, Any] = {}
