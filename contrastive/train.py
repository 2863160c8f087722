"""``python -m contrastive.train``: train one arch on one task, print its label beside the references.

The label is :func:`contrastive.protocol.label` (the protocol is described there), the
references :func:`contrastive.references.references`, the table and verdict
:mod:`contrastive.report`. The flags are parsed and checked before torch loads, so ``--help``
and usage errors answer at once.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import asdict, dataclass
from pathlib import Path

from archgraph import canonical
from archgraph.cli import EXIT_OK, HelpFormatter, add_config_flag, parse_into, run_main

from .config import LABEL_KINDS, TrainConfig
from .dataflags import DataFlags, add_data_flags, check_data_flags, load_data_task
from .presets import PRESETS, preset
from .resources import DEFAULT_MAX_MEMORY_GB


@dataclass
class TrainArgs(DataFlags):
    arch: str | None = None
    preset: str | None = None
    task: str | None = None
    data: str | None = None
    steps: int = TrainConfig.steps
    window: int = TrainConfig.window
    horizons: str = "12"
    device: str = "auto"
    seed: int = 0
    threads: int = 1
    label_kind: str = TrainConfig.label_kind
    max_memory_gb: float = DEFAULT_MAX_MEMORY_GB
    json: bool = False


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m contrastive.train",
        description="Train one arch on one task; print its probe metrics next to the references.",
        formatter_class=HelpFormatter,
    )
    add_config_flag(p)
    src = p.add_mutually_exclusive_group()
    src.add_argument("--arch", metavar="FILE", help="arch JSON file")
    src.add_argument("--preset", choices=sorted(PRESETS), help="a named reference arch")
    add_data_flags(p)
    d = TrainConfig()
    p.add_argument("--steps", type=int, default=d.steps, help="training steps (the budget)")
    p.add_argument(
        "--window", type=int, default=d.window, help="steps per training window and probe input"
    )
    p.add_argument("--horizons", default="12", help="comma-separated forecast horizons")
    p.add_argument("--device", default="auto", help="auto (CUDA when present), cpu, cuda")
    p.add_argument("--seed", type=int, default=0, help="seeds init, batches and views")
    p.add_argument("--threads", type=int, default=1, help="torch/BLAS CPU threads")
    p.add_argument(
        "--label-kind",
        dest="label_kind",
        choices=LABEL_KINDS,
        default=d.label_kind,
        help="the metric that is the label",
    )
    p.add_argument(
        "--max-memory-gb",
        type=float,
        default=d.max_memory_gb,
        help=f"refuse up front a CSV or label whose estimated memory exceeds this many GiB "
        f"(default {d.max_memory_gb:g}; 0: no cap)",
    )
    p.add_argument("--json", action="store_true", help="print one JSON object")
    return p


def _parse(argv: list[str] | None) -> tuple[TrainArgs, dict, TrainConfig]:
    """The flags, checked: ``(args, arch, config)``; usage errors exit 2, bad values raise
    ``ValueError`` (exit 1). Needs no torch."""
    parser = _parser()
    args = parse_into(parser, TrainArgs, argv)
    if not (args.arch or args.preset):
        parser.error("give --arch FILE or --preset NAME")
    check_data_flags(args, parser)
    if args.steps < 1:
        parser.error(f"--steps must be >= 1 (a trained net needs a step), got {args.steps}")
    if args.arch:
        from archgraph.io import read_json

        arch = canonical(read_json(Path(args.arch), what="arch file"))
    else:
        arch = preset(args.preset)
    try:
        horizons = tuple(int(h) for h in str(args.horizons).split(","))
    except ValueError as err:
        raise ValueError(
            f"--horizons: expected comma-separated integers, got {args.horizons!r}"
        ) from err
    cfg = TrainConfig(
        steps=args.steps,
        window=args.window,
        horizons=horizons,
        device=args.device,
        seed=args.seed,
        threads=args.threads,
        label_kind=args.label_kind,
        max_memory_gb=args.max_memory_gb,
    )
    cfg.check()
    return args, arch, cfg


def main(argv: list[str] | None = None) -> int:
    """Entry point of ``python -m contrastive.train``."""
    args, arch, cfg = _parse(argv)
    from .protocol import label
    from .references import references
    from .report import (
        REPORT_COLUMNS,
        lags_note,
        print_rows,
        reference_rows,
        step_bar,
        untrained_part,
        verdict_lines,
    )

    _say(
        f"training on {args.task or args.data}: {cfg.steps} steps, window {cfg.window}, "
        f"device {cfg.device} ..."
    )
    task = load_data_task(args, max_memory_gb=args.max_memory_gb)
    with step_bar(cfg.steps, "train") as bar:
        rec = label(arch, task, cfg, on_step=bar)
    _say("probing the references (raw lags, untrained ts2vec preset) ...")
    refs = references(task, cfg) if rec["status"] == "ok" else {}
    if args.json:
        out = {
            "task": getattr(task, "name", None),
            "config": asdict(cfg),
            "result": rec,
            "references": refs,
        }
        print(json.dumps(out, default=float))
        return EXIT_OK if rec["status"] == "ok" else 1
    name = getattr(task, "name", "?")
    print(
        f"task {name}  steps {cfg.steps}  window {cfg.window}  seed {cfg.seed}  status {rec['status']}"
    )
    if rec["status"] != "ok":
        print(f"error: {rec['error']}", file=sys.stderr)
        return 1
    print(
        f"series {rec['n_series']}: each training step on {rec['node_subset']}, probes on "
        f"{rec['probe_nodes']}" + (" (a fixed seeded subset)" if "probe_node_index" in rec else "")
    )
    rows = [("this arch, trained", rec), ("this arch, untrained", untrained_part(rec))]
    print_rows(rows + reference_rows(refs), REPORT_COLUMNS)
    print(
        f"label ({cfg.label_kind}) {rec['label']:.4f}  gain {rec['gain']:.4f}  "
        f"scarce_gain {rec['scarce_gain']:.4f}  knn_gain {rec['knn_gain']:.4f}  "
        f"final loss {rec['final_loss']:.4f}  {rec['seconds']:.1f} s"
    )
    note = lags_note(refs, cfg.long_lags)
    if note:
        print(note)
    more = "train longer (--steps 100) or other archs (python -m predictor.search --train-top 5)"
    for line in verdict_lines("this arch", rec, reference_rows(refs), cfg.label_kind, more=more):
        print(line)
    return EXIT_OK


def _say(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


if __name__ == "__main__":
    run_main(main)
