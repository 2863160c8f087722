"""``python -m contrastive.train``: train one arch on one task, print its label beside the references.

The label is :func:`contrastive.protocol.label` (the protocol is described there), the
references :func:`contrastive.references.references`, the table and verdict
:mod:`contrastive.report`. The flags are parsed and checked before torch loads, so ``--help``
and usage errors answer at once.
"""

from __future__ import annotations

import json
import sys
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import Literal

from archgraph import canonical
from cliconfig import EXIT_OK, ConfigParser, option, parser_for, run_main

from .config import TrainConfig
from .dataflags import DataFlags, check_data_flags, load_data_task
from .presets import PRESETS, preset
from .resources import DEFAULT_MAX_MEMORY_GB

PresetName = Literal[tuple(sorted(PRESETS))]  # type: ignore[valid-type]  # the bundled presets


@dataclass
class TrainCommand(TrainConfig, DataFlags):
    """Train one arch on one task; print its probe metrics next to the references.

    Every setting of the label protocol (contrastive.config.TrainConfig) is a flag of the same
    name, beside the arch, the data flags and the output.

    Attributes:
        arch: arch JSON file.
        preset: a named reference arch.
        json: print one JSON object.
    """

    max_memory_gb: float = option(
        DEFAULT_MAX_MEMORY_GB,
        "refuse up front a CSV or label whose estimated memory exceeds this many GiB (0: no cap)",
    )
    arch: str | None = option(None, "arch JSON file", metavar="FILE")
    preset: PresetName | None = None
    json: bool = False

    def train_config(self) -> TrainConfig:
        """The :class:`TrainConfig` these flags set."""
        return TrainConfig(**{f.name: getattr(self, f.name) for f in fields(TrainConfig)})


def _parser() -> ConfigParser[TrainCommand]:
    return parser_for(TrainCommand, prog="python -m contrastive.train")


def _parse(argv: list[str] | None) -> tuple[TrainCommand, dict, TrainConfig]:
    """The flags, checked: ``(args, arch, config)``; usage errors exit 2, bad values raise
    ``ValueError`` (exit 1). Needs no torch."""
    parser = _parser()
    args = parser.parse(argv)
    if not (args.arch or args.preset):
        parser.error("give --arch FILE or --preset NAME")
    if args.arch and args.preset:
        parser.error("give --arch FILE or --preset NAME, not both")
    check_data_flags(args, parser)
    if args.steps < 1:
        parser.error(f"--steps must be >= 1 (a trained net needs a step), got {args.steps}")
    if args.arch:
        from archgraph.io import read_json

        arch = canonical(read_json(Path(args.arch), what="arch file"))
    else:
        arch = preset(args.preset)
    cfg = args.train_config()
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
