"""A table of pre-encoded arch graphs from which any subset is collated without ``Data`` objects."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import torch
from torch_geometric.data import Batch

from archgraph.base import GraphSpace, paused_gc
from archgraph.validate import ArchError


def _ranges(starts: torch.Tensor, counts: torch.Tensor) -> torch.Tensor:
    """Concatenation of ``arange(s, s + c)`` for each pair, vectorised; ``[sum(counts)]``."""
    total = int(counts.sum())
    if total == 0:
        return torch.zeros(0, dtype=torch.long)
    offsets = torch.cumsum(counts, 0) - counts  # exclusive cumsum
    return torch.repeat_interleave(starts - offsets, counts) + torch.arange(total)


def _canonical(space: GraphSpace, arch: Any, i: int) -> dict:
    """``space.canonical(arch)``; an ``ArchError``'s path is prefixed with ``archs[i]``."""
    try:
        return space.canonical(arch)
    except ArchError as err:
        inner = f".{err.path}" if err.path and err.path != "arch" else ""
        raise ArchError(f"archs[{i}]{inner}", err.message) from err


class GraphTable:
    """All graphs of ``space.encode_many(archs)``, sliceable by arch index.

    Attributes:
        x: ``[N_total, F]`` node features.
        n_graphs: number of archs.
    """

    def __init__(self, space: GraphSpace, archs: Sequence[Any], validated: bool = False):
        if isinstance(archs, Mapping):
            raise ArchError(
                "archs", "expected a list of archs, got one arch object; wrap it in a list"
            )
        archs = list(archs)
        if not validated:
            with paused_gc():
                archs = [_canonical(space, a, i) for i, a in enumerate(archs)]
        self._load(space.encode_many(archs, validated=True))

    @classmethod
    def from_batch(cls, batch: Batch) -> GraphTable:
        """The table of an already encoded batch (e.g. from ``space.sample_batch``)."""
        table = cls.__new__(cls)
        table._load(batch)
        return table

    def _load(self, batch: Batch) -> None:
        self.n_graphs = int(batch.num_graphs)
        self.x = batch.x
        self.node_ptr = batch.ptr
        self.n_nodes = self.node_ptr[1:] - self.node_ptr[:-1]
        ei = batch.edge_index
        edge_graph = batch.batch[ei[0]] if ei.numel() else torch.zeros(0, dtype=torch.long)
        order = torch.argsort(edge_graph, stable=True)
        ei, edge_graph = ei[:, order], edge_graph[order]
        self.n_edges = torch.bincount(edge_graph, minlength=self.n_graphs)
        self.edge_ptr = torch.cat([torch.zeros(1, dtype=torch.long), torch.cumsum(self.n_edges, 0)])
        self.edge_index = ei  # [2, E_total], sorted by graph
        self.local_ei = ei - self.node_ptr[edge_graph]  # [2, E_total], per-graph node ids

    def __len__(self) -> int:
        return self.n_graphs

    def select(
        self, idx: torch.Tensor | None = None
    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """Collate graphs ``idx`` (all if None), in that order.

        Returns:
            ``x [N, F]``, ``edge_index [2, E]``, ``batch [N]`` (graph position in ``idx``).
        """
        if idx is None:
            idx = torch.arange(self.n_graphs)
        idx = torch.as_tensor(idx, dtype=torch.long)
        n_nodes, n_edges = self.n_nodes[idx], self.n_edges[idx]
        nodes = _ranges(self.node_ptr[idx], n_nodes)
        edges = _ranges(self.edge_ptr[idx], n_edges)
        new_ptr = torch.cumsum(n_nodes, 0) - n_nodes
        edge_index = self.local_ei[:, edges] + torch.repeat_interleave(new_ptr, n_edges)
        batch = torch.repeat_interleave(torch.arange(len(idx)), n_nodes)
        return self.x[nodes], edge_index, batch

    def select_range(
        self, start: int, stop: int
    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """``select(arange(start, stop))`` by slicing (no gathers): the chunks of a scoring pass."""
        n0, n1 = int(self.node_ptr[start]), int(self.node_ptr[stop])
        e0, e1 = int(self.edge_ptr[start]), int(self.edge_ptr[stop])
        batch = torch.repeat_interleave(torch.arange(stop - start), self.n_nodes[start:stop])
        return self.x[n0:n1], self.edge_index[:, e0:e1] - n0, batch
