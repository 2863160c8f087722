"""``python -m predictor.search``: zero-shot ranking of sampled archs for a task.

With no arguments it runs the built-in default: the comparator that ships with the project
(``predictor/checkpoints/default.pt``, trained on the bundled corpus without ``pedestrian``) ranks
20,000 sampled archs for the bundled task ``pedestrian``, prints the top 10, and writes
``result.json`` and a drawing of the best arch, ``best.png``, into a new run directory
``runs/search/TASK-YYYYmmdd-HHMMSS/`` (``--out-dir DIR`` names it; files of an earlier run there
are not overwritten without ``--force``).

Examples::

    python -m predictor.search                                 # the built-in default
    python -m predictor.search --data my.csv --train-best      # your data; train the winner
    python -m predictor.search --data weather.csv --time-col day --drop-columns station
    python -m predictor.search --data my.csv --train-best --train-top 5  # train 5, keep the best
    python -m predictor.search --data my.csv --trials 20 --batch 4  # 20 trainings, steered by
                                                                    # their labels (predictor.smbo)
    python -m predictor.search --data my.csv --trials 20 --batch 4 --low-steps 10 --eta 3
                                  # successive halving: 12 archs at 10 steps, the best 4 at 30
    python -m predictor.search --checkpoint runs/NAME/comparator.pt --task vic_elec --n 20000 \\
        --top 10 --seed 0 --json --draw runs/NAME/top --refine 5

Samples ``--n`` archs of the checkpoint's space, ranks them (score head: one batched pass;
concat head: AutoCTS++ slices + comparator heap + round robin, see :mod:`predictor.rank`),
optionally refines the top ``--refine`` by mutation-based local search, and prints (``--json``:
as JSON) or writes (``--out``) the ranked top-k with arch, hash and score; ``--draw DIR`` draws
them all. The task is ``--task NAME`` (a task the checkpoint was trained on, a NAS-Bench-Graph
dataset for that space, or ``contrastive.data.load_task(NAME)``) or ``--data FILE.csv``
(``contrastive.data.from_csv``). ``--train-best`` trains the winner and the ts2vec preset,
prints their probe metrics beside the references and saves the winner's trained encoder
(``contrastive.model.ContrastiveEncoder``) to ``--save-encoder``; with ``--train-top K`` it
trains the top K and the winner is the one with the lowest validation label (a zero-shot
shortlist is worth more than its first entry: which arch is good depends on the task).
With ``--json`` stdout holds the JSON document only; training progress goes to stderr.

Exit codes: 0 done; 1 bad input (unknown task, unreadable file or checkpoint); 2 usage error.
"""

from __future__ import annotations

import contextlib
import json
import shutil
import sys
import textwrap
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from cliconfig import EXIT_OK, ConfigParser, option, parser_for, run_main
from contrastive.dataflags import DataFlags, check_data_flags

from .smbo import TrialFlags  # light: loads no torch

# torch, PyG and pandas load inside the functions that need them, after the flags are parsed
# and checked: --help and usage errors answer at once.
if TYPE_CHECKING:
    from .comparator import Comparator
    from .graphs import GraphTable

DEFAULT_CHECKPOINT = Path(__file__).parent / "checkpoints" / "default.pt"
DEFAULT_TASK = "pedestrian"  # held out of the shipped comparator's training data
DEFAULT_OUT = Path("runs") / "search"
OUTPUTS = ("result.json", "best.png", "best_encoder.pt")


_DATA = "data (--task or --data; the other flags shape --data)"


@dataclass
class SearchConfig(DataFlags, TrialFlags):
    """Zero-shot ranking of sampled archs for a task."""

    checkpoint: str = option(
        "", "comparator checkpoint (default: the shipped predictor/checkpoints/default.pt)"
    )
    task: str | None = option(
        None,
        "a bundled task, or a task the checkpoint was trained on "
        f"(default without --data: {DEFAULT_TASK})",
        metavar="NAME",
        group=_DATA,
    )
    data: str | None = option(
        None,
        "your own CSV: a header row, one column per series",
        metavar="FILE.csv",
        group=_DATA,
    )
    out_dir: str | None = option(
        None,
        "the run directory: result.json, best.png and best_encoder.pt go there (default: "
        f"a new {DEFAULT_OUT}/TASK-YYYYmmdd-HHMMSS for every run)",
    )
    force: bool = option(False, "overwrite the outputs of an earlier run in --out-dir / --out")
    n: int = option(20000, "archs to sample")
    top: int = option(10, "how many to report")
    seed: int = option(0, "sampling (and --train-best) seed")
    json: bool = option(False, "print the result as JSON")
    out: str | None = option(None, "write the JSON result here (default: OUT_DIR/result.json)")
    draw: str | None = option(None, "draw the top archs into DIR", metavar="DIR")
    refine: int = option(0, "mutation-based local search from the top K", metavar="K")
    refine_rounds: int = option(3, "rounds of --refine")
    refine_mutations: int = option(32, "mutations per arch per round")
    train_best: bool = option(
        False,
        "train the winner (and the ts2vec preset) with contrastive.train and print their "
        "probe metrics beside the references",
    )
    train_top: int = option(
        1,
        "with --train-best: train the top K of the shortlist and keep the one with the lowest "
        "validation label (default 1: the comparator's winner)",
        metavar="K",
    )
    train_steps: int | None = option(
        None, "training budget for --train-best (default: contrastive's default)"
    )
    save_encoder: str | None = option(
        None,
        "with --train-best: where the trained winner goes (default: OUT_DIR/best_encoder.pt)",
        metavar="PATH",
    )
    device: str = option("auto", "device for --train-best (auto: CUDA if present)")


def build_parser() -> ConfigParser[SearchConfig]:
    return parser_for(SearchConfig, prog="python -m predictor.search", epilog=NOTATION)


def resolve_task(
    comp: Comparator,
    task: str | None,
    data: str | None,
    csv: dict[str, Any] | None = None,
    raw: Any = None,
) -> Any:
    """Task features for ``--task`` / ``--data`` (clear ``ValueError`` on every failure).

    ``csv``: more :func:`contrastive.data.from_csv` arguments for ``--data`` (the data flags);
    ``raw``: the ``--data`` task already loaded.
    """
    from .tasks import TaskFeaturizer

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
    elif raw is None:
        _readable(data)
        try:
            from contrastive.data import from_csv
        except ImportError as err:
            raise ValueError(
                "--data needs contrastive.data.from_csv, which is not available"
            ) from err
        raw = from_csv(str(data), **(csv or {}))
    featurizer = comp.featurizer or TaskFeaturizer()
    return featurizer.features(raw)


def _readable(data: str) -> None:
    try:
        with Path(data).open("rb") as fh:
            fh.read(1)
    except OSError as err:
        raise ValueError(f"{data}: cannot read ({err.strerror or err})") from err


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
    from .graphs import GraphTable
    from .rank import autocts_rank

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
    from .comparator import torch_threads

    with torch_threads(comp.config.threads):
        return _search(comp, task, n, top, seed, refine, rounds, mutations)


def _search(comp, task, n, top, seed, refine, rounds, mutations):
    from .graphs import GraphTable

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
    from contrastive.dataflags import load_data_task

    return load_data_task(cfg)


def train_best(top: list[dict], cfg: SearchConfig, task: Any = None) -> dict[str, Any]:
    """Train the shortlist's first ``cfg.train_top`` archs and the ts2vec preset on the task;
    probe metrics beside the references.

    The winner is the trained candidate with the lowest validation label (with one candidate,
    the comparator's pick); test metrics play no part in the choice. Its trained encoder is
    saved as a :class:`contrastive.model.ContrastiveEncoder` to ``cfg.save_encoder`` (default
    ``OUT_DIR/best_encoder.pt``).

    Args:
        top: the ranked shortlist, entries ``{"rank", "hash", "arch", ...}``, best first.
        cfg: the search's config (task, ``train_top``, ``train_steps``, device, seed, paths).
        task: the :class:`contrastive.data.Task` (default: loaded from ``cfg``).

    Returns:
        ``{"config", "best", "best_rank", "candidates", "preset", "references", "encoder"}``:
        records of ``contrastive.protocol.label`` (``label`` lower is better), the winner's
        shortlist rank, one ``{"rank", "hash", "record"}`` per trained candidate, and the
        encoder's path (``None`` when every candidate failed to train).
    """
    if cfg.data is None and cfg.task is None:
        raise ValueError("--train-best needs --task or --data")
    if not 1 <= cfg.train_top <= len(top):
        raise ValueError(
            f"--train-top must be between 1 and --top ({len(top)}), got {cfg.train_top}"
        )
    try:
        from contrastive.config import TrainConfig
        from contrastive.model import ContrastiveEncoder
        from contrastive.presets import preset
        from contrastive.protocol import label
        from contrastive.references import references
        from contrastive.report import step_bar
    except ImportError as err:  # pragma: no cover - contrastive ships with the project
        raise ValueError(f"--train-best: contrastive cannot be imported ({err})") from err
    task = task if task is not None else _raw_task(cfg)
    overrides = {"steps": cfg.train_steps} if cfg.train_steps else {}
    tcfg = TrainConfig(device=cfg.device, seed=cfg.seed, **overrides)
    t0 = time.perf_counter()
    what = "the best arch" if cfg.train_top == 1 else f"the top {cfg.train_top} archs"
    _say(f"[3/4] training {what} on {task.name} ({tcfg.steps} steps, device {cfg.device}) ...")
    candidates, kept = [], {}
    best, best_rank = None, top[0]["rank"]
    for entry in top[: cfg.train_top]:
        trained: dict[str, Any] = {}
        with step_bar(tcfg.steps, f"rank {entry['rank']}") as bar:
            rec = label(
                entry["arch"],
                task,
                tcfg,
                on_trained=lambda net, into=trained: into.update(net=net),
                on_step=bar,
            )
        candidates.append({"rank": entry["rank"], "hash": entry["hash"], "record": rec})
        if cfg.train_top > 1:
            _say(
                f"      rank {entry['rank']}: "
                + (f"label {rec['label']:.4f}" if rec.get("status") == "ok" else "failed")
            )
        # Keep only the best net so far: K trained nets need not fit in memory at once.
        if rec.get("status") == "ok" and (best is None or rec["label"] < best["label"]):
            best, best_rank, kept = rec, entry["rank"], trained
    if best is None:
        best = candidates[0]["record"]
    encoder_path = None
    if best.get("status") == "ok" and "net" in kept:
        mean, std = task.scaling()
        enc = ContrastiveEncoder.from_net(
            kept["net"],
            mean,
            std,
            config=tcfg,
            columns=tuple(task.columns),
            time_col=task.report.get("time_col"),
        )
        encoder_path = str(enc.save(cfg.save_encoder or Path(cfg.out_dir) / "best_encoder.pt"))
    _say(
        f"      done in {time.perf_counter() - t0:.1f} s; "
        "[4/4] training the ts2vec preset and the references for comparison ..."
    )
    with step_bar(tcfg.steps, "ts2vec preset") as bar:
        ref_arch = label(preset("ts2vec"), task, tcfg, on_step=bar)
    refs = references(task, tcfg)
    return {
        "config": {
            "steps": tcfg.steps,
            "window": tcfg.window,
            "seed": tcfg.seed,
            "label_kind": tcfg.label_kind,
            "long_lags": tcfg.long_lags,
        },
        "best": best,
        "best_rank": best_rank,
        "candidates": candidates,
        "preset": ref_arch,
        "references": refs,
        "encoder": encoder_path,
    }


def print_train_report(report: dict[str, Any]) -> None:
    """The probe metrics of the trained candidates, the trained preset and the references,
    then the verdict: what was kept, how it compares, what to do next."""
    from contrastive.report import (
        lags_note,
        print_rows,
        reference_rows,
        untrained_note,
        untrained_part,
        verdict_lines,
    )

    best, kept = report["best"], report["best_rank"]
    candidates = report.get("candidates") or [{"rank": kept, "record": best}]
    star = len(candidates) > 1
    rows = [
        (f"rank {c['rank']}, trained" + (" *" if star and c["rank"] == kept else ""), c["record"])
        for c in candidates
    ]
    rows.append(("ts2vec preset, trained", report["preset"]))
    if best.get("status") == "ok":
        rows.append((f"rank {kept}, untrained", untrained_part(best)))
    refs = report["references"]
    rows += reference_rows(refs)
    print_rows(rows)
    kind = report["config"].get("label_kind", "knn_val_mse")
    if star:
        print(f"* kept: the lowest validation label ({kind}) of the {len(candidates)} trained")
    note = lags_note(refs, report["config"].get("long_lags", 336))
    if note:
        print(note)
    name = f"the kept arch (rank {kept})"
    others = [("the trained ts2vec preset", report["preset"])] + reference_rows(refs)
    for line in verdict_lines(name, best, others, kind):
        print(line)
    note = untrained_note("the ts2vec preset", report["preset"], kind)
    if note:
        print(f"  {note}")


def _defaults(cfg: SearchConfig, parser: ConfigParser[SearchConfig]) -> SearchConfig:
    """Fill in the built-in default (shipped checkpoint, held-out task) and the run directory;
    refuse to overwrite an earlier run's outputs without ``--force``."""
    if not cfg.checkpoint:
        if not DEFAULT_CHECKPOINT.is_file():
            parser.error(
                f"--checkpoint is required (no shipped checkpoint at {DEFAULT_CHECKPOINT})"
            )
        cfg.checkpoint = str(DEFAULT_CHECKPOINT)
        if cfg.task is None and cfg.data is None:
            cfg.task = DEFAULT_TASK
    if cfg.out_dir is None:
        cfg.out_dir = str(new_run_dir(cfg.task or Path(cfg.data or "search").stem))
    if cfg.out is None:
        cfg.out = str(Path(cfg.out_dir) / "result.json")
    # --trials into a run directory that holds its trial store continues that run (every trial
    # is kept and the result rewritten with all of them): not an overwrite
    resumes = (
        cfg.trials
        and (Path(cfg.store) if cfg.store else Path(cfg.out_dir) / "trials.sqlite").is_file()
    )
    if not cfg.force and not resumes:
        mine = [Path(cfg.out), Path(cfg.out_dir) / "best.png"]
        if cfg.train_best:
            mine.append(Path(cfg.save_encoder or Path(cfg.out_dir) / "best_encoder.pt"))
        taken = [str(p) for p in mine if p.exists()]
        if taken:
            raise ValueError(
                f"{', '.join(taken)} already exist (an earlier run); pass --force to overwrite, "
                "or leave out --out-dir/--out for a new run directory"
            )
    return cfg


def new_run_dir(task: str, root: Path = DEFAULT_OUT) -> Path:
    """``root/TASK-YYYYmmdd-HHMMSS`` (``-2``, ``-3``... when that exists): one per run."""
    safe = "".join(ch if ch.isalnum() or ch in "-_." else "_" for ch in str(task)) or "search"
    base = root / f"{safe}-{time.strftime('%Y%m%d-%H%M%S')}"
    path, k = base, 2
    while path.exists():
        path, k = base.with_name(f"{base.name}-{k}"), k + 1
    return path


def _say(text: str) -> None:
    """Progress goes to stderr, all of it: stdout holds the results (with --json, JSON only)."""
    print(text, file=sys.stderr, flush=True)


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser()
    cfg = parser.parse(argv)
    if cfg.n < 1 or cfg.top < 1:
        parser.error("--n and --top must be >= 1")
    if not 1 <= cfg.train_top <= cfg.top:
        parser.error(f"--train-top must be between 1 and --top ({cfg.top})")
    if cfg.train_steps is not None and cfg.train_steps < 1:
        parser.error(f"--train-steps must be >= 1, got {cfg.train_steps}")
    check_data_flags(cfg, parser, need=False)
    if cfg.trials and (cfg.train_best or cfg.trials < 0 or cfg.batch < 1 or cfg.minutes < 0):
        parser.error(
            "--trials K (>= 1) with --batch B (>= 1), --minutes M (>= 0); not with --train-best"
        )
    if cfg.low_steps < 0 or cfg.eta < 2 or (cfg.low_steps and not cfg.trials):
        parser.error(
            f"--low-steps S (>= 0, got {cfg.low_steps}) and --eta E (>= 2, got {cfg.eta}) "
            "go with --trials K"
        )
    cfg = _defaults(cfg, parser)
    from .comparator import Comparator  # torch: only now that the flags are known to be good

    steps = 4 if cfg.train_best else 2
    t0 = time.perf_counter()
    _say(f"[1/{steps}] loading {cfg.checkpoint} and the task's features ...")
    comp = Comparator.load(cfg.checkpoint)
    raw = None
    if cfg.data:
        _readable(cfg.data)
        raw = _raw_task(cfg)  # prints what cleaning did
    task = resolve_task(comp, cfg.task, cfg.data, raw=raw)
    if cfg.trials:  # spend a budget of trainings instead of ranking once (predictor.smbo)
        from .smbo import run_trials

        return run_trials(cfg, comp, task)
    what = cfg.task or cfg.data
    _say(
        f"      done in {time.perf_counter() - t0:.1f} s; [2/{steps}] ranking {cfg.n} sampled "
        f"archs for {what} ..."
    )
    result, timings = search(
        comp, task, cfg.n, cfg.top, cfg.seed, cfg.refine, cfg.refine_rounds, cfg.refine_mutations
    )
    from archgraph import draw

    best_png = draw(result[0]["arch"], Path(cfg.out_dir) / "best.png", space=comp.space)
    if cfg.draw:
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
        "task": what,
        "space": comp.space.version,
        "n": cfg.n,
        "seed": cfg.seed,
        "head": comp.config.head,
        "timings": timings,
        "best_drawing": str(best_png),
        "top": result,
    }
    Path(cfg.out).parent.mkdir(parents=True, exist_ok=True)
    Path(cfg.out).write_text(json.dumps(doc, indent=2) + "\n")
    if not cfg.json:
        print(
            f"ranked {cfg.n} sampled archs in {timings['sample_s'] + timings['rank_s']:.2f} s"
            + (f" (+{timings['refine_s']:.2f} s refine)" if cfg.refine else "")
            + f" for {what}; higher score = predicted better"
        )
        print_top(result, shutil.get_terminal_size((100, 24)).columns)
        print(f"wrote {cfg.out}; best arch drawn to {best_png}")
    if cfg.train_best:
        if not comp.space.name.startswith("cts"):
            raise ValueError(
                "--train-best trains contrastive archs; this checkpoint's space is "
                f"{comp.space.name!r}"
            )
        # With --json, stdout carries the JSON document alone; the training talk goes to stderr.
        with contextlib.redirect_stdout(sys.stderr) if cfg.json else contextlib.nullcontext():
            report = train_best(result, cfg, raw)
            print_train_report(report)
            if report["encoder"]:
                print(
                    f"trained encoder saved to {report['encoder']}; use it with\n"
                    "  from contrastive.model import ContrastiveEncoder\n"
                    f"  enc = ContrastiveEncoder.load({report['encoder']!r})\n"
                    f"  z = enc.encode({(cfg.data or 'my.csv')!r})  # a CSV path, DataFrame or "
                    "[T, N] array -> [T, N, R]"
                )
        doc["train_best"] = report
        Path(cfg.out).write_text(json.dumps(doc, indent=2, default=float) + "\n")
    elif not cfg.json:
        print("next: add --train-best to train the winner and keep its encoder")
    if cfg.json:
        print(json.dumps(doc, indent=2, default=float))
    return EXIT_OK


NOTATION = """\
How to read a row of the top list (one arch):
  aug A | B        the two views' augmentations, applied in this order (jit jitter, scl
                   rescaling, rsz resize, pmask point masking, fmask frequency masking, crop)
  I T N +ms        the contrast pairs: I instance, T temporal, N neighbour (across series);
                   +ms: also across pooling scales
  loss/sim         InfoNCE | NTXent | Triplet with cosine | dot | euclidean similarity
  enc a | b | ...  the encoder cell, one group per node in order: op(k) applies op to state k
                   (0: the cell input; k >= 1: node k's output, counting from 1); two ops in
                   one node are summed. Ops: skip, dcc (gated dilated causal conv), diff_gcn
                   (graph conv), trans (attention over time), s_trans (attention over series)
  xC hH rR         C stacked cells, hidden width H, representation size R per series and step
"""

_AUG_SHORT = {
    "jitter": "jit",
    "rescaling": "scl",
    "resize": "rsz",
    "point_masking": "pmask",
    "frequency_masking": "fmask",
    "crop": "crop",
}


def summary_parts(arch: dict) -> tuple[str, str]:
    """``(strategy, encoder)``: the two halves of a cts arch's row in the notation of
    :data:`NOTATION`; other spaces: ``(compact JSON, "")``."""
    try:
        c, h = arch["contrastive"], arch["hyper"]
        from archgraph import GRIDS

        views = " | ".join(
            ",".join(_AUG_SHORT.get(op, op) for op in c[f"AugCell{v}"]["enabled_ops"])
            for v in (1, 2)
        )
        p = c["PairCell"]
        pairs = " ".join(
            k for k, f in (("I", "instance"), ("T", "temporal"), ("N", "neighbor")) if p[f]
        )
        pairs += " +ms" if p["multiscale"] else ""
        loss = f"{c['LossCell']['loss']}/{c['LossCell']['sim']}"
        enc = arch["encoder"]
        nodes = [enc[:1]] + [enc[j : j + 2] for j in range(1, len(enc), 2)]
        cell = " | ".join("+".join(f"{GRIDS.encoder_ops[o]}({k})" for k, o in n) for n in nodes)
        return (
            f"aug {views}; {pairs}; {loss}",
            f"enc {cell}; x{h['cells']} h{h['hidden']} r{h['repr_dim']}",
        )
    except (KeyError, TypeError, IndexError):
        return json.dumps(arch, separators=(",", ":")), ""


def print_top(result: list[dict], width: int = 100) -> None:
    """The ranked top list in at most ``width`` columns: rank, hash, score and the strategy,
    then the encoder cell, wrapped under one another (notation: :data:`NOTATION`)."""
    width = max(60, width)
    head = f"{'rank':>4}  {'hash':16}  {'score':>7}  "
    pad = " " * len(head)
    print(head + "arch (notation: python -m predictor.search --help)")
    for r in result:
        strategy, encoder = summary_parts(r["arch"])
        lines = textwrap.wrap(strategy, width - len(pad), break_on_hyphens=False)
        if encoder:
            lines += textwrap.wrap(encoder, width - len(pad), break_on_hyphens=False)
        print(f"{r['rank']:>4}  {r['hash']}  {r['score']:+7.3f}  {lines[0]}")
        for line in lines[1:]:
            print(pad + line)


if __name__ == "__main__":
    run_main(main)
