"""Which tasks agree on which arch is good: the task x task agreement matrix of a label store.

Kendall tau between two tasks' seed-averaged labels over the archs both hold, for every pair of
tasks, summarised within and across task families (a family: related data, such as disjoint
groups of series of one dataset). Transfer from one task to another can only be as good as this
agreement, so it bounds what a zero-shot ranker can carry. Writes ``OUT.json``, ``OUT.md`` and a
heatmap ``OUT.png``.

    python -m benchmarks.task_agreement --store corpus/labels.sqlite --label-kind knn_val_mse \\
        --families 'energy=epf_fr_be,india_power,vic_elec' --out benchmarks/results/task_agreement_v1
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from itertools import combinations
from pathlib import Path

import numpy as np

from benchmarks import report
from benchmarks.metrics import shared_tau
from cliconfig import EXIT_OK, option, parse, run_main


@dataclass
class AgreementConfig:
    """Which tasks agree on which arch is good: the task x task agreement matrix of a store."""

    store: str = option("corpus/labels.sqlite", "label store (SQLite)")
    label_kind: str = option("", "rank by this metric (e.g. knn_val_mse); default: label")
    families: str = option(
        "",
        "task families as 'NAME=task,task;NAME=task,...' (tasks not named are their own family)",
    )
    min_shared: int = option(10, "archs two tasks must share to be compared")
    out: str = option("benchmarks/results/task_agreement", "path stem of .json/.md/.png")


def parse_families(text: str, tasks: list[str]) -> dict[str, str]:
    """``{task: family}`` from ``'A=t1,t2;B=t3'``; unnamed tasks are their own family.

    Raises:
        ValueError: a malformed entry, a task in two families, or a task not in ``tasks``.
    """
    fam: dict[str, str] = {}
    for part in filter(None, (p.strip() for p in text.split(";"))):
        name, eq, members = part.partition("=")
        if not eq or not name.strip() or not members.strip():
            raise ValueError(f"--families: {part!r} is not NAME=task,task")
        for t in filter(None, (m.strip() for m in members.split(","))):
            if t not in tasks:
                raise ValueError(f"--families: task {t!r} is not in the store; known: {tasks}")
            if t in fam:
                raise ValueError(f"--families: task {t!r} is in {fam[t]!r} and {name.strip()!r}")
            fam[t] = name.strip()
    return {t: fam.get(t, t) for t in tasks}


def agreement(
    means: dict[str, dict[str, float]], min_shared: int = 10
) -> tuple[list[str], np.ndarray, np.ndarray]:
    """Kendall tau between every two tasks' labels over their shared archs.

    Args:
        means: ``{task: {arch_hash: label}}``.
        min_shared: pairs sharing fewer archs get NaN.

    Returns:
        ``(tasks, tau [T, T], shared [T, T])`` with 1 on the diagonal of ``tau``.
    """
    tasks = sorted(means)
    n = len(tasks)
    tau = np.eye(n)
    shared = np.zeros((n, n), dtype=np.int64)
    for i, j in combinations(range(n), 2):
        t, shared[i, j] = shared_tau(means[tasks[i]], means[tasks[j]], min_n=min_shared)
        shared[j, i] = shared[i, j]
        tau[i, j] = tau[j, i] = t
    for i in range(n):
        shared[i, i] = len(means[tasks[i]])
    return tasks, tau, shared


def summarize(tasks: list[str], tau: np.ndarray, family: dict[str, str]) -> dict[str, float]:
    """Mean tau over task pairs within a family and across families (NaN: no such pair)."""
    within, across = [], []
    for i, j in combinations(range(len(tasks)), 2):
        if np.isfinite(tau[i, j]):
            (within if family[tasks[i]] == family[tasks[j]] else across).append(tau[i, j])
    return {
        "within_mean_tau": float(np.mean(within)) if within else float("nan"),
        "within_pairs": len(within),
        "across_mean_tau": float(np.mean(across)) if across else float("nan"),
        "across_pairs": len(across),
    }


def heatmap(tasks: list[str], tau: np.ndarray, family: dict[str, str], path: Path, title: str):
    plt = report.pyplot()
    order = sorted(range(len(tasks)), key=lambda i: (family[tasks[i]], tasks[i]))
    m = tau[np.ix_(order, order)]
    names = [f"{tasks[i]} ({family[tasks[i]]})" if family[tasks[i]] != tasks[i] else tasks[i]
             for i in order]  # fmt: skip
    size = 1.2 + 0.55 * len(tasks)
    fig, ax = plt.subplots(figsize=(size + 1.5, size))
    im = ax.imshow(m, vmin=-1, vmax=1, cmap="RdBu_r")
    ax.set_xticks(range(len(names)), names, rotation=45, ha="right", fontsize=9)
    ax.set_yticks(range(len(names)), names, fontsize=9)
    for i in range(len(names)):
        for j in range(len(names)):
            if np.isfinite(m[i, j]) and i != j:
                ax.text(j, i, f"{m[i, j]:.2f}", ha="center", va="center", fontsize=7)
    fig.colorbar(im, ax=ax, label="Kendall tau over shared archs")
    ax.set_title(title, fontsize=10)
    fig.tight_layout()
    report.save_figure(fig, path)


def markdown(doc: dict) -> str:
    """The report of a result document: the matrix with the shared counts, and the summary."""
    cfg, tasks, family, summ = doc["config"], doc["tasks"], doc["family"], doc["summary"]
    tau = np.array(doc["tau"], dtype=np.float64)  # [T, T]; JSON null (no pair) -> NaN
    shared = doc["shared"]
    kind = cfg["label_kind"] or "stored label"
    lines = [
        "# Task x task agreement",
        "",
        f"Command: `{doc['command']}`",
        "",
        f"Kendall tau between two tasks' seed-averaged labels ({kind}, each task's highest "
        f"budget) over the archs both hold (count in brackets; fewer than {cfg['min_shared']}: "
        "blank). Heatmap: `" + Path(cfg["out"]).with_suffix(".png").name + "`.",
        "",
        f"Within a family: mean tau {summ['within_mean_tau']:.3f} over {summ['within_pairs']} "
        f"task pairs; across families: {summ['across_mean_tau']:.3f} over "
        f"{summ['across_pairs']} pairs.",
        "",
    ]
    body = []
    for i, t in enumerate(tasks):
        cells = [
            "1" if i == j else (f"{tau[i, j]:.2f} ({shared[i][j]})" if np.isfinite(tau[i, j]) else "")
            for j in range(len(tasks))
        ]  # fmt: skip
        body.append([t, family[t], *cells])
    return "\n".join(lines + report.table(["task", "family", *tasks], body)) + "\n"


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    cfg = parse(AgreementConfig, argv, prog="python -m benchmarks.task_agreement")
    from predictor.labels import from_store  # after parsing: --help loads no torch

    if not Path(cfg.store).is_file():
        raise ValueError(f"{cfg.store}: no such label store")
    recs = from_store(cfg.store, kind=cfg.label_kind, seeds="mean")
    top: dict[str, float] = {}
    for r in recs:
        top[r["task"]] = max(top.get(r["task"], r["budget"]), r["budget"])
    from archgraph import CTS_SPACE

    means: dict[str, dict[str, float]] = {}
    for r in recs:
        if r["budget"] == top[r["task"]]:
            means.setdefault(r["task"], {})[CTS_SPACE.arch_hash(r["arch"])] = r["label"]
    tasks, tau, shared = agreement(means, cfg.min_shared)
    family = parse_families(cfg.families, tasks)
    summ = summarize(tasks, tau, family)
    out = Path(cfg.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    kind = cfg.label_kind or "stored label"
    heatmap(tasks, tau, family, out.with_suffix(".png"), f"{cfg.store}: {kind}, seed means")
    doc = {
        "command": report.command("benchmarks.task_agreement", argv),
        "config": dict(cfg.__dict__),
        "machine": report.machine(),
        "tasks": tasks,
        "family": family,
        "tau": tau.tolist(),
        "shared": shared.tolist(),
        "summary": summ,
    }
    report.publish(out, doc, markdown(doc))
    return EXIT_OK


if __name__ == "__main__":
    run_main(main)
