"""PNG plots of a benchmark report: Kendall tau vs training-set size, predicted vs true."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path
from typing import Any

import numpy as np

from .report import pyplot, save_figure


def tau_vs_n(rows: list[dict[str, Any]], path: str | Path, title: str = "") -> Path:
    """One panel per task: mean Kendall tau over seeds (error bars: min..max) vs ``n`` for each
    method of the ``in_task`` rows; n-free references (random, avg_rank) as horizontal lines."""
    plt = pyplot()
    rows = [r for r in rows if r["protocol"] == "in_task"]
    tasks = sorted({r["task"] for r in rows})
    cols = min(4, max(1, len(tasks)))
    nrows = int(np.ceil(len(tasks) / cols)) or 1
    fig, axes = plt.subplots(nrows, cols, figsize=(4 * cols, 3.2 * nrows), squeeze=False)
    for ax, task in zip(axes.flat, tasks, strict=False):
        by: dict[str, dict[int, list[float]]] = defaultdict(lambda: defaultdict(list))
        for r in rows:
            if r["task"] == task:
                by[r["method"]][r.get("n", 0)].append(r["metrics"]["kendall_tau"]["value"])
        for method in sorted(by):
            ns = sorted(by[method])
            means = np.array([np.mean(by[method][n]) for n in ns])
            if ns == [0]:
                ax.axhline(
                    means[0],
                    ls="--",
                    lw=1,
                    label=method,
                    color="grey" if method == "random" else "black",
                )
                continue
            lo = means - np.array([np.min(by[method][n]) for n in ns])
            hi = np.array([np.max(by[method][n]) for n in ns]) - means
            ax.errorbar(
                ns,
                means,
                yerr=[lo, hi],
                marker="o",
                ms=3,
                capsize=2,
                label=method,
                lw=2 if method == "tahc" else 1,
            )
        ax.set_xscale("log")
        grid_n = sorted({n for by_n in by.values() for n in by_n if n})
        if grid_n:
            ax.set_xticks(grid_n, [str(n) for n in grid_n])
            ax.minorticks_off()
        ax.set_title(task)
        ax.set_xlabel("training archs n")
        ax.set_ylabel("Kendall tau")
        ax.grid(alpha=0.3)
    for ax in list(axes.flat)[len(tasks) :]:
        ax.axis("off")
    handles, labels = axes.flat[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="lower center", ncol=min(8, len(labels)), fontsize=8)
    fig.suptitle(title or "in-task sample efficiency")
    fig.tight_layout(rect=(0, 0.06, 1, 0.97))
    return save_figure(fig, path)


def scatter(data: dict[str, Any], path: str | Path, title: str = "") -> Path | None:
    """Predicted score vs true label (``1 - accuracy`` style, lower better) for ``tahc`` and
    ``rf`` on one task; ``data`` is the protocol's scatter dict."""
    if not data or "labels" not in data:
        return None
    plt = pyplot()
    from .metrics import kendall_tau

    methods = [m for m in ("tahc", "rf") if m in data]
    fig, axes = plt.subplots(1, len(methods), figsize=(4.5 * len(methods), 4), squeeze=False)
    y = np.asarray(data["labels"])
    for ax, m in zip(axes.flat, methods, strict=True):
        s = np.asarray(data[m])
        ax.scatter(y, s, s=4, alpha=0.4)
        ax.set_xlabel("true label (lower is better)")
        ax.set_ylabel("predicted score (higher is better)")
        ax.set_title(f"{m}: tau {kendall_tau(s, y):.3f}")
        ax.grid(alpha=0.3)
    fig.suptitle(title or f"{data.get('task')} in-task, n={data.get('n')}, seed 0")
    fig.tight_layout()
    return save_figure(fig, path)
