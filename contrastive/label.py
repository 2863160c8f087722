"""``python -m contrastive.label``: sweep labels of sampled archs on tasks into a SQLite store.

Examples::

    python -m contrastive.label --tasks pedestrian,epf_fr_be --n-archs 100 --seed 0 \\
        --store labels.sqlite --workers 2
    python -m contrastive.label --data my.csv --task-name my --n-archs 20 --store labels.sqlite
    python -m contrastive.label --tasks all --n-archs 50 --backend ray --ray-address auto
    python -m contrastive.label --list-tasks

The same ``--seed`` draws the same archs on every run (``--n-shared K``: the first K archs are
shared by all tasks, the rest drawn per task). First each task's references (raw-lag ridge,
untrained preset; ``--no-references`` skips them) are stored once. Only labels missing from
the store run, each written as soon as it finishes, so Ctrl-C or ``kill -9`` loses no
finished label and a rerun resumes. ``--refresh METRIC`` upgrades a store after the label
function gained a metric: ok rows lacking it are rerun and get the new metrics merged in when the
rerun reproduces their label exactly (labels are deterministic on CPU). ``--export FILE`` (.jsonl or .csv) writes the store's rows after the sweep.

Exit codes: 0 every requested label is stored ``ok``; 1 an error stopped the sweep (bad flag
value, bad data, unknown task); 2 usage error; 3 the sweep ran but some requested labels are
stored as ``failed`` (see their ``error``; ``--retry-failed`` reruns them); 130 interrupted.

The label of an arch is the mean over its training seeds (``predictor.labels.from_store``).
``--n-seeds K`` labels with seeds 0..K-1; ``--n-seeds auto`` labels seeds 0 and 1, measures each
task's split-half repeatability over the sweep's archs (``contrastive.repeatability``) and adds
the seeds that task needs to reach ``--target-tau`` (at most ``--max-seeds``); a rerun measures
again on what is stored and fills what is missing.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from archgraph.io import read_archs
from cliconfig import ConfigParser, option, parser_for

from . import sweep as sw
from .dataflags import CsvFlags, CsvTaskSpec, check_data_flags, csv_options, report_cleaning

# archgraph (and so torch_geometric) is imported inside the functions: spawned worker
# processes re-import this module as their main module and must start fast.

SEEDS = "training seeds"


@dataclass
class LabelConfig(CsvFlags):
    """Label seeded archs on tasks (train + probe) into a SQLite store; reruns skip what is
    stored."""

    tasks: str = option("", "comma-separated bundled task names, or 'all'")
    task_name: str | None = option(None, "name of the --data task (default: its file's stem)")
    list_tasks: bool = option(False, "list bundled tasks and exit")
    n_archs: int = option(10, "archs per task")
    n_shared: int | None = option(None, "how many of the archs all tasks share (default: all)")
    seed: int = option(0, "arch sampling seed")
    archs: str | None = option(None, "JSON/JSONL file of archs to label instead of sampling")
    seeds: str = option("0", "training seeds, comma-separated", group=SEEDS)
    n_seeds: str | None = option(
        None,
        "label every arch with training seeds 0..K-1 (the label is their mean); 'auto': seeds 0 "
        "and 1 first, then per task the k its measured split-half repeatability needs to reach "
        "--target-tau by Spearman-Brown (at most --max-seeds); instead of --seeds",
        metavar="K|auto",
        group=SEEDS,
    )
    max_seeds: int = option(10, "--n-seeds auto: seeds a label at most", group=SEEDS)
    target_tau: float = option(
        0.8,
        "--n-seeds auto: the Kendall tau two independent seed-averaged labels should reach",
        group=SEEDS,
    )
    store: str = option("labels.sqlite", "SQLite store")
    workers: int = option(1, "parallel labels (0 runs in this process)")
    budget: int | None = option(None, "training steps a label (default: TrainConfig's default)")
    backend: Literal["local", "ray"] = option("local", "where the labels run")
    ray_address: str | None = option(
        None, "Ray cluster to join ('auto', 'ray://host:10001'); default: local Ray"
    )
    device: str = option("auto", "torch device: auto, cpu, cuda")
    retry_failed: bool = option(False, "rerun labels stored as failed")
    label_kind: str | None = option(
        None,
        "which metric is a row's label (default: the protocol's, see "
        "contrastive.config.LABEL_KINDS); a store holds one kind",
    )
    refresh: str = option(
        "",
        "also rerun ok rows that lack METRIC (e.g. knn_val_mse) and add the rerun's metrics "
        "where it reproduces the stored label exactly",
        metavar="METRIC",
    )
    label_fn: str = option(sw.DEFAULT_LABEL_FN, "label function as module:function")
    no_references: bool = option(
        False, "do not compute the per-task references (raw-lag ridge, untrained preset)"
    )
    references_fn: str = option(sw.DEFAULT_REFERENCES_FN, "references function as module:function")
    max_memory_gb: float | None = option(
        None,
        "refuse up front (a failed label) a label or CSV whose estimated memory exceeds this "
        "many GiB (default: TrainConfig's, 8; 0: no cap)",
    )
    export: str | None = option(None, "after the sweep, export rows to .jsonl/.csv")
    no_progress: bool = option(False, "no progress bar")


def build_parser() -> ConfigParser[LabelConfig]:
    """The argument parser, generated from :class:`LabelConfig`."""
    return parser_for(
        LabelConfig,
        prog="python -m contrastive.label",
        epilog="Exit codes: 0 all ok, 1 error, 2 usage, 3 some labels failed, 130 interrupted.",
    )


def _int_list(text: str, flag: str) -> list[int]:
    try:
        values = [int(v) for v in str(text).split(",") if v.strip()]
    except ValueError as err:
        raise ValueError(f"{flag}: expected comma-separated integers, got {text!r}") from err
    if not values:
        raise ValueError(f"{flag}: no value given")
    return values


def _seeds_needed(store, task: str, jobs: list, budget: int, cfg: LabelConfig) -> int:
    """The seeds ``task`` needs (``--n-seeds auto``), from the split-half of its stored labels
    over the sweep's archs; the measurement is kept in the store as the note
    ``repeatability/TASK/BUDGET``."""
    from .repeatability import split_half

    hashes = {j.key.arch_hash for j in jobs if j.key.task == task}
    table: dict[str, dict[int, float]] = {}
    for r in store.iter_records(task=task, budget=budget):
        if r["arch_hash"] in hashes:
            table.setdefault(r["arch_hash"], {})[int(r["seed"])] = float(r["label"])
    try:
        rep = split_half(table)
    except ValueError as err:
        print(f"{task}: {err}; no more seeds", file=sys.stderr)
        return 2
    k = rep.seeds_needed(cfg.target_tau, cfg.max_seeds)
    reached = rep.predicted_tau(k)
    print(
        f"{task}: split-half tau {rep.split_tau:.3f} over {rep.n_archs} archs and seeds "
        f"{list(rep.seeds)} (single seed ~{rep.single_tau:.3f}); {k} seeds predict tau "
        f"{reached:.3f}" + ("" if reached >= cfg.target_tau else f" < {cfg.target_tau} (capped)")
    )
    store.put_note(
        f"repeatability/{task}/{budget}",
        {
            "predicted_tau": reached,
            "seeds_needed": k,
            "split_tau": rep.split_tau,
            "single_tau": rep.single_tau,
            "tau_at_stored_seeds": rep.tau_at_k,
            "n_archs": rep.n_archs,
            "seeds": list(rep.seeds),
            "target_tau": cfg.target_tau,
            "max_seeds": cfg.max_seeds,
        },
    )
    return k


def _worst(summaries: list) -> sw.SweepSummary:
    """The summary whose exit code says most (interrupted, then failed, then ok)."""
    order = {sw.EXIT_INTERRUPTED: 2, sw.EXIT_FAILED: 1}
    return max(summaries, key=lambda s: order.get(s.exit_code, 0))


def main(argv: list[str] | None = None) -> int:
    """Run the CLI; returns the exit code (see the module docstring)."""
    from cliconfig import EXIT_OK

    parser = build_parser()
    cfg = parser.parse(argv)
    if cfg.max_memory_gb is not None and not cfg.max_memory_gb >= 0:
        parser.error(f"--max-memory-gb must be >= 0 (0: no cap), got {cfg.max_memory_gb}")
    check_data_flags(cfg, parser, need=False)
    from . import data
    from .store import LabelStore

    if cfg.list_tasks:
        print(
            f"{'task':<18} {'steps':>6} x {'N':<4} {'freq':<12} {'family':<10} {'series':<14} "
            f"{'domain':<20} source"
        )
        for t in data.list_tasks():
            print(
                f"{t['name']:<18} {t['shape'][0]:>6} x {t['shape'][1]:<4} {t['freq']:<12} "
                f"{t['family']:<10} {t['series']:<14} {t['domain']:<20} {t['source']}"
            )
        return EXIT_OK
    names = [t.strip() for t in cfg.tasks.split(",") if t.strip()]
    if names == ["all"]:
        names = list(data.BUNDLED)
    specs = []
    for name in names:
        data.load_task(name)  # unknown names and bad data fail here, before any work
        specs.append(sw.TaskSpec(name))
    if cfg.data:
        name = cfg.task_name or Path(cfg.data).stem
        if name in names:
            parser.error(f"--task-name {name!r} is also a bundled task in --tasks")
        opts = csv_options(cfg)
        spec = CsvTaskSpec(
            name,
            str(Path(cfg.data)),
            opts.pop("time_col"),
            cfg.max_memory_gb,
            columns=opts["columns"],
            drop_columns=opts["drop_columns"],
            max_series=opts.get("max_series"),
        )
        report_cleaning(spec.load())  # bad data fails here, before any work
        specs.append(spec)
    if not specs:
        parser.error("give --tasks NAMES and/or --data FILE (see --list-tasks)")
    if cfg.n_archs < 1:
        parser.error("--n-archs must be >= 1")
    seeds = _int_list(cfg.seeds, "--seeds")
    if cfg.n_seeds is not None:
        if cfg.seeds != "0":
            parser.error("give --seeds or --n-seeds, not both")
        if cfg.n_seeds == "auto":
            if cfg.max_seeds < 2:
                parser.error("--max-seeds must be >= 2")
            if not 0 < cfg.target_tau < 1:
                parser.error(f"--target-tau must be in (0, 1), got {cfg.target_tau}")
            seeds = [0, 1]
        else:
            k = str(cfg.n_seeds).strip()
            if not k.isdigit() or int(k) < 1:
                parser.error(f"--n-seeds: expected a count >= 1 or 'auto', got {cfg.n_seeds!r}")
            seeds = list(range(int(k)))
    budget = cfg.budget if cfg.budget is not None else sw.default_budget()
    if budget < 1:
        parser.error("--budget must be >= 1")
    if cfg.archs:
        given = read_archs(cfg.archs)
        archs = {s.name: given for s in specs}
    else:
        archs = sw.plan_archs([s.name for s in specs], cfg.n_archs, cfg.seed, cfg.n_shared)
    config = {} if cfg.max_memory_gb is None else {"max_memory_gb": cfg.max_memory_gb}
    if cfg.label_kind is not None:
        config["label_kind"] = cfg.label_kind
    probe_cfg = sw.make_config(budget, seeds[0], overrides=config)
    probe_cfg.check()  # a bad --label-kind fails here, before any work
    kind = probe_cfg.label_kind
    jobs = sw.plan_jobs(specs, archs, budget, seeds, cfg.device, config)
    with LabelStore(cfg.store) as store:
        stored = store.label_kinds()
        if stored and stored != {kind}:
            raise ValueError(
                f"{cfg.store}: its labels are of kind {sorted(stored)}, this sweep's are "
                f"{kind!r}; pass --label-kind {sorted(stored)[0]} to add to it (every record "
                "keeps all metrics) or use another store"
            )
        if not cfg.no_references:
            n = sw.add_references(
                specs,
                store,
                references_fn=cfg.references_fn,
                seed=seeds[0],
                device=cfg.device,
                config=config,
            )
            if n:
                print(f"stored references of {n} task(s)")

        def run(todo: list) -> sw.SweepSummary:
            summary = sw.sweep(
                todo,
                store,
                label_fn=cfg.label_fn,
                workers=cfg.workers,
                backend=cfg.backend,
                ray_address=cfg.ray_address,
                retry_failed=cfg.retry_failed,
                refresh=cfg.refresh,
                progress=not cfg.no_progress,
            )
            print(summary.line())
            for err, n in summary.errors.most_common(5):
                print(f"  failed: {n} x {err}", file=sys.stderr)
            return summary

        summaries = [run(jobs)]
        if cfg.n_seeds == "auto" and not summaries[0].interrupted:
            more = []
            for spec in specs:
                k = _seeds_needed(store, spec.name, jobs, budget, cfg)
                more += sw.plan_jobs(
                    [spec], {spec.name: archs[spec.name]}, budget, range(2, k), cfg.device, config
                )
            if more:
                summaries.append(run(more))
        summary = _worst(summaries)
        if cfg.export and not summary.interrupted:
            n = store.export(cfg.export)
            print(f"exported {n} rows to {cfg.export}")
    return summary.exit_code


if __name__ == "__main__":
    from cliconfig import run_main

    run_main(main)
