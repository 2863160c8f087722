"""PNG plots of the headline results, read from the committed JSON under ``benchmarks/results/``.

Usage: ``python -m benchmarks.headline_plots [--results benchmarks/results] [--out benchmarks/results]``.

Writes, for each input that is present (a missing one is skipped with a note on stderr):

- ``headline_label_repeatability.png`` from ``label_knn/cpu.json``: seed-to-seed Kendall tau per
  task of the kNN label (protocol 2) and the ridge label (protocol 1), one seed (mean over the 6
  pairs of 4 seeds) and a mean of two seeds (mean over the 3 splits of 4 seeds into 2 + 2).
- ``headline_loto.png`` from ``corpus_loto.json`` (and ``corpus_loto_knn.json`` when present, as
  a second panel): leave-one-task-out Kendall tau per held-out task and method, the mean over
  tasks, and the seed-to-seed noise ceiling of the label.
- ``headline_loto_topk.png`` from the same files: the best label among each method's top K, as a
  percentile among the labelled archs (0 = best), beside the exact expectation for K random archs.

Every number drawn is read from those files; nothing is recomputed from labels. A file that is
present but lacks a field stops the run with an error naming the file and the field (exit 1).
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from matplotlib.figure import Figure

from benchmarks import report
from benchmarks.corpus_loto import random_top_k_percentile
from cliconfig import EXIT_OK, option, parse, run_main

REPEATABILITY_FILE = "label_knn/cpu.json"
LOTO_FILES = (
    ("corpus_loto.json", "ridge label (protocol 1)"),
    ("corpus_loto_knn.json", "kNN label (protocol 2)"),
)
# Methods of corpus_loto in drawing order, with the names the reports use.
LOTO_METHODS = (
    ("random", "random ranking (one seed)"),
    ("avg_rank", "avg_rank"),
    ("rf", "random forest"),
    ("tahc_gin:film", "T-AHC gin:film (shipped)"),
    ("tahc_gin:concat", "T-AHC gin:concat"),
)
# (key in label_knn/cpu.json archs[task], legend)
REPEATABILITY_SERIES = (
    ("tau_pairs_knn_val_mse", "kNN label, 1 seed"),
    ("tau_mean2_knn_val_mse", "kNN label, mean of 2 seeds"),
    ("tau_pairs_val_mse", "ridge label, 1 seed"),
    ("tau_mean2_val_mse", "ridge label, mean of 2 seeds"),
)
TOPK = (1, 3, 5, 10)


@dataclass
class Config:
    """Plots of the headline results, read from the committed result JSON."""

    results: str = option("benchmarks/results", "folder of the result JSON")
    out: str = option("benchmarks/results", "folder for the PNG files")


def _field(obj: Any, path: str, keys: tuple[str, ...]) -> Any:
    """``obj[k0][k1]...``; a missing key raises ``ValueError`` naming the file and the field."""
    cur = obj
    for i, k in enumerate(keys):
        if not isinstance(cur, dict) or k not in cur:
            raise ValueError(f"{path}: missing field {'.'.join(keys[: i + 1])!r}")
        cur = cur[k]
    return cur


def _number(obj: Any, path: str, keys: tuple[str, ...]) -> float:
    value = _field(obj, path, keys)
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError(f"{path}: field {'.'.join(keys)!r} must be a number, got {value!r}")
    return float(value)


def _load(path: Path) -> dict[str, Any] | None:
    """The JSON object in ``path``, or None when the file does not exist."""
    if not path.exists():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except ValueError as err:
        raise ValueError(f"{path}: not valid JSON: {err}") from err
    if not isinstance(data, dict):
        raise ValueError(f"{path}: expected a JSON object, got {type(data).__name__}")
    return data


def repeatability_table(data: dict[str, Any], path: str) -> dict[str, dict[str, float]]:
    """Per task (sorted) and the mean over tasks: ``{series key: tau}`` for REPEATABILITY_SERIES.

    Args:
        data: the parsed ``label_knn/cpu.json`` (``archs[task][key]`` holds each tau).
        path: the file's name, for error messages.
    """
    archs = _field(data, path, ("archs",))
    if not isinstance(archs, dict) or not archs:
        raise ValueError(f"{path}: field 'archs' must be a non-empty object of tasks")
    table = {
        task: {key: _number(data, path, ("archs", task, key)) for key, _ in REPEATABILITY_SERIES}
        for task in sorted(archs)
    }
    table["mean"] = {
        key: float(np.mean([table[t][key] for t in sorted(archs)]))
        for key, _ in REPEATABILITY_SERIES
    }
    return table


def loto_table(data: dict[str, Any], path: str) -> dict[str, Any]:
    """Per-task Kendall tau per method, the mean per method and the seed-noise ceiling.

    Returns:
        ``{"tasks": [...], "tau": {method: [tau per task]}, "lo"/"hi": the bootstrap interval
        per task, "mean": {method: mean tau (the file's summary)}, "ceiling": [tau per task],
        "ceiling_mean": float, "topk": {method: [mean percentile at K for K in TOPK]}}``.
    """
    rows = _field(data, path, ("rows",))
    if not isinstance(rows, list) or not rows:
        raise ValueError(f"{path}: field 'rows' must be a non-empty list")
    noise = _field(data, path, ("seed_noise",))
    tasks = sorted({str(_field(r, path, ("task",))) for r in rows})
    methods = [m for m, _ in LOTO_METHODS if any(r.get("method") == m for r in rows)]
    if not methods:
        raise ValueError(f"{path}: no row has a method among {[m for m, _ in LOTO_METHODS]}")
    tau: dict[str, list[float]] = {m: [np.nan] * len(tasks) for m in methods}
    lo: dict[str, list[float]] = {m: [np.nan] * len(tasks) for m in methods}
    hi: dict[str, list[float]] = {m: [np.nan] * len(tasks) for m in methods}
    for i, r in enumerate(rows):
        m = r.get("method")
        if m not in tau:
            continue
        j = tasks.index(str(r["task"]))
        where = f"{path} rows[{i}]"
        tau[m][j] = _number(r, where, ("metrics", "kendall_tau", "value"))
        lo[m][j] = _number(r, where, ("metrics", "kendall_tau", "lo"))
        hi[m][j] = _number(r, where, ("metrics", "kendall_tau", "hi"))
    ceiling = [
        _number(noise, f"{path} seed_noise", (t, "tau")) if t in noise else np.nan for t in tasks
    ]
    known = [c for c in ceiling if not np.isnan(c)]
    return {
        "tasks": tasks,
        "tau": tau,
        "lo": lo,
        "hi": hi,
        "mean": {m: _number(data, path, ("summary", m, "mean_tau")) for m in methods},
        "ceiling": ceiling,
        "ceiling_mean": float(np.mean(known)) if known else float("nan"),
        "topk": {
            m: [
                _number(
                    data,
                    path,
                    ("summary", m, "mean_pick_percentile" if k == 1 else f"mean_top{k}_percentile"),
                )
                for k in TOPK
            ]
            for m in methods
        },
    }


def plot_repeatability(table: dict[str, dict[str, float]], path: Path, source: str) -> Path:
    """Grouped bars: seed-to-seed tau per task for each series, with the goal tau = .8."""
    groups = list(table)
    x = np.arange(len(groups))  # [G]
    width = 0.8 / len(REPEATABILITY_SERIES)
    colors = ("#1f77b4", "#9ecae1", "#d62728", "#fcae91")
    fig = Figure(figsize=(12, 4.8))
    ax = fig.subplots()
    for s, ((key, label), color) in enumerate(zip(REPEATABILITY_SERIES, colors, strict=True)):
        values = [table[g][key] for g in groups]
        xs = x + (s - (len(REPEATABILITY_SERIES) - 1) / 2) * width
        ax.bar(xs, values, width, label=label, color=color)
        # Print the mean over tasks on its bar: the number the text quotes.
        ax.annotate(
            f"{values[-1]:.2f}",
            (xs[-1], values[-1]),
            textcoords="offset points",
            xytext=(0, 2),
            ha="center",
            fontsize=8,
        )
    ax.axhline(0.8, color="black", ls="--", lw=1, label="goal tau = .8")
    ax.axvline(len(groups) - 1.5, color="grey", lw=0.8)
    ax.set_xticks(x, groups, rotation=20, ha="right")
    ax.set_ylim(min(0.0, min(min(v.values()) for v in table.values()) - 0.05), 1.0)
    ax.set_ylabel("Kendall tau, seed vs seed (30 archs)")
    ax.set_title("Label repeatability: the same 30 archs trained with 4 seeds (30 steps, CPU)")
    ax.legend(loc="upper left", fontsize=8, ncol=3)
    ax.grid(axis="y", alpha=0.3)
    fig.text(0.01, 0.01, f"source: {source}", fontsize=7, color="grey")
    fig.tight_layout(rect=(0, 0.03, 1, 1))
    return report.save_figure(fig, path)


def plot_loto(panels: list[tuple[str, str, dict[str, Any]]], path: Path) -> Path:
    """One panel per label: per-task tau (dots with the bootstrap interval) per method, the mean
    over tasks, and the label's seed-to-seed ceiling (black dash)."""
    fig = Figure(figsize=(12, 4.2 * len(panels)))
    axes = fig.subplots(len(panels), 1, squeeze=False)
    names = dict(LOTO_METHODS)
    for ax, (source, title, t) in zip(axes[:, 0], panels, strict=True):
        groups = [*t["tasks"], "mean"]
        x = np.arange(len(groups))  # [G]
        methods = list(t["tau"])
        offset = 0.8 / len(methods)
        for i, m in enumerate(methods):
            xs = x + (i - (len(methods) - 1) / 2) * offset
            ys = np.array([*t["tau"][m], t["mean"][m]])  # [G]
            lo = np.array([*t["lo"][m], np.nan])
            hi = np.array([*t["hi"][m], np.nan])
            yerr = np.vstack([ys - lo, hi - ys])  # [2, G]; the mean has no interval
            ax.errorbar(
                xs,
                ys,
                yerr=np.nan_to_num(yerr),
                fmt="o",
                ms=5 if m.startswith("tahc") else 4,
                capsize=2,
                lw=0.8,
                label=names[m],
            )
            ax.annotate(
                f"{ys[-1]:.2f}",
                (xs[-1], ys[-1]),
                textcoords="offset points",
                xytext=(0, -8),
                ha="center",
                va="top",
                rotation=90,
                fontsize=7,
            )
        ceiling = [*t["ceiling"], t["ceiling_mean"]]
        ax.hlines(ceiling, x - 0.45, x + 0.45, color="black", lw=2, label="seed noise ceiling")
        ax.annotate(
            f"ceiling {t['ceiling_mean']:.2f}",
            (x[-1], t["ceiling_mean"]),
            textcoords="offset points",
            xytext=(0, -4),
            ha="center",
            va="top",
            fontsize=7,
        )
        ax.axhline(0.5, color="black", ls=":", lw=1, label="goal tau = .5")
        ax.axhline(0.0, color="grey", lw=0.6)
        ax.axvline(len(groups) - 1.5, color="grey", lw=0.8)
        ax.set_xticks(x, groups, rotation=20, ha="right")
        ax.set_ylim(-0.45, 1.0)
        ax.set_ylabel("Kendall tau on held-out task")
        ax.set_title(f"Leave-one-task-out, {title}: {source}", fontsize=10)
        ax.grid(axis="y", alpha=0.3)
        ax.legend(loc="upper left", fontsize=7, ncol=4)
    fig.suptitle("Zero-shot ranking of a held-out task's labelled archs, trained on the other 8")
    fig.text(
        0.01,
        0.005,
        "error bars: the report's bootstrap interval over archs; ceiling: Kendall tau between "
        "two training seeds' labels (30 archs)",
        fontsize=7,
        color="grey",
    )
    fig.tight_layout(rect=(0, 0.02, 1, 1))
    return report.save_figure(fig, path)


def plot_topk(panels: list[tuple[str, str, dict[str, Any]]], n_archs: int, path: Path) -> Path:
    """Best label among each method's top K (mean percentile over held-out tasks) vs K."""
    fig = Figure(figsize=(6 * len(panels), 4.2))
    axes = fig.subplots(1, len(panels), squeeze=False)
    names = dict(LOTO_METHODS)
    expected = [random_top_k_percentile(n_archs, k) for k in TOPK]
    for ax, (source, title, t) in zip(axes[0], panels, strict=True):
        for m, values in t["topk"].items():
            ax.plot(TOPK, values, marker="o", lw=2 if m == "tahc_gin:film" else 1, label=names[m])
        ax.plot(
            TOPK,
            expected,
            color="black",
            ls="--",
            lw=1,
            label=f"best of K random archs of {n_archs} (expected)",
        )
        ax.set_xscale("log")
        ax.set_xticks(TOPK, [str(k) for k in TOPK])
        ax.minorticks_off()
        ax.set_xlabel("K archs trained from the shortlist")
        ax.set_ylabel("best of top K: percentile (0 = best)")
        ax.set_title(f"{title}\n{source}", fontsize=9)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=7)
    fig.suptitle("What --train-top K buys: the best label among a ranker's top K (LOTO)")
    fig.tight_layout()
    return report.save_figure(fig, path)


def write_plots(results: str | Path, out: str | Path) -> list[Path]:
    """Write every headline plot whose input exists under ``results``; returns the paths.

    Raises:
        ValueError: an input is malformed (names file and field), or no input was found.
    """
    results, out = Path(results), Path(out)
    out.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    rep = _load(results / REPEATABILITY_FILE)
    if rep is None:
        print(
            f"skipped repeatability plot: {results / REPEATABILITY_FILE} not found", file=sys.stderr
        )
    else:
        table = repeatability_table(rep, str(results / REPEATABILITY_FILE))
        written.append(
            plot_repeatability(
                table, out / "headline_label_repeatability.png", f"{REPEATABILITY_FILE}"
            )
        )
    panels = []
    n_archs = 0
    for name, title in LOTO_FILES:
        data = _load(results / name)
        if data is None:
            print(f"skipped LOTO panel: {results / name} not found", file=sys.stderr)
            continue
        table = loto_table(data, str(results / name))
        panels.append((name, title, table))
        # Archs per held-out task, for the random expectation (every row of a run has the same n).
        n_archs = int(_number(data["rows"][0], f"{results / name} rows[0]", ("n",)))
    if panels:
        written.append(plot_loto(panels, out / "headline_loto.png"))
        written.append(plot_topk(panels, n_archs, out / "headline_loto_topk.png"))
    if not written:
        raise ValueError(
            f"{results}: none of the inputs found "
            f"({REPEATABILITY_FILE}, {', '.join(n for n, _ in LOTO_FILES)})"
        )
    return written


def main(argv: list[str] | None = None) -> int:
    cfg = parse(Config, argv, prog="python -m benchmarks.headline_plots", description=__doc__)
    for path in write_plots(cfg.results, cfg.out):
        print(path)
    return EXIT_OK


if __name__ == "__main__":
    run_main(main)
