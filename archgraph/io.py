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

The bounded reading itself is :mod:`cliconfig.reading` (config files are read the same way);
this module gives its errors as ``ArchError`` and knows the arch file formats.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from cliconfig import reading
from cliconfig.reading import ECHO_CHARS, MAX_DEPTH, MAX_INT_DIGITS, MAX_KEY_CHARS, short

from .validate import ArchError

__all__ = [
    "ECHO_CHARS",
    "MAX_BYTES",
    "MAX_DEPTH",
    "MAX_INT_DIGITS",
    "MAX_KEY_CHARS",
    "parse_json",
    "read_archs",
    "read_json",
    "read_text_capped",
    "short",
]

MAX_BYTES = 64 * 2**20  # an arch is ~600 bytes: 64 MiB holds ~100k of them


@contextlib.contextmanager
def _as_arch_error() -> Iterator[None]:
    """A :class:`cliconfig.reading.ReadError` as an ``ArchError`` (same message and cause)."""
    try:
        yield
    except reading.ReadError as err:
        raise ArchError(err.where, err.reason) from err.__cause__


def read_text_capped(path: str | Path, max_bytes: int = MAX_BYTES, what: str = "file") -> str:
    """The UTF-8 text of a regular file of at most ``max_bytes`` bytes.

    Raises:
        ArchError: ``path`` is missing, not a regular file (a device such as ``/dev/zero``, a
            fifo, a directory), larger than ``max_bytes``, or not UTF-8. The message names the
            file and ``what`` it was meant to be.
    """
    with _as_arch_error():
        return reading.read_text_capped(path, max_bytes, what)


def parse_json(text: str, where: str) -> Any:
    """:func:`cliconfig.reading.parse_json` (strict JSON with the bounds of the module
    docstring; ``where`` names the file and line), raising ``ArchError``: a
    ``json.JSONDecodeError`` is its ``__cause__`` when the text is not JSON at all."""
    with _as_arch_error():
        return reading.parse_json(text, where)


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
