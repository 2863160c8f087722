"""Reading archs from files: one JSON object, a JSON list, or JSONL (one object per line)."""

from __future__ import annotations

import json
from pathlib import Path


def read_archs(path: str | Path) -> list:
    """Archs from a JSON file (one object or a list) or JSONL (one object per line).

    The archs are returned as parsed, not validated. Raises ``ValueError`` naming the file (and
    line, for JSONL) when it cannot be read, is not JSON, or holds no arch.
    """
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except OSError as err:
        raise ValueError(f"{path}: cannot read ({err.strerror or err})") from err
    except UnicodeDecodeError as err:
        raise ValueError(f"{path}: not UTF-8 text ({err.reason})") from err
    try:
        data = json.loads(text)
        return data if isinstance(data, list) else [data]
    except json.JSONDecodeError:
        pass
    archs = []
    for n, line in enumerate(text.splitlines(), 1):
        if line.strip():
            try:
                archs.append(json.loads(line))
            except json.JSONDecodeError as err:
                raise ValueError(f"{path}:{n}: not JSON: {err.msg}") from err
    if not archs:
        raise ValueError(f"{path}: no arch found (expected JSON or JSONL)")
    return archs
