"""Bounded, strict reading of small JSON and TOML files that a user (or an attacker) hands us.

Every reader here refuses, with a :class:`ReadError` (a ``ValueError``) naming the file, what a
hostile or broken file could otherwise turn into a hang or a crash deep inside:

* anything but a regular file (``/dev/zero``, a fifo, a directory): it may never end;
* more than ``max_bytes`` (read with a cap, so a huge file never sits in memory whole);
* nesting deeper than :data:`MAX_DEPTH` (the stdlib parser would raise ``RecursionError``);
* duplicate keys in one object (JSON lets the last one silently win);
* integers of more than :data:`MAX_INT_DIGITS` digits and keys longer than :data:`MAX_KEY_CHARS`
  (messages echo at most :data:`ECHO_CHARS` characters of any value).

``archgraph.io`` reads arch files with these same bounds (it raises its own ``ArchError``).
"""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path
from typing import Any

MAX_DEPTH = 64  # an arch nests 4 levels deep, a config file 2
MAX_INT_DIGITS = 30
MAX_KEY_CHARS = 256
ECHO_CHARS = 60
MAX_CONFIG_BYTES = 2**20  # a config file is a few hundred bytes


class ReadError(ValueError):
    """A file that cannot be read as asked. ``where`` names the file (and line), ``reason``
    says what is wrong (``str(err)`` is ``"where: reason"``)."""

    def __init__(self, where: str, reason: str):
        self.where = where
        self.reason = reason
        super().__init__(f"{where}: {reason}" if where else reason)


def short(value: Any, limit: int = ECHO_CHARS) -> str:
    """``repr(value)`` cut to ``limit`` characters (with the full length), for messages."""
    if isinstance(value, str) and len(value) > limit:
        return f"{value[:limit]!r}... ({len(value)} characters)"
    text = repr(value) if not isinstance(value, (list, dict)) else type(value).__name__
    return text if len(text) <= limit else f"{text[:limit]}... ({len(text)} characters)"


def read_text_capped(path: str | Path, max_bytes: int, what: str = "file") -> str:
    """The UTF-8 text of a regular file of at most ``max_bytes`` bytes.

    Raises:
        ReadError: ``path`` is missing, not a regular file (a device such as ``/dev/zero``, a
            fifo, a directory), larger than ``max_bytes``, or not UTF-8. The message names the
            file and ``what`` it was meant to be.
    """
    try:
        st = os.stat(path)  # stat never blocks, unlike opening a fifo
    except OSError as err:
        raise ReadError(str(path), f"cannot read {what} ({err.strerror or err})") from err
    if not stat.S_ISREG(st.st_mode):
        kind = (
            "it is a directory"
            if stat.S_ISDIR(st.st_mode)
            else "not a regular file (a device or fifo may never end)"
        )
        raise ReadError(str(path), f"cannot read {what}: {kind}")
    try:
        with open(path, "rb") as fh:
            data = fh.read(max_bytes + 1)
    except OSError as err:
        raise ReadError(str(path), f"cannot read {what} ({err.strerror or err})") from err
    if len(data) > max_bytes:
        raise ReadError(str(path), f"{what} is larger than {max_bytes} bytes; refusing to read it")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as err:
        raise ReadError(str(path), f"{what} is not UTF-8 text ({err.reason})") from err


class _Refused(ValueError):
    """A JSON value this module refuses while parsing (the message has no file yet)."""


def _pairs(pairs: list[tuple[str, Any]]) -> dict:
    out: dict = {}
    for key, value in pairs:
        if len(key) > MAX_KEY_CHARS:
            raise _Refused(f"key {short(key)} is longer than {MAX_KEY_CHARS} characters")
        if key in out:
            raise _Refused(f"duplicate key {short(key)} in one object")
        out[key] = value
    return out


def _int(text: str) -> int:
    digits = len(text.lstrip("-"))
    if digits > MAX_INT_DIGITS:
        raise _Refused(f"an integer of {digits} digits (at most {MAX_INT_DIGITS})")
    return int(text)


def _depth(value: Any) -> int:
    """The nesting depth of a parsed value, iteratively (no recursion to overflow); stops
    counting past :data:`MAX_DEPTH`."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        v, d = stack.pop()
        if isinstance(v, (list, dict)):
            deepest = max(deepest, d)
            if d > MAX_DEPTH:
                return d
            stack.extend((c, d + 1) for c in (v.values() if isinstance(v, dict) else v))
    return deepest


def parse_json(text: str, where: str) -> Any:
    """Parse strict JSON with the bounds of the module docstring.

    Args:
        text: the JSON text.
        where: the file (and line) named in errors.

    Raises:
        ReadError: not JSON (a ``json.JSONDecodeError`` is its ``__cause__``), too deep, a
            duplicate or over-long key, or an over-long integer.
    """
    try:
        value = json.loads(text, object_pairs_hook=_pairs, parse_int=_int)
    except _Refused as err:
        raise ReadError(where, str(err)) from None
    except RecursionError:
        raise ReadError(where, f"JSON nested deeper than {MAX_DEPTH} levels") from None
    except json.JSONDecodeError as err:
        raise ReadError(
            where, f"not JSON: {err.msg} (line {err.lineno} column {err.colno})"
        ) from err
    except ValueError as err:  # e.g. a float literal Python cannot hold
        raise ReadError(where, f"not JSON: {short(str(err), 200)}") from None
    if _depth(value) > MAX_DEPTH:
        raise ReadError(where, f"JSON nested deeper than {MAX_DEPTH} levels")
    return value


def parse_toml(text: str, where: str) -> dict[str, Any]:
    """Parse TOML (a table, always), with the bounds of :func:`parse_json` (TOML itself has no
    duplicate keys).

    Raises:
        ReadError: not TOML, nested deeper than :data:`MAX_DEPTH`, a key longer than
            :data:`MAX_KEY_CHARS` or an integer of more than :data:`MAX_INT_DIGITS` digits.
    """
    try:
        import tomllib
    except ModuleNotFoundError:  # Python 3.10
        import tomli as tomllib  # type: ignore[no-redef]
    try:
        value = tomllib.loads(text)
    except RecursionError:
        raise ReadError(where, f"not valid toml: nested deeper than {MAX_DEPTH} levels") from None
    except ValueError as err:  # tomllib.TOMLDecodeError
        raise ReadError(where, f"not valid toml: {short(str(err), 200)}") from err
    if _depth(value) > MAX_DEPTH:
        raise ReadError(where, f"toml nested deeper than {MAX_DEPTH} levels")
    stack: list[Any] = [value]
    while stack:  # the key and integer bounds that parse_json checks as it parses
        v = stack.pop()
        if isinstance(v, dict):
            for key in v:
                if len(key) > MAX_KEY_CHARS:
                    raise ReadError(
                        where, f"key {short(key)} is longer than {MAX_KEY_CHARS} characters"
                    )
            stack.extend(v.values())
        elif isinstance(v, list):
            stack.extend(v)
        elif isinstance(v, int) and not isinstance(v, bool) and abs(v) >= 10**MAX_INT_DIGITS:
            raise ReadError(where, f"an integer of more than {MAX_INT_DIGITS} digits")
    return value


def read_config_file(path: str | Path, max_bytes: int = MAX_CONFIG_BYTES) -> dict[str, Any]:
    """The object of a JSON (``.json``, or any other suffix) or TOML (``.toml``) config file.

    Raises:
        ReadError: naming the file: unreadable (see :func:`read_text_capped`), not JSON/TOML or
            out of bounds (see :func:`parse_json`), or not an object.
    """
    path = Path(path)
    text = read_text_capped(path, max_bytes, "config file")
    if path.suffix.lower() == ".toml":
        data: Any = parse_toml(text, str(path))
    else:
        data = parse_json(text, str(path))
    if not isinstance(data, dict):
        raise ReadError(
            str(path), f"expected an object of setting names, got {type(data).__name__}"
        )
    return data
