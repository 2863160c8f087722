"""Drawing arch graphs: networkx layout, matplotlib rendering, layered left to right."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from torch_geometric.data import Data

    from .base import GraphSpace

_COLOURS = [
    "#9e9e9e",  # input
    "#4c9be8",  # aug
    "#f28e2b",  # encoder
    "#59a14f",  # embed
    "#b07aa1",  # pair
    "#e15759",  # loss
    "#edc948",  # hyper
    "#555555",  # output
    "#76b7b2",
    "#ff9da7",
]


def _label(space: GraphSpace, arch: dict | None, data: Data, i: int) -> str:
    kind = space.node_types[int(data.node_type[i])]
    op = space.ops[int(data.op[i])]
    text = op if op != "none" else kind
    if arch is None or not hasattr(space, "node_label"):
        return text
    return space.node_label(arch, data, i) or text


def draw(
    arch_or_data: dict | Data,
    out: str | Path | Any,
    space: GraphSpace | None = None,
    title: str | None = None,
) -> Any:
    """Draw an arch (or its encoded graph) as a layered data-flow diagram.

    Args:
        arch_or_data: an arch dict of ``space`` or a ``Data`` from ``space.encode``.
        out: a file path (``.png`` or ``.svg``; format from the suffix) or a matplotlib ``Axes``.
        space: the space (default: the contrastive time-series space).
        title: optional figure title.

    Returns:
        The path written, or the ``Axes`` drawn on.
    """
    # Imported here: matplotlib and PyG take seconds, and ``import archgraph`` should not.
    import matplotlib

    matplotlib.use("Agg")  # headless by default; a caller passing an Axes keeps its own backend
    import matplotlib.pyplot as plt
    import networkx as nx
    from torch_geometric.data import Data

    if space is None:
        from .cts import CTS_SPACE

        space = CTS_SPACE
    if isinstance(arch_or_data, Data):
        data = arch_or_data
        arch = space.decode(data)
    else:
        arch = space.canonical(arch_or_data)
        data = space.encode(arch)

    graph = nx.DiGraph()
    graph.add_nodes_from(range(int(data.num_nodes)))
    graph.add_edges_from(data.edge_index.t().tolist())
    for layer, nodes in enumerate(nx.topological_generations(graph)):
        for node in nodes:
            graph.nodes[node]["layer"] = layer
    # Side inputs (e.g. the hyper node) sit just before their consumer, not in the first column.
    for node in graph.nodes:
        if node != 0 and graph.in_degree(node) == 0 and graph.out_degree(node) > 0:
            graph.nodes[node]["layer"] = (
                min(graph.nodes[s]["layer"] for s in graph.successors(node)) - 1
            )
    pos = nx.multipartite_layout(graph, subset_key="layer", align="vertical")
    n_layers = 1 + max(d["layer"] for _, d in graph.nodes(data=True))

    if isinstance(out, (str, Path)):
        fig, ax = plt.subplots(figsize=(max(8.0, 1.25 * n_layers), 5.5))
    else:
        fig, ax = None, out
    colours = [_COLOURS[int(t) % len(_COLOURS)] for t in data.node_type]
    labels = {i: _label(space, arch, data, i) for i in graph.nodes}
    nx.draw_networkx_edges(
        graph,
        pos,
        ax=ax,
        arrows=True,
        arrowsize=10,
        edge_color="#888888",
        node_size=1300,
        connectionstyle="arc3,rad=0.05",
    )
    nx.draw_networkx_nodes(graph, pos, ax=ax, node_color=colours, node_size=1300, alpha=0.9)
    nx.draw_networkx_labels(graph, pos, labels, ax=ax, font_size=6.5)
    handles = [
        plt.Line2D([], [], marker="o", linestyle="", color=_COLOURS[i % len(_COLOURS)], label=name)
        for i, name in enumerate(space.node_types)
    ]
    ax.legend(
        handles=handles,
        loc="lower center",
        ncol=len(handles),
        fontsize=7,
        frameon=False,
        bbox_to_anchor=(0.5, -0.08),
    )
    ax.set_title(title or f"{space.name} arch {space.arch_hash(arch)}", fontsize=9)
    ax.axis("off")
    if fig is None:
        return ax
    path = Path(out)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.tight_layout()
    fig.savefig(path, dpi=130)
    plt.close(fig)
    return path
