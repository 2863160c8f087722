"""The one CLI convention of the project: flags, or ``--config FILE`` whose keys mirror them.

A config file is JSON (``.json``) or TOML (``.toml``); its keys are the flags' names with dashes
or underscores (``n_archs`` or ``n-archs``). Flags given on the command line win over the file.
Parsed values land in a dataclass the command declares. Usage errors exit 2 (argparse), runtime
errors print one line to stderr and exit 1.
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
import typing
from collections.abc import Callable, Sequence
from pathlib import Path
from types import UnionType
from typing import Any, TypeVar, Union

T = TypeVar("T")

EXIT_OK, EXIT_ERROR, EXIT_USAGE = 0, 1, 2


MAX_CONFIG_BYTES = 2**20  # a config file is a few hundred bytes


def load_config_file(path: str | Path) -> dict[str, Any]:
    """Read a JSON or TOML object; raises ``ValueError`` naming the file on any problem.

    The file must be a regular file of at most :data:`MAX_CONFIG_BYTES` (``/dev/zero`` or a
    fifo is refused, never read); JSON is parsed with the bounds of :mod:`archgraph.io`.
    """
    from .io import parse_json, read_text_capped

    path = Path(path)
    text = read_text_capped(path, MAX_CONFIG_BYTES, "config file")
    if path.suffix.lower() == ".toml":
        try:
            import tomllib
        except ModuleNotFoundError:  # Python 3.10
            import tomli as tomllib  # type: ignore[no-redef]
        try:
            data = tomllib.loads(text)
        except RecursionError:
            raise ValueError(f"{path}: not valid toml: nested too deeply") from None
        except ValueError as err:
            raise ValueError(f"{path}: not valid toml: {err}") from err
    else:
        data = parse_json(text, str(path))
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
        try:
            values = config_values(parser, config_cls, cfg, args.config)
        except ValueError as err:
            parser.error(str(err))
        parser.set_defaults(**values)
        args = parser.parse_args(argv)  # explicit flags override the file's values
    names = {f.name for f in dataclasses.fields(config_cls)}
    return config_cls(**{k: v for k, v in vars(args).items() if k in names})


_SCALARS = {bool: "a boolean", int: "an integer", float: "a number", str: "a string"}


def _field_types(config_cls: type) -> dict[str, tuple[tuple[type, ...], bool] | None]:
    """Per dataclass field: (allowed scalar types, None allowed), or None when not a plain
    scalar type (then only argparse's view of the flag is checked)."""
    try:
        hints = typing.get_type_hints(config_cls)
    except Exception:  # noqa: BLE001 - an annotation that cannot be resolved: no hint
        return {}
    out: dict[str, tuple[tuple[type, ...], bool] | None] = {}
    for name, hint in hints.items():
        args = typing.get_args(hint) if typing.get_origin(hint) in (Union, UnionType) else (hint,)
        kinds = tuple(a for a in args if a is not type(None))
        out[name] = (kinds, type(None) in args) if all(k in _SCALARS for k in kinds) else None
    return out


def _action_types(action: argparse.Action) -> tuple[tuple[type, ...], bool]:
    if isinstance(action, (argparse._StoreTrueAction, argparse._StoreFalseAction)):
        return (bool,), False
    kind = action.type if action.type in (int, float) else str
    return (kind,), action.default is None


def _coerce(value: Any, kinds: tuple[type, ...], optional: bool) -> tuple[bool, Any]:
    """(ok, value): ``value`` as one of ``kinds``; a string for a number is parsed as on the
    command line; an int is a valid float."""
    if value is None:
        return optional, None
    for kind in kinds:
        if kind is bool and isinstance(value, bool):
            return True, value
        if isinstance(value, bool):
            continue
        if kind is int and isinstance(value, int):
            return True, value
        if kind is float and isinstance(value, (int, float)):
            return True, float(value)
        if kind is str and isinstance(value, str):
            return True, value
    for kind in kinds:
        if kind in (int, float) and isinstance(value, str) and len(value) <= 40:
            try:
                return True, kind(value)
            except ValueError:
                pass
    return False, value


def config_values(
    parser: argparse.ArgumentParser, config_cls: type, cfg: dict[str, Any], path: str | Path
) -> dict[str, Any]:
    """The config file's values by argparse destination, each checked once against its type.

    The type of a key is its ``config_cls`` field's annotation (``int``, ``float | None``, ...)
    or, for a flag that is no field, the flag's argparse ``type`` (``store_true``: bool); a
    flag with ``choices`` takes only those.

    Raises:
        ValueError: naming ``path``, the key and what was expected, for an unknown key or a
            value of the wrong type (echoed values are cut short).
    """
    from .io import short

    actions = {a.dest: a for a in parser._actions if a.dest not in ("help", "config")}
    fields = _field_types(config_cls)
    values = {}
    for key, value in cfg.items():
        dest = str(key).replace("-", "_")
        if dest not in actions:
            raise ValueError(f"{path}: unknown key {short(key)}; allowed: {sorted(actions)}")
        action = actions[dest]
        hint = fields.get(dest)
        kinds, optional = hint if hint is not None else _action_types(action)
        ok, value = _coerce(value, kinds, optional)
        if not ok:
            want = " or ".join(_SCALARS[k] for k in kinds) + (" or null" if optional else "")
            shown = "" if isinstance(value, (list, dict)) else f" {short(value)}"
            raise ValueError(
                f"{path}: key {short(key)}: expected {want}, got {type(value).__name__}{shown}"
            )
        if action.choices is not None and value is not None and value not in action.choices:
            raise ValueError(
                f"{path}: key {short(key)}: {short(value)} is not one of {sorted(action.choices)}"
            )
        values[dest] = value
    return values


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
