"""``python -m predictor.train``: train a comparator on stored labels or NAS-Bench-Graph.

Examples::

    python -m predictor.train --store labels.sqlite --gnn gin --fusion film --head score \\
        --out runs/NAME/ --holdout-tasks a,b --epochs 200 --seed 0
    python -m predictor.train --nbgraph cora,citeseer --n-train 100 --out runs/nb/

Prints per-task validation pairwise accuracy and Kendall tau (and, for held-out tasks or archs
left out by ``--n-train``, test figures); writes ``OUT/comparator.pt`` (+ ``.json``) and
``OUT/summary.json``. Flags or ``--config FILE`` (keys: the flags' names; see ``cliconfig``).
"""

from __future__ import annotations

import json
import shlex
import sys
import time
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

from cliconfig import EXIT_OK, ConfigParser, option, parser_for, run_main

from .config import ComparatorConfig

# torch loads inside the functions, after the flags are parsed: --help answers at once.
if TYPE_CHECKING:
    from .tasks import TaskFeaturizer

_LABELS = "labels (--store or --nbgraph)"


@dataclass
class ComparatorTrainConfig(ComparatorConfig):
    """Train a comparator on stored labels or NAS-Bench-Graph.

    The comparator model and training flags are the fields of predictor.config.ComparatorConfig;
    the others say where the labels come from, which archs and tasks train and test, and where
    the result goes.
    """

    store: str | None = option(None, "contrastive label store (SQLite)", group=_LABELS)
    nbgraph: tuple[str, ...] = option(
        (), "NAS-Bench-Graph datasets, comma-separated (e.g. cora,photo)", group=_LABELS
    )
    metric: str = option("perf", "NAS-Bench-Graph metric (perf, valid_perf, ...)", group=_LABELS)
    label_kind: str = option(
        "",
        "store: rank by this metric of each row (e.g. knn_val_mse) instead of its label",
        group=_LABELS,
    )
    budget: float | None = option(None, "store: full budget to train on", group=_LABELS)
    low_budget: float | None = option(
        None, "store: two-stage training, first on this cheap budget", group=_LABELS
    )
    finetune_epochs: int | None = option(
        None, "--low-budget: epochs of the second stage (default: --epochs)", group=_LABELS
    )
    task_features: Literal["stats", "embed", "both"] = option(
        "stats", "store tasks: stats, or embed/both to also train the window embedder"
    )
    holdout_tasks: tuple[str, ...] = option(
        (), "tasks left out of training (zero-shot test), comma-separated"
    )
    n_train: int = option(0, "training archs per task (0: all)")
    max_test: int = option(5000, "test archs per task at most")
    tiny: bool = option(
        False,
        "start from the tiny CPU config (tests, smoke runs); comparator flags set to other "
        "values than their defaults apply on top of it",
    )
    out: str = option("runs/comparator", "output directory")

    def comparator_config(self) -> ComparatorConfig:
        """The :class:`ComparatorConfig` part (``tiny``: its tiny config, with every comparator
        setting that differs from the default on top)."""
        values = {f.name: getattr(self, f.name) for f in fields(ComparatorConfig)}
        if not self.tiny:
            return ComparatorConfig(**values)
        default = ComparatorConfig()
        return ComparatorConfig.tiny(
            **{k: v for k, v in values.items() if v != getattr(default, k)}
        )


def build_parser() -> ConfigParser[ComparatorTrainConfig]:
    return parser_for(ComparatorTrainConfig, prog="python -m predictor.train")


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


def run(cfg: ComparatorTrainConfig, argv: list[str] | None = None) -> dict[str, Any]:
    from .comparator import Comparator, get_space
    from .labels import aggregate, from_nbgraph, from_store

    if bool(cfg.store) == bool(cfg.nbgraph):
        raise ValueError("give exactly one of --store or --nbgraph")
    featurizer = None
    if cfg.nbgraph:
        from archgraph.nbgraph import META_FEATURES, meta_features, space_for

        datasets = list(cfg.nbgraph)
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
    holdout = list(cfg.holdout_tasks)
    tasks = sorted({r["task"] for r in records})
    unknown = [t for t in holdout if t not in tasks]
    if unknown:
        raise ValueError(f"--holdout-tasks: unknown tasks {unknown}; known: {tasks}")

    config = cfg.comparator_config()
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
    cfg = build_parser().parse(argv)
    run(cfg, argv)
    return EXIT_OK


if __name__ == "__main__":
    run_main(main)
