"""archgraph: the arch contract of the project.

The search space (option grids, validation, canonical form, hashing, sampling, mutation), its
invertible PyTorch Geometric encoding, pair batching and drawing. Module-level functions act on
the contrastive time-series space (``CTS_SPACE``); other spaces implement :class:`GraphSpace`
and are found by name through :func:`get_space` (see :mod:`archgraph.registry`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from .draw import draw
from .grids import GRIDS, SPACE_VERSION, Grids
from .lazy import lazy_getattr
from .registry import get_space, register_space, space_names, unregister_space
from .validate import ArchError, arch_hash, canonical, canonical_json, validate

if TYPE_CHECKING:
    from torch_geometric.data import Batch, Data

    from .base import GraphSpace, GraphSpec
    from .cts import CTS_SPACE, NODE_TYPES, CtsSpace
    from .pairs import PairData, make_pair

# The graph parts need torch and PyG, which take seconds to import: they load on first use, so
# that a command's --help or a usage error does not wait for them.
_LAZY = {
    "GraphSpace": "base",
    "GraphSpec": "base",
    "CTS_SPACE": "cts",
    "NODE_TYPES": "cts",
    "CtsSpace": "cts",
    "PairData": "pairs",
    "make_pair": "pairs",
}


__getattr__ = lazy_getattr(__name__, _LAZY)


def _cts() -> Any:
    from .cts import CTS_SPACE

    return CTS_SPACE


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
    "get_space",
    "make_pair",
    "mutate",
    "register_space",
    "sample",
    "space_names",
    "unregister_space",
    "validate",
]


def sample(n: int, seed: int = 0) -> list[dict]:
    """``n`` canonical archs of the default space, reproducible from ``seed``."""
    return _cts().sample(n, seed)


def mutate(arch: Any, rng: np.random.Generator) -> dict:
    """A valid neighbour of ``arch`` with one field changed."""
    return _cts().mutate(arch, rng)


def encode(arch: Any) -> Data:
    """Typed, invertible PyG graph of an arch (see :mod:`archgraph.cts` for the layout)."""
    return _cts().encode(arch)


def encode_many(archs: list[Any], validated: bool = False) -> Batch:
    """Encode and collate many archs at once."""
    return _cts().encode_many(archs, validated=validated)


def decode(data: Data) -> dict:
    """Inverse of :func:`encode`: ``decode(encode(a)) == canonical(a)``."""
    return _cts().decode(data)
