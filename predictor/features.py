"""Fixed-width feature rows of archs, for the non-GNN surrogates and baselines.

- :func:`flat_features`: any :class:`GraphSpace`, through the space's own encoding (one-hot node
  rows padded to a fixed count, a bag of node types/ops, degrees).
- :func:`nbgraph_one_hot` / :func:`nbgraph_structure_row`: NAS-Bench-Graph's one-hot row (op
  per slot, link pattern) and its wiring-aware op counts.
- :func:`arch_features`: the row a surrogate uses for a space: one-hot + wiring-aware counts on
  NAS-Bench-Graph, :func:`flat_features` elsewhere (whose padded node rows are the one-hot part
  and whose bag and degrees are the counts).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from archgraph.base import GraphSpace


def flat_features(
    space: GraphSpace,
    archs: Sequence[Any],
    max_nodes: int | None = None,
    validated: bool = False,
    truncate: bool = False,
) -> np.ndarray:
    """Flat featurisation through the space's encoding, identical in width for every arch.

    Per arch: the node-feature rows ``x`` in node order, zero-padded to ``max_nodes`` rows
    (one-hot node type | one-hot op | scaled params: a one-hot description of the arch), then
    the column sums of ``x`` (a bag of node types/ops), then each position's in- and out-degree
    (padded likewise).

    Args:
        space: the arch space.
        archs: ``n`` archs of it.
        max_nodes: rows to pad to; default the largest graph among ``archs`` (pass the same
            value for train and test sets, or featurise them together).
        validated: archs known canonical.
        truncate: nodes past ``max_nodes`` are left out of the row and degree blocks (they
            still count in the bag) instead of raising; lets a model fitted on some archs
            score larger ones.

    Returns:
        ``[n, max_nodes * F + F + 2 * max_nodes]`` float32 with ``F = space.feature_dim``.
    """
    batch = space.encode_many(list(archs), validated=validated)
    n, f = len(archs), space.feature_dim
    ptr = batch.ptr.numpy()
    counts = np.diff(ptr)
    m = int(counts.max()) if max_nodes is None and n else int(max_nodes or 0)
    if n and counts.max() > m and not truncate:
        raise ValueError(f"an arch has {counts.max()} nodes; max_nodes is {m}")
    x = batch.x.numpy()  # [N_total, F]
    graph = np.repeat(np.arange(n), counts)  # [N_total]
    pos = np.arange(len(x)) - ptr[graph]  # [N_total] node position within its graph
    inside = pos < m
    rows = np.zeros((n, m, f), dtype=np.float32)
    rows[graph[inside], pos[inside]] = x[inside]
    bag = np.zeros((n, f), dtype=np.float32)
    np.add.at(bag, graph, x)
    ei = batch.edge_index.numpy()
    deg = np.zeros((n, 2, m), dtype=np.float32)
    if ei.size:
        for side, end in ((0, ei[1]), (1, ei[0])):  # in-degree, out-degree
            keep = inside[end]
            np.add.at(deg, (graph[end[keep]], side, pos[end[keep]]), 1.0)
    return np.concatenate([rows.reshape(n, m * f), bag, deg.reshape(n, 2 * m)], axis=1)


def nbgraph_one_hot(arch: dict, space: Any = None) -> np.ndarray:
    """NAS-Bench-Graph one-hot row ``[4 * n_ops + n_links]``: the op of each of the 4 slots,
    then the link pattern (``space``: default ``archgraph.nbgraph.NBGRAPH_SPACE``)."""
    from archgraph.nbgraph import LINKS, NBGRAPH_SPACE

    ops = (space or NBGRAPH_SPACE).gnn_ops
    v = np.zeros(4 * len(ops) + len(LINKS))
    for i, op in enumerate(arch["ops"]):
        v[i * len(ops) + ops.index(op)] = 1
    v[4 * len(ops) + LINKS.index(tuple(arch["link"]))] = 1
    return v


def nbgraph_structure_row(arch: dict, space: Any = None) -> np.ndarray:
    """Wiring-aware counts of a NAS-Bench-Graph arch, ``[7 * n_ops + 2]`` (65 for 9 ops).

    The one-hot row says which op sits in which *slot*, but a slot means different things under
    different link patterns (slot 0 is a leaf under ``(0, 0, 0, 0)`` and the first layer under
    ``(0, 1, 2, 3)``). This row counts ops by what they do instead: per op, how often it occurs
    (9), at each depth 1-4 (36) and as an inner or a leaf node (18); then the cell's depth and
    its number of leaves (summed into the output).
    """
    from archgraph.nbgraph import NBGRAPH_SPACE

    ops = (space or NBGRAPH_SPACE).gnn_ops
    depth: list[int] = []
    for link in arch["link"]:
        depth.append(1 if link == 0 else depth[link - 1] + 1)
    inner = {link - 1 for link in arch["link"] if link > 0}
    count = np.zeros(len(ops))
    by_depth = np.zeros((len(ops), 4))
    by_role = np.zeros((len(ops), 2))
    for i, op in enumerate(arch["ops"]):
        k = ops.index(op)
        count[k] += 1
        by_depth[k, depth[i] - 1] += 1
        by_role[k, int(i not in inner)] += 1
    shape = [max(depth), len(arch["ops"]) - len(inner)]
    return np.concatenate([count, by_depth.ravel(), by_role.ravel(), shape])


def arch_features(
    space: GraphSpace, archs: Sequence[Any], max_nodes: int | None = None
) -> np.ndarray:
    """The surrogates' feature rows ``[n, D]`` float32 ("one-hot + counts").

    NAS-Bench-Graph: :func:`nbgraph_one_hot` beside :func:`nbgraph_structure_row` (``D`` = 110
    for 9 ops). Other spaces: :func:`flat_features` with ``max_nodes`` rows (default: the
    largest of ``archs``; larger archs are truncated, see its ``truncate``).
    """
    if space.name.startswith("nbgraph"):
        rows = [
            np.concatenate([nbgraph_one_hot(a, space), nbgraph_structure_row(a, space)])
            for a in archs
        ]
        width = 4 * len(space.gnn_ops) + 7 * len(space.gnn_ops) + 2
        from archgraph.nbgraph import LINKS

        width += len(LINKS)
        return np.stack(rows).astype(np.float32) if rows else np.zeros((0, width), np.float32)
    return flat_features(space, archs, max_nodes=max_nodes, validated=True, truncate=True)


def max_nodes(space: GraphSpace, archs: Sequence[Any]) -> int:
    """The largest node count among ``archs`` (0 for none)."""
    if not archs:
        return 0
    return int(np.diff(space.encode_many(list(archs), validated=True).ptr.numpy()).max())
