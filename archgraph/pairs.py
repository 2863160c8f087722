"""Pairs of arch graphs that batch with PyG's ``DataLoader`` (the PairData ``__inc__`` pattern)."""

from __future__ import annotations

from typing import Any

import torch
from torch_geometric.data import Data

_GRAPH_KEYS = ("x", "edge_index", "node_type", "op")


class PairData(Data):
    """Two arch graphs, a label and a task index.

    Attributes: ``x_a``, ``edge_index_a``, ``node_type_a``, ``op_a`` (and ``_b``); ``y`` float
    ``[1]`` (1.0 if a is better than b); ``task`` long ``[1]``. Batch with
    ``DataLoader(pairs, batch_size=..., follow_batch=["x_a", "x_b"])`` to get ``x_a_batch`` and
    ``x_b_batch``.
    """

    def __inc__(self, key: str, value: Any, *args, **kwargs) -> Any:
        if key == "edge_index_a":
            return self.x_a.size(0)
        if key == "edge_index_b":
            return self.x_b.size(0)
        return super().__inc__(key, value, *args, **kwargs)

    def graph(self, side: str) -> Data:
        """One side (``"a"`` or ``"b"``) as a plain ``Data``."""
        if side not in ("a", "b"):
            raise ValueError(f"side must be 'a' or 'b', got {side!r}")
        fields = {k: self[f"{k}_{side}"] for k in _GRAPH_KEYS}
        return Data(**fields, num_nodes=fields["x"].size(0))


def make_pair(a: Data, b: Data, y: float, task: int = 0) -> PairData:
    """Build a :class:`PairData` from two encoded archs."""
    fields = {f"{k}_{side}": g[k] for side, g in (("a", a), ("b", b)) for k in _GRAPH_KEYS}
    return PairData(
        **fields,
        y=torch.tensor([float(y)]),
        task=torch.tensor([int(task)], dtype=torch.long),
    )
