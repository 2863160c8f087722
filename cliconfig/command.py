"""A command's CLI generated from its config dataclass: flags, ``--help`` and ``--config FILE``.

The dataclass is the one source of every setting: its field names (the flag is the name with
dashes: ``n_train`` -> ``--n-train``), types, defaults and help. Help comes from
:func:`option` (``dataclasses.field`` metadata) or, for a plain field, from the class
docstring's Google-style ``Attributes:`` section (a base class's docstring serves its fields).

Types a field may have: ``bool`` (``--flag``; a ``True`` default gives ``--flag/--no-flag``),
``int``, ``float``, ``str``, ``Literal[...]`` (its values are the choices), ``tuple[X, ...]``
(comma-separated on the command line: ``--tasks a,b``; a list or that string in a config file),
each of them but ``bool`` also ``| None``. Anything else is a ``TypeError`` when the parser is
built, so a command with a bad field fails its first test, not a user.

``--config FILE`` reads a JSON (``.json``) or TOML (``.toml``) object whose keys are the field
names (``n_train`` or ``n-train``), with the bounds of :mod:`cliconfig.reading` (a file cannot
hang, crash or flood us); its values are checked against the field types; flags given on the
command line win over the file. An unknown key, a value of the wrong type or a value outside the
choices is a usage error naming the file and the key. Exit codes: 0 ok, 1 bad input or runtime
error (:func:`run_main`), 2 usage (argparse's ``error``).
"""

from __future__ import annotations

import argparse
import dataclasses
import inspect
import re
import sys
import typing
from collections.abc import Callable, Sequence
from types import UnionType
from typing import Any, Generic, Literal, TypeVar, Union

from .reading import ReadError, read_config_file, short

T = TypeVar("T")

EXIT_OK, EXIT_ERROR, EXIT_USAGE = 0, 1, 2

_META = "cliconfig"
_SCALARS = {bool: "a boolean", int: "an integer", float: "a number", str: "a string"}


def option(
    default: Any = dataclasses.MISSING,
    help: str = "",  # noqa: A002 - the argparse word for it
    *,
    aliases: Sequence[str] = (),
    metavar: str | None = None,
    group: str | None = None,
    positional: bool = False,
    default_factory: Callable[[], Any] | Any = dataclasses.MISSING,
) -> Any:
    """A dataclass field that says how its flag reads.

    Args:
        default: the default value (also what ``--help`` shows).
        help: one line for ``--help`` (the default is appended to it).
        aliases: more spellings of the flag, e.g. ``("-n",)`` or ``("-o",)``.
        metavar: the value's name in ``--help`` (default: the field name in capitals).
        group: the ``--help`` section the flag is listed under.
        positional: an optional positional argument instead of a flag (``cmd FILE``).
        default_factory: as in :func:`dataclasses.field`.

    Returns:
        A :func:`dataclasses.field` carrying this in its metadata.
    """
    meta = {
        "help": help,
        "aliases": tuple(aliases),
        "metavar": metavar,
        "group": group,
        "positional": positional,
    }
    if default_factory is not dataclasses.MISSING:
        return dataclasses.field(default_factory=default_factory, metadata={_META: meta})
    return dataclasses.field(default=default, metadata={_META: meta})


@dataclasses.dataclass(frozen=True)
class _Spec:
    """How one field reads: its scalar kind, whether ``None`` is allowed, its choices and
    whether it is a tuple of that kind."""

    name: str
    kind: type
    optional: bool
    choices: tuple | None
    many: bool
    default: Any

    def want(self) -> str:
        what = _SCALARS[self.kind]
        if self.choices is not None:
            what = f"one of {list(self.choices)}"
        if self.many:
            what = f"a list of {what.removeprefix('a ').removeprefix('an ')}s" + (
                " (or a comma-separated string)" if self.kind is not bool else ""
            )
        return what + (" or null" if self.optional else "")


def _spec(cls: type, field: dataclasses.Field, hint: Any) -> _Spec:
    bad = TypeError(
        f"{cls.__name__}.{field.name}: type {hint!r} cannot be a flag (bool, int, float, str, "
        "Literal, tuple[X, ...], or one of them | None)"
    )
    args = typing.get_args(hint) if typing.get_origin(hint) in (Union, UnionType) else (hint,)
    optional = type(None) in args
    rest = [a for a in args if a is not type(None)]
    if len(rest) != 1:
        raise bad
    (hint,) = rest
    many = typing.get_origin(hint) is tuple
    if many:
        inner = typing.get_args(hint)
        if len(inner) != 2 or inner[1] is not Ellipsis:
            raise bad
        hint = inner[0]
    choices = None
    if typing.get_origin(hint) is Literal:
        choices = typing.get_args(hint)
        kinds = {type(c) for c in choices}
        if len(kinds) != 1 or next(iter(kinds)) not in _SCALARS:
            raise bad
        hint = next(iter(kinds))
    if hint not in _SCALARS or (hint is bool and (optional or many)):
        raise bad
    if field.default is not dataclasses.MISSING:
        default = field.default
    elif field.default_factory is not dataclasses.MISSING:
        default = field.default_factory()
    else:
        raise TypeError(f"{cls.__name__}.{field.name}: a flag needs a default")
    return _Spec(field.name, hint, optional, choices, many, default)


def _specs(cls: type) -> list[_Spec]:
    if not dataclasses.is_dataclass(cls):
        raise TypeError(f"{cls!r} is not a dataclass")
    hints = typing.get_type_hints(cls)
    specs = [_spec(cls, f, hints[f.name]) for f in dataclasses.fields(cls) if f.init]
    taken = [s.name for s in specs if s.name in ("config", "help", "h")]
    if taken:
        raise TypeError(f"{cls.__name__}.{taken[0]}: the name of a flag every command has")
    return specs


_SECTION = re.compile(r"^\s*(Args|Arguments|Attributes|Returns|Raises|Examples?|Notes?):\s*$")


def docstring_attributes(cls: type) -> dict[str, str]:
    """The ``Attributes:`` entries of ``cls``'s docstring and its bases' (a subclass wins), as
    one line of plain text each: ``{"n_train": "training archs per task (0: all)."}``."""
    out: dict[str, str] = {}
    for klass in reversed(cls.__mro__):
        doc = inspect.cleandoc(klass.__dict__.get("__doc__") or "")
        lines = doc.splitlines()
        try:
            start = next(i for i, line in enumerate(lines) if line.strip() == "Attributes:")
        except StopIteration:
            continue
        name, indent = None, None
        for line in lines[start + 1 :]:
            if not line.strip():
                continue
            depth = len(line) - len(line.lstrip())
            if indent is None:
                indent = depth
            if depth < indent or _SECTION.match(line):
                break
            entry = re.match(r"(\w+)(?:\s*\([^)]*\))?:\s*(.*)", line.strip())
            if depth == indent and entry:
                name = entry.group(1)
                out[name] = entry.group(2)
            elif name is not None:
                out[name] = f"{out[name]} {line.strip()}".strip()
    return {k: v.replace("``", "") for k, v in out.items()}  # reST literals read as plain text


def description_of(cls: type) -> str:
    """``cls``'s docstring up to its first section (``Attributes:``...)."""
    lines = inspect.cleandoc(cls.__doc__ or "").splitlines()
    head = []
    for line in lines:
        if _SECTION.match(line):
            break
        head.append(line)
    return "\n".join(head).strip()


def _split(text: str) -> list[str]:
    return [t.strip() for t in text.split(",") if t.strip()]


def _converter(spec: _Spec) -> Callable[[str], Any]:
    """The argparse ``type`` of a field: a string of the command line -> its value."""

    if not spec.many:
        return spec.kind  # argparse names it in "invalid int value"

    def many(text: str) -> tuple:
        try:
            values = tuple(spec.kind(t) for t in _split(text))
        except ValueError:
            raise argparse.ArgumentTypeError(
                f"expected comma-separated {_SCALARS[spec.kind][2:]}s, got {short(text)}"
            ) from None
        if spec.choices is not None:
            wrong = [v for v in values if v not in spec.choices]
            if wrong:
                raise argparse.ArgumentTypeError(
                    f"{short(wrong[0])} is not one of {list(spec.choices)}"
                )
        return values

    return many


class HelpFormatter(argparse.RawDescriptionHelpFormatter):
    """``--help`` that keeps the description's line breaks and shows every flag's default.

    A default is appended as ``(default: X)`` unless the help already names one, the flag has no
    real default (``None``, ``False``, ``""``, ``()``) or it is a positional argument.
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
            or default == ()
            or default is argparse.SUPPRESS
        ):
            return text
        shown = ",".join(map(str, default)) if isinstance(default, tuple) else str(default)
        return f"{text} (default: {shown.replace('%', '%%')})".lstrip()  # help is %-formatted


class ConfigParser(argparse.ArgumentParser, Generic[T]):
    """An ``argparse`` parser generated from ``config_cls``; :meth:`parse` returns an instance.

    Use :func:`parser_for` to build one. It is a plain ``ArgumentParser`` otherwise:
    ``parser.error(msg)`` is the usage error (exit 2) of checks a command makes after parsing.
    """

    def __init__(self, config_cls: type[T], **kwargs: Any):
        super().__init__(formatter_class=HelpFormatter, **kwargs)
        self.config_cls = config_cls
        self.specs = {s.name: s for s in _specs(config_cls)}
        self.add_argument(
            "--config",
            metavar="FILE",
            help="JSON or TOML file whose keys are these flags' names; explicit flags win",
        )
        docs = docstring_attributes(config_cls)
        groups: dict[str, argparse._ArgumentGroup] = {}
        for field in dataclasses.fields(config_cls):
            if field.name not in self.specs:
                continue
            spec = self.specs[field.name]
            meta = field.metadata.get(_META, {})
            group_name = meta.get("group")
            target: Any = self
            if group_name:
                if group_name not in groups:
                    groups[group_name] = self.add_argument_group(group_name)
                target = groups[group_name]
            kw: dict[str, Any] = {
                "default": spec.default,
                "help": meta.get("help") or docs.get(field.name, ""),
            }
            if meta.get("metavar"):
                kw["metavar"] = meta["metavar"]
            if meta.get("positional"):
                if spec.kind is bool:
                    raise TypeError(f"{config_cls.__name__}.{field.name}: a bool positional")
                target.add_argument(field.name, nargs="?", type=_converter(spec), **kw)
                continue
            aliases = meta.get("aliases", ())
            names = [a for a in aliases if not a.startswith("--")]  # -n before --n in --help
            names += ["--" + field.name.replace("_", "-")]
            names += [a for a in aliases if a.startswith("--")]
            if spec.kind is bool:
                action = argparse.BooleanOptionalAction if spec.default else "store_true"
                kw.pop("metavar", None)
                target.add_argument(*names, dest=field.name, action=action, **kw)
                continue
            if spec.choices is not None and not spec.many:
                kw["choices"] = spec.choices
            target.add_argument(*names, dest=field.name, type=_converter(spec), **kw)

    def config_values(self, data: dict[str, Any], path: str) -> dict[str, Any]:
        """A config file's object as field values, each checked against its field's type.

        Raises:
            ValueError: naming ``path`` and the key: an unknown key (the known ones listed), a
                value of the wrong type or outside the choices (echoed values are cut short).
        """
        values = {}
        for key, value in data.items():
            name = str(key).replace("-", "_")
            spec = self.specs.get(name)
            if spec is None:
                known = ", ".join(sorted(self.specs))
                raise ValueError(f"{path}: unknown key {short(key)}; known keys: {known}")
            ok, value = _coerce(spec, value)
            if not ok:
                shown = "" if isinstance(value, (list, dict)) else f" {short(value)}"
                raise ValueError(
                    f"{path}: key {short(key)}: expected {spec.want()}, "
                    f"got {type(value).__name__}{shown}"
                )
            values[name] = value
        return values

    def parse(self, argv: Sequence[str] | None = None) -> T:
        """Parse ``argv`` (``sys.argv[1:]`` when None), with ``--config FILE`` under the flags.

        Returns:
            An instance of the config class; a ``ValueError`` of its ``__post_init__`` is a usage
            error (exit 2), as is every problem with a flag or the config file.
        """
        argv = list(sys.argv[1:] if argv is None else argv)
        args = self.parse_args(argv)
        if args.config:
            try:
                values = self.config_values(read_config_file(args.config), args.config)
            except (ReadError, ValueError) as err:
                self.error(str(err))
            self.set_defaults(**values)
            try:
                args = self.parse_args(argv)  # the flags given win over the file's values
            finally:
                self.set_defaults(**{k: self.specs[k].default for k in values})
        try:
            return self.config_cls(**{k: getattr(args, k) for k in self.specs})
        except ValueError as err:
            self.error(str(err))


def _coerce(spec: _Spec, value: Any) -> tuple[bool, Any]:
    """``(ok, value)``: a config file's value as the field wants it. A number may come as a
    string (as on the command line), an int is a valid float, a tuple as a list or a
    comma-separated string."""
    if value is None:
        return spec.optional, None
    if spec.many:
        items = _split(value) if isinstance(value, str) and spec.kind is not bool else value
        if not isinstance(items, list):
            return False, value
        out = []
        for item in items:
            ok, v = _coerce_one(spec, item)
            if not ok:
                return False, value
            out.append(v)
        return True, tuple(out)
    return _coerce_one(spec, value)


def _coerce_one(spec: _Spec, value: Any) -> tuple[bool, Any]:
    kind = spec.kind
    ok = False
    if kind is bool:
        ok = isinstance(value, bool)
    elif isinstance(value, bool) or isinstance(value, (list, dict)):
        ok = False
    elif kind is str:
        ok = isinstance(value, str)
    elif isinstance(value, int) or (kind is float and isinstance(value, float)):
        ok, value = True, kind(value)
    elif isinstance(value, str) and len(value) <= 40:
        try:
            ok, value = True, kind(value)
        except ValueError:
            ok = False
    if ok and spec.choices is not None and value not in spec.choices:
        return False, value
    return ok, value


def parser_for(
    config_cls: type[T],
    *,
    prog: str | None = None,
    description: str | None = None,
    epilog: str | None = None,
) -> ConfigParser[T]:
    """The parser of a command whose settings are the fields of ``config_cls``.

    Args:
        config_cls: a dataclass (fields: see the module docstring).
        prog: the command as a user types it (``python -m predictor.train``).
        description: the ``--help`` text above the flags (default: the class docstring up to
            its first section).
        epilog: the ``--help`` text below the flags.

    Raises:
        TypeError: a field whose type cannot be a flag, or that has no default.
    """
    if description is None:
        description = description_of(config_cls)
    return ConfigParser(config_cls, prog=prog, description=description, epilog=epilog)


def parse(
    config_cls: type[T],
    argv: Sequence[str] | None = None,
    *,
    prog: str | None = None,
    description: str | None = None,
    epilog: str | None = None,
) -> T:
    """``parser_for(config_cls, ...).parse(argv)``: for a command with no checks of its own."""
    return parser_for(config_cls, prog=prog, description=description, epilog=epilog).parse(argv)


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
