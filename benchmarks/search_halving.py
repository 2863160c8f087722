"""Does successive halving pay? The simulated search (:mod:`benchmarks.search_sim`) with and
without a low-fidelity first rung, at equal labelling cost.

Corpus v1 stores every label at one budget (30 steps) with the same arch's *untrained* probe
(``untrained_<kind>``, 0 training steps) beside it: that is the only pair of fidelities with
stored labels for the same archs, so it is the low fidelity here. For each held-out task, each
method and each search seed the loop (:func:`predictor.smbo.smbo`, the real search's code) runs
plain (every trial at the full budget) and with successive halving (``eta x batch`` low labels,
the best ``batch`` by their low label at the full budget). A low label costs ``c`` full labels:
``c`` = the task's median of ``(seconds - train_seconds) / seconds`` over its stored labels (all
but training: setup and both probes, so an upper bound on a 0-step label's share). The curve is
the best full-budget label's percentile in the pool against cost (full-label equivalents); the
table reads it at costs 5, 10, 20 and 30, mean [95% bootstrap interval] over tasks x seeds.
Also reported: each task's Kendall tau between the low and the full label.

    python -m benchmarks.search_halving --out benchmarks/results/search_halving \\
        --prior-cache runs/sim_priors
"""

from __future__ import annotations

import json
import os
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from scipy.stats import kendalltau

from benchmarks.report import machine
from benchmarks.search_sim import (
    SimConfig,
    bootstrap,
    cached_prior,
    log,
    sim_surrogate,
    suite_data,
)
from cliconfig import EXIT_ERROR, EXIT_OK, ConfigParser, option, parser_for, run_main
from predictor.features import arch_features, max_nodes
from predictor.smbo import LoopConfig, StoreSlot, smbo
from predictor.surrogates import SURROGATES, ArchMemo

COSTS = (5, 10, 20, 30)


@dataclass
class HalvingConfig:
    """The settings of ``python -m benchmarks.search_halving`` (one flag each); the prior's
    defaults are :class:`benchmarks.search_sim.SimConfig`'s."""

    methods: str = option("random,gp,zeroshot", f"comma list of {list(SURROGATES)}")
    tasks: str = option("", "held-out corpus tasks (default: all)")
    seeds: int = option(10, "search seeds per task")
    batch: int = option(5, "trials per surrogate refit")
    eta: int = option(3, "halving: eta x batch low labels per round (>= 2)")
    store: str = option("corpus/labels.sqlite", "corpus label store")
    prior_epochs: int = option(SimConfig.prior_epochs, "zero-shot prior (comparator) epochs")
    prior_width: int = option(SimConfig.prior_width, "zero-shot prior (comparator) GNN width")
    finetune_epochs: int = option(SimConfig.finetune_epochs, "comparator-SMBO fine-tuning epochs")
    prior_cache: str = option(
        "", "keep each held-out task's trained prior in DIR and reuse it", metavar="DIR"
    )
    n_boot: int = option(1000, "bootstrap resamples")
    out: str = option("benchmarks/results/search_halving", "path stem of the .json / .md")


def build_parser() -> ConfigParser[HalvingConfig]:
    """The parser of ``python -m benchmarks.search_halving`` (from :class:`HalvingConfig`)."""
    return parser_for(
        HalvingConfig, prog="python -m benchmarks.search_halving", description=__doc__
    )


def low_fidelity(store: str, kind: str) -> tuple[dict, dict]:
    """``({task: {arch_hash: untrained label}}, {task: cost of a low label in full labels})``
    from the corpus store's seed-0 labels (``kind``: the label's metric, e.g. ``val_mse``)."""
    from archgraph import CTS_SPACE
    from contrastive.store import LabelStore

    low: dict[str, dict[str, float]] = {}
    share: dict[str, list[float]] = {}
    for r in LabelStore(store, readonly=True).records():
        m = r["metrics"]
        if r["seed"] != 0 or not isinstance(m.get(f"untrained_{kind}"), float):
            continue
        low.setdefault(r["task"], {})[CTS_SPACE.arch_hash(r["arch"])] = m[f"untrained_{kind}"]
        sec, tr = r["seconds"], m.get("train_seconds")
        if sec and isinstance(tr, float) and 0 <= tr < sec:
            share.setdefault(r["task"], []).append((sec - tr) / sec)
    return low, {t: float(np.median(v)) for t, v in share.items()}


def cost_curve(events: list[tuple[float, float | None]], y: np.ndarray, costs: int) -> list:
    """Best full label's pool percentile after each whole unit of cost ``1..costs`` (NaN
    before the first full label). ``events``: ``(cost, full label or None)`` in order."""
    out, spent, best, k = [], 0.0, np.inf, 0
    for c, lab in events:
        spent += c
        while k < costs and spent > k + 1 + 1e-9:  # budget k + 1 ran out before this label
            out.append(float((y < best).mean()) if np.isfinite(best) else np.nan)
            k += 1
        if lab is not None:
            best = min(best, lab)
    while k < costs:
        out.append(float((y < best).mean()) if np.isfinite(best) else np.nan)
        k += 1
    return out


def run_task(
    data: Any, held: str, comp: Any, low: dict, c: float, cfg: HalvingConfig
) -> list[dict]:
    """Plain and halving runs of every method x seed on one held-out task."""
    space = data.space
    t = data.tasks.index(held)
    idx = data.labelled(held)
    archs = [data.archs[i] for i in idx]
    hashes = [space.arch_hash(a) for a in archs]
    keep = [i for i, h in enumerate(hashes) if h in low]
    archs, hashes = [archs[i] for i in keep], [hashes[i] for i in keep]
    y = data.labels[t, idx][keep]
    full = {id(a): float(v) for a, v in zip(archs, y, strict=True)}
    cheap = {id(a): low[h] for a, h in zip(archs, hashes, strict=True)}
    width = max_nodes(space, archs)
    features = ArchMemo(lambda a: arch_features(space, a, max_nodes=width))
    task_feat = data.features[held]
    embed = ArchMemo(lambda a: comp.embeddings(a, task_feat, validated=True))
    rows = []
    for method in cfg.methods.split(","):
        for seed in range(cfg.seeds):
            for variant in ("plain", "halving"):
                events: list[tuple[float, float | None]] = []

                def full_fn(a: dict, events: list = events) -> dict:
                    events.append((1.0, full[id(a)]))
                    return {"status": "ok", "label": full[id(a)]}

                def low_fn(a: dict, events: list = events) -> dict:
                    events.append((c, None))
                    return {"status": "ok", "label": cheap[id(a)]}

                surrogate = sim_surrogate(
                    method, space, comp, task_feat, seed, features, embed, cfg.finetune_epochs
                )
                halving = variant == "halving"
                # max(COSTS) full trials cost at least max(COSTS) either way
                loop = LoopConfig(
                    min(max(COSTS), len(archs)), cfg.batch, mutations=0, seed=seed, eta=cfg.eta
                )
                smbo(
                    space,
                    surrogate,
                    full_fn,
                    archs,
                    loop,
                    StoreSlot(None, held, 30, seed),
                    candidate_hashes=hashes,
                    low_fn=low_fn if halving else None,
                    low_slot=StoreSlot(None, held, 0, seed, index_key="smbo_low_trial"),
                )
                rows.append(
                    {
                        "task": held,
                        "method": method,
                        "variant": variant,
                        "seed": seed,
                        "percentile": cost_curve(events, y, max(COSTS)),
                        "full_labels": sum(lab is not None for _, lab in events),
                        "low_labels": sum(lab is None for _, lab in events),
                    }
                )
    return rows


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser()
    cfg = parser.parse(argv)
    bad = [m for m in cfg.methods.split(",") if m not in SURROGATES]
    if bad or cfg.seeds < 1 or cfg.batch < 1 or cfg.eta < 2:
        parser.error(f"bad --methods {bad} or --seeds/--batch/--eta")
    import torch

    torch.set_num_threads(1)
    t0, c0, load0 = time.time(), time.process_time(), os.getloadavg()
    sim = SimConfig(
        store=cfg.store,
        prior_epochs=cfg.prior_epochs,
        prior_width=cfg.prior_width,
        prior_cache=cfg.prior_cache,
    )
    try:
        data = suite_data("corpus", sim)
        kind = _label_kind(cfg.store)
        low, cost = low_fidelity(cfg.store, kind)
    except ValueError as err:
        print(f"error: {err}", file=sys.stderr)
        return EXIT_ERROR
    tasks = cfg.tasks.split(",") if cfg.tasks else data.tasks
    rows, taus = [], {}
    for held in tasks:
        if held not in data.tasks or held not in low:
            print(f"error: no corpus task {held!r} with untrained labels", file=sys.stderr)
            return EXIT_ERROR
        needs_prior = {"zeroshot", "comparator", "priorgp"} & set(cfg.methods.split(","))
        comp = cached_prior(data, "corpus", held, sim)[0] if needs_prior else None
        t = data.tasks.index(held)
        idx = data.labelled(held)
        hs = [data.space.arch_hash(data.archs[i]) for i in idx]
        both = [(low[held][h], data.labels[t, i]) for h, i in zip(hs, idx, strict=True)]
        taus[held] = float(kendalltau(*zip(*both, strict=True))[0])
        rows += run_task(data, held, comp, low[held], cost[held], cfg)
        log(f"{held}: tau(low, full) {taus[held]:.2f}, low label cost {cost[held]:.2f}")
    summary = {}
    for m in cfg.methods.split(","):
        for v in ("plain", "halving"):
            cells = np.array(
                [r["percentile"] for r in rows if r["method"] == m and r["variant"] == v]
            )
            cells = np.nan_to_num(cells, nan=1.0)  # no full label finished yet: the worst
            summary[f"{m} {v}"] = {
                k: list(bootstrap(cells[:, k - 1], cfg.n_boot, k)) for k in COSTS
            }
    doc = {
        "command": "python -m benchmarks.search_halving " + " ".join(argv),
        "machine": machine(),
        "loadavg_start": list(load0),
        "loadavg_end": list(os.getloadavg()),
        "wall_s": time.time() - t0,
        "cpu_s": time.process_time() - c0,
        "label_kind": kind,
        "tau_low_full": taus,
        "low_cost": {t: cost[t] for t in tasks},
        "summary": summary,
        "rows": rows,
    }
    out = Path(cfg.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.with_suffix(".json").write_text(json.dumps(doc, default=float) + "\n")
    out.with_suffix(".md").write_text(markdown(doc, cfg))
    print(markdown(doc, cfg))
    return EXIT_OK


def _label_kind(store: str) -> str:
    """The ``label_kind`` the corpus labels were made with (one kind per store)."""
    from contrastive.store import LabelStore

    for r in LabelStore(store, readonly=True).iter_records():
        kind = r["metrics"].get("label_kind")
        if isinstance(kind, str):
            return kind
    raise ValueError(f"{store}: no label record with metrics.label_kind")


def markdown(doc: dict, cfg: HalvingConfig) -> str:
    wins = {}
    for m in cfg.methods.split(","):
        wins[m] = [
            k
            for k in COSTS
            if doc["summary"][f"{m} halving"][k][0] < doc["summary"][f"{m} plain"][k][0]
        ]
    lines = [
        "# Successive halving in the simulated search: does a low-fidelity rung pay?",
        "",
        f"Command: `{doc['command']}`  ",
        f"Machine: {doc['machine']['processor']}, {doc['machine']['cpus']} CPUs, load average "
        f"{doc['loadavg_start'][0]:.1f} at the start, {doc['loadavg_end'][0]:.1f} at the end; "
        f"{doc['wall_s'] / 60:.1f} min wall, {doc['cpu_s'] / 60:.1f} min CPU.  ",
        f"Corpus v1 LOTO, label `{doc['label_kind']}`; low fidelity: the same arch untrained "
        f"(0 steps), full: 30 steps; batch {cfg.batch}, eta {cfg.eta}, {cfg.seeds} seeds "
        "per task; cost in full-label equivalents (a low label costs the task's share of a "
        "label spent outside training, an upper bound); before its first full label a run "
        "counts as percentile 1.",
        "",
        "| task | Kendall tau(low, full) | cost of a low label |",
        "|---|---|---|",
    ]
    for t, tau in doc["tau_low_full"].items():
        lines.append(f"| {t} | {tau:.2f} | {doc['low_cost'][t]:.2f} |")
    lines += [
        "",
        "Best full-budget label's percentile at equal cost, mean [95% interval]:",
        "",
        "| method | " + " | ".join(f"cost {k}" for k in COSTS) + " |",
        "|---|" + "---|" * len(COSTS),
    ]
    for name, vals in doc["summary"].items():
        cells = [f"{vals[k][0]:.3f} [{vals[k][1]:.3f}, {vals[k][2]:.3f}]" for k in COSTS]
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    lines += [
        "",
        "Halving ahead of plain (mean) at costs: "
        + "; ".join(f"{m}: {v or 'none'}" for m, v in wins.items())
        + ".",
    ]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    run_main(main)
