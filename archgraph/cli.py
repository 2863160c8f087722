"""The one CLI convention of the project: flags, or ``--config FILE`` whose keys mirror them.

A config file is JSON (``.json``) or TOML (``.toml``); its keys are the flags' names with dashes
or underscores (``n_archs`` or ``n-archs``). Flags given on the command line win over the file.
Parsed values land in a dataclass the command declares. Usage errors exit 2 (argparse), runtime
errors print one line to stderr and exit 1.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar

T = TypeVar("T")

EXIT_OK, EXIT_ERROR, EXIT_USAGE = 0, 1, 2


def load_config_file(path: str | Path) -> dict[str, Any]:
    """Read a JSON or TOML object; raises ``ValueError`` naming the file on any problem."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as err:
        raise ValueError(f"{path}: cannot read config file ({err.strerror or err})") from err
    try:
        if path.suffix.lower() == ".toml":
            try:
                import tomllib
            except ModuleNotFoundError:  # Python 3.10
                import tomli as tomllib  # type: ignore[no-redef]
            data = tomllib.loads(text)
        else:
            data = json.loads(text)
    except ValueError as err:
        raise ValueError(f"{path}: not valid {path.suffix.lstrip('.') or 'JSON'}: {err}") from err
    if not isinstance(data, dict):
        raise ValueError(f"{path}: expected an object of flag names, got {type(data).__name__}")
    return data


class HelpFormatter(argparse.RawDescriptionHelpFormatter):
    """``--help`` that keeps the description's line breaks and shows every flag's default.

    A default is appended as ``(default: X)`` unless the help already names one, the flag has no
    real default (``None``, ``False``, ``""``) or it is a positional argument.
    """

    def _get_help_string(self, action: argparse.Action) -> str:
        text = action.help or ""
        default = action.default
        if (
            "default" in text
            or not action.option_strings
            or default is None
            or default is False
            or default == ""
            or default is argparse.SUPPRESS
        ):
            return text
        return f"{text} (default: %(default)s)".lstrip()


def add_config_flag(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--config",
        metavar="FILE",
        help="JSON or TOML file whose keys mirror these flags; explicit flags win",
    )


def parse_into(
    parser: argparse.ArgumentParser, config_cls: type[T], argv: Sequence[str] | None = None
) -> T:
    """Parse ``argv`` (with optional ``--config``) into an instance of ``config_cls``.

    Every field of ``config_cls`` must be an argparse destination of ``parser``.
    """
    args = parser.parse_args(argv)
    if getattr(args, "config", None):
        try:
            cfg = load_config_file(args.config)
        except ValueError as err:
            parser.error(str(err))
        dests = {a.dest for a in parser._actions} - {"help", "config"}
        values = {}
        for key, value in cfg.items():
            dest = str(key).replace("-", "_")
            if dest not in dests:
                parser.error(f"{args.config}: unknown key {key!r}; allowed: {sorted(dests)}")
            values[dest] = value
        parser.set_defaults(**values)
        args = parser.parse_args(argv)  # explicit flags override the file's values
    names = {f.name for f in dataclasses.fields(config_cls)}
    return config_cls(**{k: v for k, v in vars(args).items() if k in names})


def run_main(main: Callable[[], int]) -> None:
    """Run a CLI body: known errors -> one stderr line and exit 1; Ctrl-C -> exit 130."""
    try:
        code = main()
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        code = 130
    except (ValueError, OSError) as err:
        print(f"error: {err}", file=sys.stderr)
        code = EXIT_ERROR
    sys.exit(code)
