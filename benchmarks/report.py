"""Writing a benchmark's result: the machine it ran on, its command, Markdown tables, and the
JSON + Markdown (+ PNG) files under ``benchmarks/results/``.

Every benchmark builds one JSON-able document (``command``, ``machine``, its numbers), renders
the Markdown from that document alone (so a committed ``.md`` can be regenerated from its
``.json``: ``tests/benchmarks/test_results_regenerate.py``) and writes both with :func:`write`.

- :func:`machine` / :func:`machine_line`: where a run happened, as a dict and as one sentence.
- :func:`command`: the command line that reproduces a run.
- :func:`table`: the lines of one Markdown table.
- :func:`read_jsonl`: the records of JSONL result files (label sweeps) by glob.
- :func:`write` / :func:`publish`: ``STEM.json`` and ``STEM.md`` side by side (and printed).
- :func:`pyplot` / :func:`save_figure`: headless matplotlib and PNG output.
"""

from __future__ import annotations

import json
import os
import platform
import shlex
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

__all__ = [
    "command",
    "machine",
    "machine_line",
    "publish",
    "pyplot",
    "read_jsonl",
    "save_figure",
    "table",
    "write",
    "write_json",
]


def machine() -> dict[str, Any]:
    """Where a run happened: platform, Python/torch versions, CPUs, threads, load average."""
    import torch  # here, not at the top: the report code stays light for --help and workers

    return {
        "platform": platform.platform(),
        "processor": platform.processor() or platform.machine(),
        "python": platform.python_version(),
        "torch": torch.__version__,
        "cpus": os.cpu_count(),
        "torch_threads": torch.get_num_threads(),
        "loadavg_1m": os.getloadavg()[0],
    }


def machine_line(m: Mapping[str, Any]) -> str:
    """One sentence of a :func:`machine` dict for a report's header (no final period)."""
    return (
        f"{m['platform']}, {m['cpus']} CPUs, Python {m['python']}, torch {m['torch']}, "
        f"{m['torch_threads']} torch threads; 1-min load average {m['loadavg_1m']:.2f}"
    )


def command(module: str, argv: Sequence[str] | None) -> str:
    """``python -m MODULE ARGS``, each argument shell-quoted so the line can be pasted back."""
    return " ".join(["python", "-m", module, *(shlex.quote(a) for a in argv or ())])


def table(head: Sequence[Any], rows: Iterable[Sequence[Any]]) -> list[str]:
    """The lines of a Markdown table: the head, the ``|---|`` rule, one line per row.

    Cells are written with ``str`` (an empty one as ``| |``); format numbers before. Every row
    must have the head's width (a short row would shift the columns a reader sees).
    """
    lines = [_line(head), "|" + "---|" * len(head)]
    for i, row in enumerate(rows):
        if len(row) != len(head):
            raise ValueError(f"table row {i} has {len(row)} cells, the head {len(head)}")
        lines.append(_line(row))
    return lines


def _line(cells: Sequence[Any]) -> str:
    return "|" + "|".join(f" {c} " if str(c) else " " for c in cells) + "|"


def read_jsonl(pattern: str) -> list[dict]:
    """Every record of the JSONL files matching the glob ``pattern``, files in name order.

    Raises:
        ValueError: a line that is not JSON, naming the file and the line number.
    """
    import glob

    rows = []
    for path in sorted(glob.glob(pattern)):
        with open(path, encoding="utf-8") as fh:
            for i, line in enumerate(fh, 1):
                if not line.strip():
                    continue
                try:
                    rows.append(json.loads(line))
                except json.JSONDecodeError as err:
                    raise ValueError(f"{path}: line {i}: not JSON ({err.msg})") from None
    return rows


def write_json(path: str | Path, doc: Any, indent: int | None = 1) -> Path:
    """``doc`` as JSON (non-JSON numbers such as numpy floats written as floats), with a final
    newline; the folder is created. ``indent=None``: one compact line."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(doc, indent=indent, default=float) + "\n", encoding="utf-8")
    return path


def write(stem: str | Path, doc: Any, markdown: str | None = None, indent: int = 1) -> list[Path]:
    """``STEM.json`` (``doc``) and, when given, ``STEM.md`` (``markdown``); the paths written.

    ``STEM`` is a path without suffix (``benchmarks/results/encode_speed``); a suffix in it is
    kept (``a.b`` writes ``a.b.json``).
    """
    stem = str(stem)
    paths = [write_json(f"{stem}.json", doc, indent)]
    if markdown is not None:
        md = Path(f"{stem}.md")
        md.write_text(markdown, encoding="utf-8")
        paths.append(md)
    return paths


def publish(stem: str | Path, doc: Any, markdown: str, indent: int = 1) -> list[Path]:
    """:func:`write` the result, then print its Markdown (what a benchmark's command shows)."""
    paths = write(stem, doc, markdown, indent)
    print(markdown)
    return paths


def pyplot():
    """``matplotlib.pyplot`` on the headless Agg backend (benchmarks run without a display)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def save_figure(fig: Any, path: str | Path, dpi: int = 110) -> Path:
    """Save a matplotlib figure as PNG (or what the suffix names) and close it."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=dpi)
    pyplot().close(fig)
    return path
