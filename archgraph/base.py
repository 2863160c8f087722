"""The space protocol: what every search space offers, and the shared graph machinery.

A space is one object. Subclasses of :class:`GraphSpace` supply the option logic through a few
hooks (``canonical``, ``sample_one``, ``mutate``, ``to_graph``, ``from_graph``); the base class
turns the hooks' plain lists into PyG tensors, batches many archs at once without building one
``Data`` per arch, and hashes canonical forms. A second space is one new file; registered by
its ``name`` (``archgraph.register_space`` or a ``ctsnas.spaces`` entry point, see
:mod:`archgraph.registry`), its checkpoints load and search by that name.
"""

from __future__ import annotations

import contextlib
import gc
import hashlib
import json
from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch
from torch_geometric.data import Batch, Data

from .validate import ArchError


@contextlib.contextmanager
def paused_gc():
    """Pause the cyclic garbage collector while building many small acyclic containers.

    Sampling or encoding 20,000 archs allocates millions of small lists and dicts; the collector's
    repeated full-heap scans then cost more than the work itself (measured: 3x on sampling).
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


@dataclass
class GraphSpec:
    """Plain-list form of one arch graph, produced by a space's ``to_graph`` hook.

    Attributes:
        node_type: ``[n]`` indices into the space's ``node_types``.
        op: ``[n]`` indices into the space's ``ops`` vocabulary.
        params: ``[n][<= param_dim]`` parameter values scaled to [0, 1] (zero-padded later).
        src, dst: edge endpoints (data flows ``src -> dst``).
    """

    node_type: list[int] = field(default_factory=list)
    op: list[int] = field(default_factory=list)
    params: list[Sequence[float]] = field(default_factory=list)
    src: list[int] = field(default_factory=list)
    dst: list[int] = field(default_factory=list)

    def add(self, node_type: int, op: int, params: Sequence[float] = ()) -> int:
        """Append a node and return its index; ``params`` is zero-padded to the space's width."""
        self.node_type.append(node_type)
        self.op.append(op)
        self.params.append(params)
        return len(self.node_type) - 1

    def edge(self, src: int, dst: int) -> None:
        self.src.append(src)
        self.dst.append(dst)


def ordinal(value: Any, grid: Sequence) -> float:
    """Scale a grid member to [0, 1] by its index (the first -> 0, the last -> 1)."""
    return grid.index(value) / (len(grid) - 1) if len(grid) > 1 else 0.0


def from_ordinal(scaled: float, grid: Sequence, path: str = "data.x") -> Any:
    """Invert :func:`ordinal`; a value off the grid raises :class:`ArchError`."""
    position = float(scaled) * (len(grid) - 1)
    index = round(position)
    if not 0 <= index < len(grid) or abs(position - index) > 1e-3:
        raise ArchError(path, f"scaled value {scaled!r} is not on a grid of {len(grid)} options")
    return grid[index]


def one_hot(value: Any, grid: Sequence) -> list[float]:
    return [1.0 if option == value else 0.0 for option in grid]


def from_one_hot(values: Sequence[float], grid: Sequence, path: str = "data.x") -> Any:
    hot = [i for i, v in enumerate(values) if v > 0.5]
    if len(hot) != 1:
        raise ArchError(path, f"expected a one-hot over {list(grid)}, got {list(values)}")
    return grid[hot[0]]


def collate_tensors(t: dict[str, Any], n: int) -> Batch:
    """A PyG ``Batch`` of ``n`` graphs from :meth:`GraphSpace._tensors`-style flat tensors
    (``x``, ``edge_index``, ``node_type``, ``op``, ``node_ptr``, ``edge_ptr``, ``n_nodes``),
    with what ``Batch.from_data_list`` records, so ``get_example``/``to_data_list`` work."""
    batch = Batch(
        x=t["x"],
        edge_index=t["edge_index"],
        node_type=t["node_type"],
        op=t["op"],
        batch=torch.repeat_interleave(torch.arange(n), t["n_nodes"]),
        ptr=t["node_ptr"],
    )
    zeros = torch.zeros(n, dtype=torch.long)
    batch._num_graphs = n
    batch._slice_dict = {
        "x": t["node_ptr"],
        "node_type": t["node_ptr"],
        "op": t["node_ptr"],
        "edge_index": t["edge_ptr"],
    }
    batch._inc_dict = {
        "x": zeros,
        "node_type": zeros,
        "op": zeros,
        "edge_index": t["node_ptr"][:-1],
    }
    return batch


class GraphSpace(ABC):
    """Base of every search space: sample / validate / encode / decode / feature width.

    Subclasses set ``name``, ``version``, ``node_types``, ``ops`` and ``param_dim`` and implement
    the hooks. Node features are ``x = [one-hot node_type | one-hot op | params]`` of width
    :attr:`feature_dim`, identical for every arch of the space.
    """

    name: str
    version: str
    node_types: tuple[str, ...]
    ops: tuple[str, ...]
    param_dim: int

    # --- hooks ---------------------------------------------------------------------------
    @abstractmethod
    def canonical(self, arch: Any) -> dict:
        """Validate and return the canonical form; raise :class:`ArchError` naming the field."""

    @abstractmethod
    def sample_one(self, rng: np.random.Generator) -> dict:
        """Draw one canonical arch."""

    @abstractmethod
    def mutate(self, arch: Any, rng: np.random.Generator) -> dict:
        """Return a valid canonical neighbour differing in one field."""

    @abstractmethod
    def to_graph(self, arch: dict) -> GraphSpec:
        """Graph of a canonical arch."""

    @abstractmethod
    def from_graph(self, node_type: list[int], op: list[int], params: list[list[float]]) -> dict:
        """Rebuild the arch from node lists (in node order); the inverse of ``to_graph``."""

    # --- shared API ----------------------------------------------------------------------
    @property
    def feature_dim(self) -> int:
        """Width ``F`` of ``Data.x``."""
        return len(self.node_types) + len(self.ops) + self.param_dim

    def validate(self, arch: Any) -> None:
        self.canonical(arch)

    def sample(self, n: int, seed: int = 0) -> list[dict]:
        """``n`` canonical archs; the same seed gives the same archs on every machine."""
        if n < 0:
            raise ValueError(f"n must be >= 0, got {n}")
        rng = np.random.default_rng(seed)
        with paused_gc():
            return [self.sample_one(rng) for _ in range(n)]

    def arch_hash(self, arch: Any) -> str:
        """16 hex digits of SHA-256 over the space version and the canonical JSON."""
        text = json.dumps(self.canonical(arch), sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(f"{self.version}|{text}".encode()).hexdigest()[:16]

    def _tensors(self, specs: Sequence[GraphSpec]) -> dict[str, Any]:
        node_type = np.fromiter(
            (t for s in specs for t in s.node_type), dtype=np.int64
        )  # [N_total]
        op = np.fromiter((o for s in specs for o in s.op), dtype=np.int64)  # [N_total]
        n_nodes = np.fromiter((len(s.node_type) for s in specs), dtype=np.int64, count=len(specs))
        n_edges = np.fromiter((len(s.src) for s in specs), dtype=np.int64, count=len(specs))
        node_ptr = np.concatenate([[0], np.cumsum(n_nodes)])
        edge_ptr = np.concatenate([[0], np.cumsum(n_edges)])
        total = int(node_ptr[-1])
        n_types, n_ops = len(self.node_types), len(self.ops)
        x = np.zeros((total, self.feature_dim), dtype=np.float32)  # [N_total, F]
        rows = np.arange(total)
        x[rows, node_type] = 1.0
        x[rows, n_types + op] = 1.0
        # Ragged params -> the padded block of x, without a Python loop per node.
        lens = np.fromiter((len(p) for s in specs for p in s.params), dtype=np.int64, count=total)
        if total and lens.max() > self.param_dim:
            raise ValueError(f"a node has {lens.max()} params; space param_dim is {self.param_dim}")
        flat = np.fromiter((v for s in specs for p in s.params for v in p), dtype=np.float32)
        starts = np.repeat(np.cumsum(lens) - lens, lens)
        x[np.repeat(rows, lens), n_types + n_ops + np.arange(flat.size) - starts] = flat
        offsets = np.repeat(node_ptr[:-1], n_edges)  # shift each graph's edges to batch ids
        edge_index = np.stack(
            [
                np.fromiter((i for s in specs for i in s.src), dtype=np.int64) + offsets,
                np.fromiter((i for s in specs for i in s.dst), dtype=np.int64) + offsets,
            ]
        )  # [2, E_total]
        return {
            "x": torch.from_numpy(x),
            "edge_index": torch.from_numpy(edge_index),
            "node_type": torch.from_numpy(node_type),
            "op": torch.from_numpy(op),
            "node_ptr": torch.from_numpy(node_ptr),
            "edge_ptr": torch.from_numpy(edge_ptr),
            "n_nodes": torch.from_numpy(n_nodes),
        }

    def encode(self, arch: Any) -> Data:
        """Typed data-flow graph of one arch (validated first).

        Returns:
            ``Data`` with ``x`` float ``[n, F]``, ``edge_index`` long ``[2, E]``, ``node_type``
            long ``[n]``, ``op`` long ``[n]`` and ``num_nodes``. The same arch gives identical
            tensors.
        """
        t = self._tensors([self.to_graph(self.canonical(arch))])
        return Data(
            x=t["x"],
            edge_index=t["edge_index"],
            node_type=t["node_type"],
            op=t["op"],
            num_nodes=int(t["n_nodes"][0]),
        )

    def encode_many(self, archs: Sequence[Any], validated: bool = False) -> Batch:
        """Encode and collate many archs in one pass (no per-arch ``Data``).

        The result equals ``Batch.from_data_list([encode(a) for a in archs])`` (tested) and
        supports ``get_example``/``to_data_list``.

        Args:
            archs: archs of this space.
            validated: skip validation when the archs are known canonical (e.g. from ``sample``).
        """
        with paused_gc():
            if not validated:
                archs = [self.canonical(a) for a in archs]
            t = self._tensors([self.to_graph(a) for a in archs])
        return collate_tensors(t, len(archs))

    def sample_batch(self, n: int, seed: int = 0) -> tuple[Sequence[dict], Batch]:
        """``(sample(n, seed), encode_many(those archs))`` in one call.

        Spaces with a vectorised sampler-encoder (``cts``) override this to skip the per-arch
        Python work; the result is identical (tested), but the archs may be a lazy sequence
        that builds each dict when it is read.
        """
        archs = self.sample(n, seed)
        return archs, self.encode_many(archs, validated=True)

    def decode(self, data: Data) -> dict:
        """Rebuild the canonical arch from ``encode``'s output (``decode(encode(a)) ==
        canonical(a)``). A graph that is not an encoding of this space raises ``ArchError``."""
        x = getattr(data, "x", None)
        if not isinstance(x, torch.Tensor) or x.dim() != 2 or x.size(1) != self.feature_dim:
            shape = tuple(x.shape) if isinstance(x, torch.Tensor) else type(x).__name__
            raise ArchError(
                "data.x", f"expected a float tensor [n, {self.feature_dim}], got {shape}"
            )
        n_types, n_ops = len(self.node_types), len(self.ops)
        x = x.detach().cpu().double()
        node_type = [
            from_one_hot(r, range(n_types), "data.x[node_type]") for r in x[:, :n_types].tolist()
        ]
        op = [
            from_one_hot(r, range(n_ops), "data.x[op]")
            for r in x[:, n_types : n_types + n_ops].tolist()
        ]
        params = x[:, n_types + n_ops :].tolist()
        try:
            arch = self.from_graph(node_type, op, params)
        except ArchError:
            raise
        except (IndexError, KeyError, ValueError, TypeError) as err:
            raise ArchError("data", f"not an encoding of space {self.name!r}: {err}") from err
        return self.canonical(arch)
