"""Reading archs (and other small JSON files) from untrusted files, with bounds.

An arch file is one JSON object, a JSON list of them, or JSONL (one object per line). Every
reader here refuses, with an :class:`~archgraph.validate.ArchError` (a ``ValueError``) naming
the file, what a hostile or broken file could otherwise turn into a hang or a crash deep inside:

* anything but a regular file (``/dev/zero``, a fifo, a directory): it may never end;
* more than ``max_bytes`` (read with a cap, so a huge file never sits in memory whole);
* nesting deeper than :data:`MAX_DEPTH` (the stdlib parser would raise ``RecursionError``);
* duplicate keys in one object (JSON lets the last one silently win);
* integers of more than :data:`MAX_INT_DIGITS` digits and keys longer than :data:`MAX_KEY_CHARS`
  (messages echo at most :data:`ECHO_CHARS` characters of any value).
"""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path
from typing import Any

from .validate import ArchError

MAX_BYTES = 64 * 2**20  # an arch is ~600 bytes: 64 MiB holds ~100k of them
MAX_DEPTH = 64  # an arch nests 4 levels deep
MAX_INT_DIGITS = 30
MAX_KEY_CHARS = 256
ECHO_CHARS = 60


def short(value: Any, limit: int = ECHO_CHARS) -> str:
    """``repr(value)`` cut to ``limit`` characters (with the full length), for messages."""
    if isinstance(value, str) and len(value) > limit:
        return f"{value[:limit]!r}... ({len(value)} characters)"
    text = repr(value) if not isinstance(value, (list, dict)) else type(value).__name__
    return text if len(text) <= limit else f"{text[:limit]}... ({len(text)} characters)"


def read_text_capped(path: str | Path, max_bytes: int = MAX_BYTES, what: str = "file") -> str:
    """The UTF-8 text of a regular file of at most ``max_bytes`` bytes.

    Raises:
        ArchError: ``path`` is missing, not a regular file (a device such as ``/dev/zero``, a
            fifo, a directory), larger than ``max_bytes``, or not UTF-8. The message names the
            file and ``what`` it was meant to be.
    """
    try:
        st = os.stat(path)  # stat never blocks, unlike opening a fifo
    except OSError as err:
        raise ArchError(str(path), f"cannot read {what} ({err.strerror or err})") from err
    if not stat.S_ISREG(st.st_mode):
        kind = (
            "it is a directory"
            if stat.S_ISDIR(st.st_mode)
            else "not a regular file (a device or fifo may never end)"
        )
        raise ArchError(str(path), f"cannot read {what}: {kind}")
    try:
        with open(path, "rb") as fh:
            data = fh.read(max_bytes + 1)
    except OSError as err:
        raise ArchError(str(path), f"cannot read {what} ({err.strerror or err})") from err
    if len(data) > max_bytes:
        raise ArchError(str(path), f"{what} is larger than {max_bytes} bytes; refusing to read it")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as err:
        raise ArchError(str(path), f"{what} is not UTF-8 text ({err.reason})") from err


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


def _depth_ok(value: Any) -> int:
    """The nesting depth of a parsed value, iteratively (no recursion to overflow)."""
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
        ArchError: not JSON (a ``json.JSONDecodeError`` is its ``__cause__``), too deep, a
            duplicate or over-long key, or an over-long integer.
    """
    try:
        value = json.loads(text, object_pairs_hook=_pairs, parse_int=_int)
    except _Refused as err:
        raise ArchError(where, str(err)) from None
    except RecursionError:
        raise ArchError(where, f"JSON nested deeper than {MAX_DEPTH} levels") from None
    except json.JSONDecodeError as err:
        raise ArchError(
            where, f"not JSON: {err.msg} (line {err.lineno} column {err.colno})"
        ) from err
    except ValueError as err:  # e.g. a float literal Python cannot hold
        raise ArchError(where, f"not JSON: {short(str(err), 200)}") from None
    if _depth_ok(value) > MAX_DEPTH:
        raise ArchError(where, f"JSON nested deeper than {MAX_DEPTH} levels")
    return value


def read_json(path: str | Path, max_bytes: int = MAX_BYTES, what: str = "JSON file") -> Any:
    """One bounded JSON value from a file (see :func:`parse_json`)."""
    return parse_json(read_text_capped(path, max_bytes, what), str(path))


def read_archs(path: str | Path, max_bytes: int = MAX_BYTES) -> list:
    """Archs from a JSON file (one object or a list) or JSONL (one object per line).

    The archs are returned as parsed, not validated.

    Raises:
        ArchError: (a ``ValueError``) naming the file, and the line for JSONL, when it cannot
            be read (see :func:`read_text_capped`), is not JSON or breaks a bound (see
            :func:`parse_json`), or holds no arch (an empty file, ``[]``).
    """
    text = read_text_capped(path, max_bytes, "arch file")
    try:
        data = parse_json(text, str(path))
    except ArchError as err:
        if not isinstance(err.__cause__, json.JSONDecodeError):
            raise  # valid JSON that breaks a bound: JSONL would not help
        data = None
    if data is not None or text.strip() == "null":
        archs = data if isinstance(data, list) else [data]
    else:
        archs = [
            parse_json(line, f"{path}:{n}")
            for n, line in enumerate(text.splitlines(), 1)
            if line.strip()
        ]
    if not archs:
        raise ArchError(str(path), "no arch found (expected a JSON object, a list or JSONL)")
    return archs
