"""``python -m archgraph``: sample, validate, encode and draw archs.

Subcommands: ``sample``, ``validate``, ``encode``, ``draw``, and ``demo`` (the default when no
subcommand is given: sample a few archs, validate them, write them as JSONL and draw them).
Every subcommand takes ``--help`` and ``--config FILE``.
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from cliconfig import EXIT_ERROR, EXIT_OK, EXIT_USAGE, ConfigParser, option, parser_for, run_main

from . import ArchError, arch_hash, canonical, draw, encode, sample
from .io import read_archs

T = TypeVar("T")


@dataclass
class SampleConfig:
    """Sample archs uniformly from the space; JSONL to stdout or --out."""

    n: int = option(5, "number of archs", aliases=("-n",))
    seed: int = option(0, "random seed")
    out: str | None = option(None, "write JSONL here instead of stdout")


@dataclass
class ValidateConfig:
    """Validate archs in a JSON/JSONL file; exit 1 on the first bad one."""

    file: str = option("", "JSON (object or list) or JSONL file", positional=True)


@dataclass
class EncodeConfig:
    """Encode archs and print a node/edge summary per arch."""

    file: str = option("", "JSON or JSONL file of archs", positional=True)


@dataclass
class DrawConfig:
    """Draw one arch of a JSON/JSONL file to PNG or SVG."""

    file: str = option("", "JSON or JSONL file of archs", positional=True)
    output: str = option("arch.png", "output .png or .svg", aliases=("-o",))
    index: int = option(0, "which arch of the file")


@dataclass
class DemoConfig:
    """Sample, validate, encode and draw a few archs (the default job)."""

    n: int = option(3, "number of archs", aliases=("-n",))
    seed: int = option(0, "random seed")
    out_dir: str = option("runs/archgraph-demo", "where files go")


def _space():
    from .cts import CTS_SPACE  # torch/PyG: loaded only by the subcommands that encode

    return CTS_SPACE


def _parser(name: str, config_cls: type[T]) -> ConfigParser[T]:
    return parser_for(config_cls, prog=f"python -m archgraph {name}")


def cmd_sample(argv: list[str]) -> int:
    p = _parser("sample", SampleConfig)
    cfg = p.parse(argv)
    if not 1 <= cfg.n <= MAX_SAMPLE:
        p.error(f"-n must be in 1..{MAX_SAMPLE} (about 600 bytes of JSONL an arch), got {cfg.n}")
    if cfg.out:
        with Path(cfg.out).open("w", encoding="utf-8") as fh:
            _write_sample(cfg.n, cfg.seed, fh)
    else:
        _write_sample(cfg.n, cfg.seed, sys.stdout)
    return EXIT_OK


MAX_SAMPLE = 10_000_000


def _write_sample(n: int, seed: int, fh) -> None:
    """Stream ``sample(n, seed)`` as JSONL (the same archs, one at a time, so memory stays flat;
    a progress bar on stderr from 100k archs on)."""
    import numpy as np
    from tqdm import tqdm

    space = _space()
    rng = np.random.default_rng(seed)  # as space.sample: one generator, archs in order
    for _ in tqdm(range(n), unit="arch", disable=n < 100_000, file=sys.stderr):
        fh.write(json.dumps(space.sample_one(rng)) + "\n")


def cmd_validate(argv: list[str]) -> int:
    p = _parser("validate", ValidateConfig)
    cfg = p.parse(argv)
    if not cfg.file:
        p.error("a FILE is required")
    archs = read_archs(cfg.file)
    for i, arch in enumerate(archs):
        try:
            h = arch_hash(arch)
        except ArchError as err:
            print(f"{cfg.file}: arch {i}: {err}", file=sys.stderr)
            return EXIT_ERROR
        print(f"arch {i}: ok {h}")
    return EXIT_OK


def cmd_encode(argv: list[str]) -> int:
    p = _parser("encode", EncodeConfig)
    cfg = p.parse(argv)
    if not cfg.file:
        p.error("a FILE is required")
    for i, arch in enumerate(read_archs(cfg.file)):
        try:
            data = encode(arch)
        except ArchError as err:
            print(f"{cfg.file}: arch {i}: {err}", file=sys.stderr)
            return EXIT_ERROR
        types = Counter(_space().node_types[t] for t in data.node_type.tolist())
        summary = {
            "arch": i,
            "hash": arch_hash(arch),
            "num_nodes": int(data.num_nodes),
            "num_edges": int(data.edge_index.size(1)),
            "feature_dim": int(data.x.size(1)),
            "node_types": dict(types),
        }
        print(json.dumps(summary))
    return EXIT_OK


def cmd_draw(argv: list[str]) -> int:
    p = _parser("draw", DrawConfig)
    cfg = p.parse(argv)
    if not cfg.file:
        p.error("a FILE is required")
    if Path(cfg.output).suffix.lower() not in (".png", ".svg"):
        p.error(f"--output must end in .png or .svg, got {cfg.output!r}")
    archs = read_archs(cfg.file)
    if not 0 <= cfg.index < len(archs):
        p.error(f"--index {cfg.index} out of range: the file has {len(archs)} archs")
    try:
        path = draw(archs[cfg.index], cfg.output)
    except ArchError as err:
        print(f"{cfg.file}: arch {cfg.index}: {err}", file=sys.stderr)
        return EXIT_ERROR
    print(f"wrote {path}")
    return EXIT_OK


def cmd_demo(argv: list[str]) -> int:
    p = _parser("demo", DemoConfig)
    cfg = p.parse(argv)
    if cfg.n < 1:
        p.error(f"--n must be >= 1, got {cfg.n}")
    out = Path(cfg.out_dir)
    out.mkdir(parents=True, exist_ok=True)
    archs = sample(cfg.n, cfg.seed)
    (out / "archs.jsonl").write_text("".join(json.dumps(a) + "\n" for a in archs), encoding="utf-8")
    print(f"sampled {len(archs)} archs (seed {cfg.seed}) -> {out / 'archs.jsonl'}")
    for i, arch in enumerate(archs):
        h = arch_hash(arch)
        data = encode(arch)
        assert canonical(arch) == _space().decode(data)
        c = arch["contrastive"]
        path = draw(arch, out / f"arch_{i}_{h}.png")
        print(
            f"[{i}] {h}  loss={c['LossCell']['loss']}/{c['LossCell']['sim']}  "
            f"encoder K={(len(arch['encoder']) + 1) // 2}  nodes={int(data.num_nodes)} "
            f"edges={data.edge_index.size(1)}  -> {path}"
        )
    return EXIT_OK


COMMANDS = {
    "sample": cmd_sample,
    "validate": cmd_validate,
    "encode": cmd_encode,
    "draw": cmd_draw,
    "demo": cmd_demo,
}


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] in ("-h", "--help"):
        print(__doc__.strip())
        print("\nusage: python -m archgraph {" + ",".join(COMMANDS) + "} [--help] ...")
        return EXIT_OK
    if argv and argv[0] not in COMMANDS:
        if argv[0].startswith("-"):
            return cmd_demo(argv)
        print(
            f"error: unknown command {argv[0]!r}; expected one of {list(COMMANDS)}", file=sys.stderr
        )
        return EXIT_USAGE
    name = argv.pop(0) if argv else "demo"
    return COMMANDS[name](argv)


if __name__ == "__main__":
    run_main(main)
