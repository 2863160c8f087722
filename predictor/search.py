"""``python -m predictor.search``: zero-shot ranking of sampled archs for a task.

Example::

    python -m predictor.search --checkpoint runs/NAME/comparator.pt --task ETTh1 --n 20000 \\
        --top 10 --seed 0 --json --draw runs/NAME/top --refine 5

Samples ``--n`` archs of the checkpoint's space, ranks them (score head: one batched pass;
concat head: AutoCTS++ slices + comparator heap + round robin, see :mod:`predictor.rank`),
optionally refines the top ``--refine`` by mutation-based local search, and prints (``--json``:
as JSON) or writes (``--out``) the ranked top-k with arch, hash and score; ``--draw DIR`` draws
them. The task is ``--task NAME`` (a task the checkpoint was trained on, a NAS-Bench-Graph
dataset for that space, or ``contrastive.data.load_task(NAME)``) or ``--data FILE.csv``
(``contrastive.data.from_csv``).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from archgraph.cli import EXIT_OK, add_config_flag, parse_into, run_main

from .comparator import Comparator, torch_threads
from .graphs import GraphTable
from .rank import autocts_rank
from .tasks import TaskFeaturizer


@dataclass
class SearchConfig:
    checkpoint: str = ""
    task: str | None = None
    data: str | None = None
    n: int = 20000
    top: int = 10
    seed: int = 0
    json: bool = False
    out: str | None = None
    draw: str | None = None
    refine: int = 0
    refine_rounds: int = 3
    refine_mutations: int = 32
    train_best: bool = False
    train_steps: int | None = None
    device: str = "auto"


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m predictor.search", description=__doc__.split("\n")[0]
    )
    add_config_flag(p)
    p.add_argument("--checkpoint", default="", help="comparator checkpoint (comparator.pt)")
    p.add_argument("--task", help="task name")
    p.add_argument("--data", help="CSV file of the task's series")
    p.add_argument("--n", type=int, default=20000, help="archs to sample")
    p.add_argument("--top", type=int, default=10, help="how many to report")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--json", action="store_true", help="print the result as JSON")
    p.add_argument("--out", help="also write the JSON result here")
    p.add_argument("--draw", metavar="DIR", help="draw the top archs into DIR")
    p.add_argument(
        "--refine",
        type=int,
        default=0,
        metavar="K",
        help="mutation-based local search from the top K",
    )
    p.add_argument("--refine-rounds", type=int, default=3)
    p.add_argument("--refine-mutations", type=int, default=32, help="mutations per arch per round")
    p.add_argument(
        "--train-best",
        action="store_true",
        help="train the winner (and the ts2vec preset) with contrastive.train and "
        "print their probe metrics beside the references",
    )
    p.add_argument(
        "--train-steps",
        type=int,
        default=None,
        help="training budget for --train-best (default: contrastive's default)",
    )
    p.add_argument(
        "--device", default="auto", help="device for --train-best (auto: CUDA if present)"
    )
    return p


def resolve_task(comp: Comparator, task: str | None, data: str | None) -> Any:
    """Task features for ``--task`` / ``--data`` (clear ``ValueError`` on every failure)."""
    if (task is None) == (data is None):
        raise ValueError("give exactly one of --task NAME or --data FILE.csv")
    if task is not None:
        if task in comp.task_table:
            return task
        if comp.space.name.startswith("nbgraph"):
            from archgraph.nbgraph import meta_features

            return meta_features(task)  # raises ValueError naming the known datasets
        try:
            from contrastive.data import load_task
        except ImportError as err:
            raise ValueError(
                f"unknown task {task!r}: not in the checkpoint {sorted(comp.task_table)} "
                "and contrastive.data.load_task is not available"
            ) from err
        try:
            raw = load_task(task)
        except (KeyError, LookupError, FileNotFoundError) as err:
            raise ValueError(f"unknown task {task!r} ({err})") from err
    else:
        path = Path(data)
        try:
            with path.open("rb") as fh:
                fh.read(1)
        except OSError as err:
            raise ValueError(f"{data}: cannot read ({err.strerror or err})") from err
        try:
            from contrastive.data import from_csv
        except ImportError as err:
            raise ValueError(
                "--data needs contrastive.data.from_csv, which is not available"
            ) from err
        raw = from_csv(str(path))
    featurizer = comp.featurizer or TaskFeaturizer()
    return featurizer.features(raw)


def _rank(
    comp: Comparator,
    archs: Sequence[dict],
    task: Any,
    top: int,
    seed: int,
    graphs: GraphTable | None = None,
) -> list[tuple[dict, float]]:
    """The best ``top`` distinct archs (by hash) of ``archs``, best first, with their scores.

    ``graphs``: the archs already encoded (else they are encoded here, without validation).
    Duplicates (the same arch sampled twice) are removed here, among the winners only, which
    costs far less than hashing every candidate.
    """
    space = comp.space
    graphs = graphs if graphs is not None else GraphTable(space, archs, validated=True)
    if comp.net.head.has_scores:
        s = comp.score(graphs, task)
        order = np.argsort(-s, kind="stable")
        scores = s[order]
    else:
        e = comp.embeddings(graphs, task)
        order, scores = autocts_rank(
            len(archs),
            comp.pair_prob_fn(e),
            top=2 * top,
            slice_size=max(64, 4 * top + 1),
            max_final=max(64, 2 * top),
            seed=seed,
        )
    best, seen = [], set()
    for i, sc in zip(order, scores, strict=True):
        h = space.arch_hash(archs[i])
        if h not in seen:
            seen.add(h)
            best.append((archs[i], float(sc)))
            if len(best) == top:
                break
    return best


def search(
    comp: Comparator,
    task: Any,
    n: int,
    top: int,
    seed: int = 0,
    refine: int = 0,
    rounds: int = 3,
    mutations: int = 32,
) -> tuple[list[dict], dict[str, float]]:
    """Sample, rank, refine. Returns ``(top list of {rank, hash, score, arch}, timings)``.

    Timings: ``sample_s`` samples and encodes the ``n`` archs (one vectorised pass where the
    space has one, ``space.sample_batch``), ``rank_s`` embeds and ranks them, ``refine_s`` the
    refinement; ``cpu_s`` is this process's CPU time for all of it.
    """
    with torch_threads(comp.config.threads):
        return _search(comp, task, n, top, seed, refine, rounds, mutations)


def _search(comp, task, n, top, seed, refine, rounds, mutations):
    space = comp.space
    c0 = time.process_time()
    t0 = time.perf_counter()
    archs, batch = space.sample_batch(n, seed)
    t1 = time.perf_counter()
    best = _rank(comp, archs, task, max(top, refine), seed, GraphTable.from_batch(batch))
    t2 = time.perf_counter()
    rng = np.random.default_rng(seed + 1)
    seen_hash = {space.arch_hash(a) for a, _ in best}
    for _ in range(rounds if refine else 0):
        new = []
        for a, _ in best[:refine]:
            for _ in range(mutations):
                m = space.mutate(a, rng)
                h = space.arch_hash(m)
                if h not in seen_hash:
                    seen_hash.add(h)
                    new.append(m)
        if not new:
            break
        best = _rank(comp, [a for a, _ in best] + new, task, max(top, refine), seed)
    t3 = time.perf_counter()
    result = [
        {"rank": r + 1, "hash": space.arch_hash(a), "score": s, "arch": a}
        for r, (a, s) in enumerate(best[:top])
    ]
    timings = {
        "sample_s": t1 - t0,
        "rank_s": t2 - t1,
        "refine_s": t3 - t2,
        "total_s": t3 - t0,
        "cpu_s": time.process_time() - c0,
        "n": n,
    }
    return result, timings


def _raw_task(cfg: SearchConfig) -> Any:
    from contrastive.data import from_csv, load_task

    return load_task(cfg.task) if cfg.task else from_csv(cfg.data)


def train_best(arch: dict, cfg: SearchConfig) -> dict[str, Any]:
    """Train the winner and the ts2vec preset on the task; probe metrics beside the references.

    Returns ``{"best": record, "preset": record, "references": {...}}`` with the records of
    ``contrastive.train.label`` (``label`` lower is better).
    """
    if cfg.data is None and cfg.task is None:
        raise ValueError("--train-best needs --task or --data")
    try:
        from contrastive.presets import preset
        from contrastive.train import TrainConfig, label, references
    except ImportError as err:  # pragma: no cover - contrastive ships with the project
        raise ValueError(f"--train-best: contrastive.train cannot be imported ({err})") from err
    task = _raw_task(cfg)
    overrides = {"steps": cfg.train_steps} if cfg.train_steps else {}
    tcfg = TrainConfig(device=cfg.device, seed=cfg.seed, **overrides)
    print(
        f"training the best arch on {task.name} ({tcfg.steps} steps, device {cfg.device}) ...",
        flush=True,
    )
    best = label(arch, task, tcfg)
    print("training the ts2vec preset for comparison ...", flush=True)
    ref_arch = label(preset("ts2vec"), task, tcfg)
    refs = references(task, tcfg)
    return {
        "config": {"steps": tcfg.steps, "window": tcfg.window, "seed": tcfg.seed},
        "best": best,
        "preset": ref_arch,
        "references": refs,
    }


def print_train_report(report: dict[str, Any]) -> None:
    cols = ("val_mse", "val_mae", "test_mse", "test_mae")
    rows = [("best arch, trained", report["best"]), ("ts2vec preset, trained", report["preset"])]
    best = report["best"]
    if best.get("status") == "ok":
        rows.append(
            (
                "best arch, untrained",
                {k[len("untrained_") :]: v for k, v in best.items() if k.startswith("untrained_")},
            )
        )
    refs = report["references"]
    for key in ("raw_short", "raw_long"):
        if key in refs:
            rows.append((f"ridge on raw lags {refs[key]['lags']}", refs[key]))
    if "untrained_preset" in refs:
        rows.append(("ts2vec preset, untrained", refs["untrained_preset"]))
    print(f"{'':26}" + "".join(f"{c:>11}" for c in cols))
    for title, rec in rows:
        if rec.get("status") == "failed":
            print(f"{title:26}  failed: {rec.get('error')}")
            continue
        print(
            f"{title:26}"
            + "".join(
                f"{rec[c]:>11.4f}" if isinstance(rec.get(c), float) else f"{'-':>11}" for c in cols
            )
        )


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser()
    cfg = parse_into(parser, SearchConfig, argv)
    if not cfg.checkpoint:
        parser.error("--checkpoint is required")
    if cfg.n < 1 or cfg.top < 1:
        parser.error("--n and --top must be >= 1")
    comp = Comparator.load(cfg.checkpoint)
    task = resolve_task(comp, cfg.task, cfg.data)
    result, timings = search(
        comp, task, cfg.n, cfg.top, cfg.seed, cfg.refine, cfg.refine_rounds, cfg.refine_mutations
    )
    if cfg.draw:
        from archgraph import draw

        for r in result:
            r["drawing"] = str(
                draw(
                    r["arch"],
                    Path(cfg.draw) / f"rank{r['rank']:02d}_{r['hash']}.png",
                    space=comp.space,
                )
            )
    doc = {
        "checkpoint": cfg.checkpoint,
        "task": cfg.task or cfg.data,
        "space": comp.space.version,
        "n": cfg.n,
        "seed": cfg.seed,
        "head": comp.config.head,
        "timings": timings,
        "top": result,
    }
    if cfg.out:
        Path(cfg.out).parent.mkdir(parents=True, exist_ok=True)
        Path(cfg.out).write_text(json.dumps(doc, indent=2) + "\n")
    if cfg.json:
        print(json.dumps(doc, indent=2))
    else:
        print(
            f"ranked {cfg.n} sampled archs in {timings['sample_s'] + timings['rank_s']:.2f} s"
            + (f" (+{timings['refine_s']:.2f} s refine)" if cfg.refine else "")
        )
        for r in result:
            print(f"{r['rank']:>3}  {r['hash']}  {r['score']:+.4f}  {json.dumps(r['arch'])[:100]}")
    if cfg.train_best:
        if not comp.space.name.startswith("cts"):
            raise ValueError(
                "--train-best trains contrastive archs; this checkpoint's space is "
                f"{comp.space.name!r}"
            )
        report = train_best(result[0]["arch"], cfg)
        print_train_report(report)
        if cfg.out:
            doc["train_best"] = report
            Path(cfg.out).write_text(json.dumps(doc, indent=2, default=float) + "\n")
    return EXIT_OK


if __name__ == "__main__":
    run_main(main)
