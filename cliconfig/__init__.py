"""One CLI convention for every command: the config dataclass is the CLI.

A command declares its settings once, as a dataclass; :func:`parser_for` generates the flags,
``--help`` (defaults shown) and ``--config FILE`` (JSON or TOML, read with bounds, checked
against the field types; explicit flags win) from it::

    @dataclass
    class SampleConfig:
        \"\"\"Sample archs uniformly from the space.\"\"\"

        n: int = option(5, "number of archs", aliases=("-n",))
        seed: int = option(0, "random seed")
        out: str | None = option(None, "write JSONL here instead of stdout")

    def main(argv=None) -> int:
        parser = parser_for(SampleConfig, prog="python -m archgraph sample")
        cfg = parser.parse(argv)          # exit 2 on a bad flag or config file
        if cfg.n < 1:
            parser.error("--n must be >= 1")  # exit 2
        ...
        return EXIT_OK

    if __name__ == "__main__":
        run_main(main)                    # ValueError/OSError -> one line, exit 1

Why our own helper rather than ``tyro``, ``jsonargparse`` or ``simple-parsing`` (all three are
on PyPI and were tried): each adds 0.08-0.15 s to every ``--help`` (``import`` alone: tyro
0.18-0.23 s, jsonargparse 0.25 s, simple-parsing 0.21-0.25 s, against 0.10 s for argparse and
the stdlib readers, on a loaded 2-core machine) and pulls in dependencies (tyro: typeguard,
docstring-parser, typing-extensions; jsonargparse: PyYAML; simple-parsing: docstring-parser,
typing-extensions). None reads a config file through our bounded strict reader: jsonargparse's
``--config`` is YAML (no TOML), tyro has no config file at all, simple-parsing reads YAML/JSON
with the stdlib parsers (no duplicate-key, depth, size or ``/dev/zero`` bounds), so a hostile
file could still hang or crash us. tyro and simple-parsing have their own flag spellings
(``--flag/--no-flag`` for every bool, ``--field_name`` or dotted nested names) and their own
error output, where our commands keep today's flags and exit codes 0/1/2. What we need from them
(names, types, defaults, help, choices from ``Literal``) is ~300 lines over ``argparse``, which
every command already used, so the helper costs less than any of them gives.

The package is the lowest layer of the project: it imports only the standard library, and every
other package (``archgraph``, ``contrastive``, ``predictor``, ``benchmarks``) may use it.
"""

from .command import (
    EXIT_ERROR,
    EXIT_OK,
    EXIT_USAGE,
    ConfigParser,
    HelpFormatter,
    docstring_attributes,
    option,
    parse,
    parser_for,
    run_main,
)
from .reading import ReadError, read_config_file

__all__ = [
    "EXIT_ERROR",
    "EXIT_OK",
    "EXIT_USAGE",
    "ConfigParser",
    "HelpFormatter",
    "ReadError",
    "docstring_attributes",
    "option",
    "parse",
    "parser_for",
    "read_config_file",
    "run_main",
]
