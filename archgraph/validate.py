"""Validation and canonical form of contrastive time-series archs.

``canonical(arch)`` is the single parser: it checks every field and returns a fresh dict in a
fixed key order with grid-snapped values. ``validate`` is ``canonical`` with the result dropped.
"""

from __future__ import annotations

import hashlib
import json
import math
import reprlib
from collections.abc import Mapping, Sequence
from typing import Any

from .grids import GRIDS, PAIR_FLAGS, PAIR_REQUIRED_ONE_OF, SPACE_VERSION, Grids


class ArchError(ValueError):
    """An arch that is not in the space. ``path`` names the offending field, ``message`` says
    what is wrong with it (``str(err)`` is ``"path: message"``)."""

    def __init__(self, path: str, message: str):
        self.path = path
        self.message = message
        super().__init__(f"{path}: {message}" if path else message)


_REPR = reprlib.Repr()
_REPR.maxlevel, _REPR.maxstring, _REPR.maxother, _REPR.maxlong = 2, 40, 40, 40


_JSON_SCALARS = (bool, int, float, str, type(None))


def _show(value: Any) -> str:
    """A short repr, safe for huge or deeply nested values. A scalar of a type JSON does not
    have (NumPy scalars, Decimal, bytes...) is named, since its repr may look like a valid
    value (NumPy 1 shows ``numpy.int64(32)`` as ``32``)."""
    text = _REPR.repr(value)
    text = text if len(text) <= 80 else text[:77] + "..."
    if not isinstance(value, (*_JSON_SCALARS, list, tuple, Mapping)):
        kind = type(value)
        text += f" (a {kind.__module__}.{kind.__qualname__}, not a JSON value)"
    return text


def _join(path: str, key: Any) -> str:
    """``path.key``, quoting keys that are not plain names (empty, unicode junk, non-strings)."""
    name = key if isinstance(key, str) and key.isidentifier() else _show(key)
    return f"{path}.{name}" if path else name


def _mapping(value: Any, path: str, keys: Sequence[str], optional: Sequence[str] = ()) -> Mapping:
    if not isinstance(value, Mapping):
        raise ArchError(path or "arch", f"expected an object, got {type(value).__name__}")
    for key in value:
        if not isinstance(key, str):
            raise ArchError(path or "arch", f"keys must be strings, got {_show(key)}")
        if key not in keys and key not in optional:
            raise ArchError(_join(path, key), f"unknown key; allowed keys are {list(keys)}")
    for key in keys:
        if key not in value:
            raise ArchError(_join(path, key), "missing")
    return value


def _choice(value: Any, path: str, allowed: Sequence) -> Any:
    """Return the grid member equal to ``value`` (floats snap within 1e-9 relative)."""
    if isinstance(value, bool):  # True == 1 in Python; a flag is never a grid value here
        raise ArchError(path, f"{_show(value)} is not allowed; expected one of {list(allowed)}")
    if isinstance(allowed[0], str):
        if isinstance(value, str) and value in allowed:
            return value
    elif isinstance(value, (int, float)):
        if isinstance(value, int) and abs(value) > 2**53:
            raise ArchError(path, f"{_show(value)} is not allowed; expected one of {list(allowed)}")
        if isinstance(value, float) and not math.isfinite(value):
            raise ArchError(path, f"{_show(value)} is not finite; expected one of {list(allowed)}")
        for option in allowed:
            if isinstance(option, int) and not isinstance(option, bool):
                if value == option:
                    return option
            elif math.isclose(float(value), option, rel_tol=1e-9, abs_tol=1e-12):
                return option
    raise ArchError(path, f"{_show(value)} is not allowed; expected one of {list(allowed)}")


def _bool(value: Any, path: str) -> bool:
    if not isinstance(value, bool):
        raise ArchError(path, f"expected true or false, got {_show(value)}")
    return value


def _list(value: Any, path: str, min_len: int, max_len: int) -> list:
    if not isinstance(value, (list, tuple)):
        raise ArchError(path, f"expected a list, got {type(value).__name__}")
    if not min_len <= len(value) <= max_len:
        raise ArchError(path, f"expected {min_len}..{max_len} items, got {len(value)}")
    return list(value)


def _index(value: Any, path: str, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ArchError(path, f"expected an integer in {low}..{high}, got {_show(value)}")
    if not low <= value <= high:
        raise ArchError(
            path, f"{_show(value)} is out of range; expected an integer in {low}..{high}"
        )
    return value


def _aug_cell(cell: Any, path: str, g: Grids) -> dict:
    cell = _mapping(cell, path, ("enabled_ops", "params"))
    ops = _list(cell["enabled_ops"], f"{path}.enabled_ops", 1, len(g.aug_ops))
    seen: list[str] = []
    for i, op in enumerate(ops):
        op = _choice(op, f"{path}.enabled_ops[{i}]", g.aug_ops)
        if op in seen:
            raise ArchError(f"{path}.enabled_ops[{i}]", f"duplicate aug op {op!r}")
        seen.append(op)
    params = cell["params"]
    if not isinstance(params, Mapping):
        raise ArchError(f"{path}.params", f"expected an object, got {type(params).__name__}")
    for key in params:
        if key not in seen:
            raise ArchError(
                _join(f"{path}.params", key), f"not an enabled op; params must name exactly {seen}"
            )
    out_params = {}
    for op in seen:
        if op not in params:
            raise ArchError(f"{path}.params.{op}", "missing strength for an enabled op")
        out_params[op] = _choice(params[op], f"{path}.params.{op}", g.strengths)
    return {"enabled_ops": seen, "params": out_params}


def _encoder(value: Any, path: str, g: Grids) -> list[list[int]]:
    pairs = _list(value, path, 2 * g.min_nodes - 1, 2 * g.max_nodes - 1)
    if len(pairs) % 2 == 0:
        raise ArchError(path, f"expected an odd number (2K-1) of pairs, got {len(pairs)}")
    out = []
    for j, pair in enumerate(pairs):
        where = f"{path}[{j}]"
        if not isinstance(pair, (list, tuple)) or len(pair) != 2:
            raise ArchError(where, f"expected an [input_index, op_index] pair, got {_show(pair)}")
        node = (j + 1) // 2  # pair 0 -> node 0; pairs 2i-1, 2i -> node i
        if j == 0:
            src = _index(pair[0], f"{where}[0]", 0, 0)
        elif j % 2 == 1:
            src = _index(pair[0], f"{where}[0]", 0, node - 1)
        else:
            src = _index(pair[0], f"{where}[0]", node, node)
        op = _index(pair[1], f"{where}[1]", 0, len(g.encoder_ops) - 1)
        out.append([src, op])
    return out


def canonical(arch: Any, grids: Grids = GRIDS) -> dict:
    """Validate ``arch`` and return it in canonical form.

    Canonical form: keys in a fixed order, aug ``params`` in ``enabled_ops`` order, numbers snapped
    to their grid values (``0.30000000000000004`` -> ``0.3``, ``0`` -> ``0.0``), the optional
    top-level ``"space"`` tag dropped (it must equal the space version when present).

    Args:
        arch: a JSON-like dict.
        grids: the option grids (default: the current space's).

    Returns:
        A new dict; the input is never modified.

    Raises:
        ArchError: naming the field path, the bad value and what is allowed.
    """
    top = _mapping(arch, "", ("contrastive", "encoder", "hyper"), optional=("space",))
    if "space" in top and top["space"] != SPACE_VERSION:
        raise ArchError(
            "space", f"{_show(top['space'])} is not this space; expected {SPACE_VERSION!r}"
        )
    c = _mapping(
        top["contrastive"],
        "contrastive",
        ("AugCell1", "AugCell2", "EmbedCell", "PairCell", "LossCell"),
    )
    emb = _mapping(c["EmbedCell"], "contrastive.EmbedCell", ("jitter", "mask", "norm"))
    pair = _mapping(c["PairCell"], "contrastive.PairCell", (*PAIR_FLAGS, "pool_type", "kernel"))
    loss = _mapping(c["LossCell"], "contrastive.LossCell", ("loss", "sim", "temperature"))
    hyper = _mapping(top["hyper"], "hyper", tuple(grids.hyper))

    pair_out: dict[str, Any] = {
        flag: _bool(pair[flag], f"contrastive.PairCell.{flag}") for flag in PAIR_FLAGS
    }
    if not any(pair_out[f] for f in PAIR_REQUIRED_ONE_OF):
        raise ArchError(
            "contrastive.PairCell",
            f"at least one of {list(PAIR_REQUIRED_ONE_OF)} must be true",
        )
    pair_out["pool_type"] = _choice(
        pair["pool_type"], "contrastive.PairCell.pool_type", grids.pool_types
    )
    pair_out["kernel"] = _choice(pair["kernel"], "contrastive.PairCell.kernel", grids.kernels)

    return {
        "contrastive": {
            "AugCell1": _aug_cell(c["AugCell1"], "contrastive.AugCell1", grids),
            "AugCell2": _aug_cell(c["AugCell2"], "contrastive.AugCell2", grids),
            "EmbedCell": {
                "jitter": _choice(
                    emb["jitter"], "contrastive.EmbedCell.jitter", grids.embed_strengths
                ),
                "mask": _choice(emb["mask"], "contrastive.EmbedCell.mask", grids.embed_strengths),
                "norm": _choice(emb["norm"], "contrastive.EmbedCell.norm", grids.norms),
            },
            "PairCell": pair_out,
            "LossCell": {
                "loss": _choice(loss["loss"], "contrastive.LossCell.loss", grids.losses),
                "sim": _choice(loss["sim"], "contrastive.LossCell.sim", grids.sims),
                "temperature": _choice(
                    loss["temperature"], "contrastive.LossCell.temperature", grids.temperatures
                ),
            },
        },
        "encoder": _encoder(top["encoder"], "encoder", grids),
        "hyper": {k: _choice(hyper[k], f"hyper.{k}", grid) for k, grid in grids.hyper.items()},
    }


def validate(arch: Any, grids: Grids = GRIDS) -> None:
    """Raise :class:`ArchError` if ``arch`` is not in the space; return None otherwise."""
    canonical(arch, grids)


def canonical_json(arch: Mapping) -> str:
    """Compact, key-sorted JSON of an already canonical arch (the hashing and storage form)."""
    return json.dumps(arch, sort_keys=True, separators=(",", ":"), allow_nan=False)


def arch_hash(arch: Any, grids: Grids = GRIDS) -> str:
    """A 16-hex-digit SHA-256 of the canonical JSON; stable across runs and machines."""
    text = canonical_json(canonical(arch, grids))
    return hashlib.sha256(f"{SPACE_VERSION}|{text}".encode()).hexdigest()[:16]
