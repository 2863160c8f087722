"""archgraph: the arch contract of the project.

The search space (option grids, validation, canonical form, hashing, sampling, mutation), its
invertible PyTorch Geometric encoding, pair batching and drawing. Module-level functions act on
the contrastive time-series space (``CTS_SPACE``); other spaces implement :class:`GraphSpace`.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from torch_geometric.data import Batch, Data

from .base import GraphSpace, GraphSpec
from .cts import CTS_SPACE, NODE_TYPES, CtsSpace
from .draw import draw
from .grids import GRIDS, SPACE_VERSION, Grids
from .pairs import PairData, make_pair
from .validate import ArchError, arch_hash, canonical, canonical_json, validate

__all__ = [
    "ArchError",
    "CTS_SPACE",
    "CtsSpace",
    "GRIDS",
    "GraphSpace",
    "GraphSpec",
    "Grids",
    "NODE_TYPES",
    "PairData",
    "SPACE_VERSION",
    "arch_hash",
    "canonical",
    "canonical_json",
    "decode",
    "draw",
    "encode",
    "encode_many",
    "make_pair",
    "mutate",
    "sample",
    "validate",
]


def sample(n: int, seed: int = 0) -> list[dict]:
    """``n`` canonical archs of the default space, reproducible from ``seed``."""
    return CTS_SPACE.sample(n, seed)


def mutate(arch: Any, rng: np.random.Generator) -> dict:
    """A valid neighbour of ``arch`` with one field changed."""
    return CTS_SPACE.mutate(arch, rng)


def encode(arch: Any) -> Data:
    """Typed, invertible PyG graph of an arch (see :mod:`archgraph.cts` for the layout)."""
    return CTS_SPACE.encode(arch)


def encode_many(archs: list[Any], validated: bool = False) -> Batch:
    """Encode and collate many archs at once."""
    return CTS_SPACE.encode_many(archs, validated=validated)


def decode(data: Data) -> dict:
    """Inverse of :func:`encode`: ``decode(encode(a)) == canonical(a)``."""
    return CTS_SPACE.decode(data)
