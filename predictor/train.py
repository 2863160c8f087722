"""``python -m predictor.train``: train a comparator on stored labels or NAS-Bench-Graph.

Examples::

    python -m predictor.train --store labels.sqlite --model gin --fusion film --head score \\
        --out runs/NAME/ --holdout-tasks a,b --epochs 200 --seed 0
    python -m predictor.train --nbgraph cora,citeseer --n-train 100 --out runs/nb/

Prints per-task validation pairwise accuracy and Kendall tau (and, for held-out tasks or archs
left out by ``--n-train``, test figures); writes ``OUT/comparator.pt`` (+ ``.json``) and
``OUT/summary.json``. Flags or ``--config FILE`` (see ``archgraph.cli``).
"""

from __future__ import annotations

import argparse
import json
import shlex
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from archgraph.cli import EXIT_OK, HelpFormatter, add_config_flag, parse_into, run_main

# torch loads inside the functions, after the flags are parsed: --help answers at once.
if TYPE_CHECKING:
    from .tasks import TaskFeaturizer


@dataclass
class TrainConfig:
    store: str | None = None
    nbgraph: str | None = None
    metric: str = "perf"
    label_kind: str = ""
    out: str = "runs/comparator"
    model: str = "gin"
    fusion: str = "film"
    head: str = "score"
    readout: str = "sum"
    depth: int = 3
    width: int = 64
    task_inputs: str = "stats"
    task_features: str = "stats"
    holdout_tasks: str = ""
    n_train: int = 0
    max_test: int = 5000
    epochs: int = 300
    noise: float = 0.0
    pair_rule: str = "none"
    pair_z: float = 1.0
    budget: float | None = None
    low_budget: float | None = None
    finetune_epochs: int | None = None
    tiny: bool = False
    seed: int = 0


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m predictor.train",
        description=__doc__.split("\n")[0],
        formatter_class=HelpFormatter,
    )
    add_config_flag(p)
    src = p.add_argument_group("labels (one of)")
    src.add_argument("--store", help="contrastive label store (SQLite)")
    src.add_argument(
        "--nbgraph", help="NAS-Bench-Graph datasets, comma-separated (e.g. cora,photo)"
    )
    p.add_argument(
        "--metric", default="perf", help="NAS-Bench-Graph metric (perf, valid_perf, ...)"
    )
    p.add_argument(
        "--label-kind",
        default="",
        help="store: rank by this metric of each row (e.g. knn_val_mse) instead of its label",
    )
    p.add_argument("--out", default="runs/comparator", help="output directory")
    p.add_argument("--model", default="gin", help="GNN: gcn, gin, gat, sage")
    p.add_argument("--fusion", default="film", help="none, concat, film, attention")
    p.add_argument("--head", default="score", help="score (antisymmetric) or concat (AutoCTS++)")
    p.add_argument("--readout", default="sum", help="mean, sum, attention")
    p.add_argument("--depth", type=int, default=3)
    p.add_argument("--width", type=int, default=64)
    p.add_argument("--task-inputs", default="stats", help="task branch reads: stats, set, both")
    p.add_argument(
        "--task-features",
        default="stats",
        help="store tasks: stats, or embed/both to also train the window embedder",
    )
    p.add_argument(
        "--holdout-tasks", default="", help="tasks left out of training (zero-shot test)"
    )
    p.add_argument("--n-train", type=int, default=0, help="training archs per task (0: all)")
    p.add_argument("--max-test", type=int, default=5000, help="test archs per task at most")
    p.add_argument("--epochs", type=int, default=300)
    p.add_argument(
        "--noise", type=float, default=0.0, help="drop closer pairs (-1: measured noise)"
    )
    p.add_argument(
        "--pair-rule",
        default="none",
        choices=("none", "drop", "weight"),
        help="noise-aware pairs, from the SEs of the seed-averaged labels: drop pairs closer "
        "than --pair-z combined SEs, or weight each by the confidence its order is real",
    )
    p.add_argument(
        "--pair-z", type=float, default=1.0, help="--pair-rule drop: threshold in combined SEs"
    )
    p.add_argument("--budget", type=float, default=None, help="store: full budget to train on")
    p.add_argument(
        "--low-budget",
        type=float,
        default=None,
        help="store: two-stage training, first on this cheap budget",
    )
    p.add_argument("--finetune-epochs", type=int, default=None)
    p.add_argument("--tiny", action="store_true", help="tiny CPU config (tests, smoke runs)")
    p.add_argument("--seed", type=int, default=0)
    return p


def _store_task_features(names: list[str], mode: str, seed: int) -> tuple[dict, TaskFeaturizer]:
    from .tasks import EmbedderConfig, TaskFeaturizer, WindowEmbedder

    try:
        from contrastive.data import load_task
    except ImportError as err:
        raise ValueError(
            "task features for store tasks need contrastive.data.load_task, "
            "which is not available in this build"
        ) from err
    tasks = {}
    for n in names:
        try:
            tasks[n] = load_task(n)
        except (KeyError, LookupError) as err:
            raise ValueError(f"unknown task {n!r} ({err})") from err
    embedder = None
    if mode in ("embed", "both"):
        embedder = WindowEmbedder(EmbedderConfig(seed=seed))
        embedder.fit(list(tasks.values()))
    featurizer = TaskFeaturizer(embedder)
    return {n: featurizer.features(t) for n, t in tasks.items()}, featurizer


def run(cfg: TrainConfig, argv: list[str] | None = None) -> dict[str, Any]:
    from .comparator import Comparator, ComparatorConfig, get_space
    from .labels import aggregate, from_nbgraph, from_store

    if bool(cfg.store) == bool(cfg.nbgraph):
        raise ValueError("give exactly one of --store or --nbgraph")
    featurizer = None
    if cfg.nbgraph:
        from archgraph.nbgraph import META_FEATURES, meta_features, space_for

        datasets = [d.strip() for d in cfg.nbgraph.split(",") if d.strip()]
        for d in datasets:
            if d not in META_FEATURES:
                raise ValueError(
                    f"unknown NAS-Bench-Graph dataset {d!r}; known: {sorted(META_FEATURES)}"
                )
        spaces = {space_for(d).name for d in datasets}
        if len(spaces) > 1:
            raise ValueError("proteins has its own space; train it separately")
        space = space_for(datasets[0])
        records = from_nbgraph(datasets, cfg.metric)
        features = {d: meta_features(d) for d in datasets}
    else:
        if not Path(cfg.store).is_file():
            raise ValueError(f"{cfg.store}: no such label store")
        space = get_space("cts")
        records = from_store(cfg.store, kind=cfg.label_kind)
        if not records:
            raise ValueError(f"{cfg.store}: no ok labels")
        features, featurizer = (
            _store_task_features(sorted({r["task"] for r in records}), cfg.task_features, cfg.seed)
            if cfg.fusion != "none"
            else ({}, None)
        )
    holdout = [t.strip() for t in cfg.holdout_tasks.split(",") if t.strip()]
    tasks = sorted({r["task"] for r in records})
    unknown = [t for t in holdout if t not in tasks]
    if unknown:
        raise ValueError(f"--holdout-tasks: unknown tasks {unknown}; known: {tasks}")

    overrides = dict(
        gnn=cfg.model,
        fusion=cfg.fusion,
        head=cfg.head,
        readout=cfg.readout,
        depth=cfg.depth,
        width=cfg.width,
        task_inputs=cfg.task_inputs,
        epochs=cfg.epochs,
        noise=cfg.noise,
        pair_rule=cfg.pair_rule,
        pair_z=cfg.pair_z,
        seed=cfg.seed,
    )
    if cfg.tiny:
        overrides = {k: v for k, v in overrides.items() if k not in ("depth", "width")}
    config = ComparatorConfig.tiny(**overrides) if cfg.tiny else ComparatorConfig(**overrides)
    comp = Comparator(space, config, featurizer)

    # Per-task arch subsets: --n-train archs for training, the rest (<= --max-test) for testing.
    grouped, _ = aggregate(space, records)
    rng = np.random.default_rng(cfg.seed)
    train_recs, test_sets = [], {}
    for task in sorted(grouped):
        archs, labels = grouped[task]
        perm = rng.permutation(len(archs))
        if task in holdout:
            test_sets[task] = perm[: cfg.max_test]
            continue
        n = cfg.n_train or len(archs)
        train_recs += [{"arch": archs[i], "task": task, "label": labels[i]} for i in perm[:n]]
        if cfg.n_train and len(archs) > n:
            test_sets[task] = perm[n : n + cfg.max_test]

    def fit(recs: list[dict]) -> dict:
        if cfg.low_budget is None:
            return comp.fit(recs, features)
        low = [r for r in records if r.get("budget") == cfg.low_budget and r["task"] not in holdout]
        high = [r for r in recs if cfg.budget is None or r.get("budget") == cfg.budget]
        return comp.fit_two_stage(low, high, features, cfg.finetune_epochs)["stage2"]

    if cfg.store and cfg.budget is not None:
        train_recs = [r for r in train_recs if r.get("budget") in (None, cfg.budget)] or train_recs
    t0 = time.time()
    history = fit(train_recs)
    seconds = time.time() - t0
    print(
        f"trained in {seconds:.1f} s on {history['n_train_archs']} archs "
        f"(best epoch {history['best_epoch']})"
    )
    print(f"{'task':<16} {'split':<8} {'n':>6} {'pair_acc':>9} {'tau':>7}")
    for task, m in sorted(history["val"].items()):
        print(
            f"{task:<16} {'val':<8} {m['n']:>6} {m['pairwise_acc']:>9.4f} {m['kendall_tau']:>7.4f}"
        )
    test = {}
    for task, idx in sorted(test_sets.items()):
        archs, labels = grouped[task]
        feat = task if task in comp.task_table else features.get(task)
        m = comp.evaluate([archs[i] for i in idx], labels[idx], feat)
        split = "holdout" if task in holdout else "test"
        test[task] = {**m, "n": len(idx), "split": split}
        print(
            f"{task:<16} {split:<8} {len(idx):>6} {m['pairwise_acc']:>9.4f} {m['kendall_tau']:>7.4f}"
        )

    out = Path(cfg.out)
    out.mkdir(parents=True, exist_ok=True)
    ckpt = comp.save(out / "comparator.pt")
    summary = {
        "command": "python -m predictor.train " + " ".join(shlex.quote(a) for a in (argv or [])),
        "config": asdict(cfg),
        "comparator": asdict(config),
        "space": space.version,
        "seconds": seconds,
        "history": {k: v for k, v in history.items() if k != "log"},
        "test": test,
        "checkpoint": str(ckpt),
    }
    (out / "summary.json").write_text(json.dumps(summary, indent=2, default=float) + "\n")
    print(f"wrote {ckpt} and {out / 'summary.json'}")
    return summary


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    cfg = parse_into(build_parser(), TrainConfig, argv)
    run(cfg, argv)
    return EXIT_OK


if __name__ == "__main__":
    run_main(main)
