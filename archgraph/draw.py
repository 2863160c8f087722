"""Drawing archs as network diagrams: boxes with their text inside, data flowing left to right.

A contrastive time-series arch (``cts`` space) is drawn as a pipeline: the input series, the
two augmented views (each op and its strength, in order), the encoder cell as a framed
sub-graph (one box per state, one arrow per op, labelled with the op), the embedding step, the
representation that comes out, and below it the training objective (contrast pairs and loss)
and the training hyper-parameters. A legend explains every op name shown. Other spaces get a
layered drawing of their graph, one box per node.
"""

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
        data = None
    if space.name == "cts":
        fig, ax = _draw_cts(arch, out, space.arch_hash(arch), title)
        return _finish(fig, ax, out)
    data = data if data is not None else space.encode(arch)

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
    for i, (x, y) in pos.items():
        ax.text(
            x,
            y,
            labels[i],
            ha="center",
            va="center",
            fontsize=8,
            bbox={"boxstyle": "round,pad=0.4", "fc": colours[i], "ec": "#444444", "alpha": 0.9},
        )
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
    if fig is not None:
        fig.tight_layout()
    return _finish(fig, ax, out)


def _finish(fig: Any, ax: Any, out: Any) -> Any:
    """Save ``fig`` to the path ``out`` (and close it), or hand back the caller's ``ax``."""
    if fig is None:
        return ax
    import matplotlib.pyplot as plt

    path = Path(out)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=DPI)
    plt.close(fig)
    return path


# ---------------------------------------------------------------------------------------------
# The cts pipeline drawing. Units: data coordinates with an equal aspect ratio; FONT points.

DPI = 90
FONT = 10.5
_BOX = {  # fill colours by role
    "input": "#e0e0e0",
    "aug": "#cfe3f7",
    "state": "#fde3c8",
    "embed": "#d5ecd0",
    "pair": "#e8dcef",
    "loss": "#f7d3d3",
    "hyper": "#fbf0c6",
    "output": "#d9d9d9",
}
OP_TEXT = {
    "skip": "skip: identity, the state as it is",
    "dcc": "dcc: gated dilated causal convolution over time",
    "diff_gcn": "diff_gcn: diffusion graph convolution across series (learnt adjacency)",
    "trans": "trans: self-attention over time",
    "s_trans": "s_trans: self-attention across series",
}


def _box(ax: Any, x: float, y: float, w: float, h: float, text: str, role: str, **kw: Any) -> None:
    """A rounded box centred at ``(x, y)`` with ``text`` inside (first line bold)."""
    from matplotlib.patches import FancyBboxPatch

    ax.add_patch(
        FancyBboxPatch(
            (x - w / 2, y - h / 2),
            w,
            h,
            boxstyle="round,pad=0.02,rounding_size=0.15",
            fc=_BOX[role],
            ec="#555555",
            lw=1.1,
            zorder=2,
        )
    )
    head, _, rest = text.partition("\n")
    size = kw.get("size", FONT)
    if rest:
        ax.text(x, y + h / 2 - 0.22, head, ha="center", va="top", fontsize=size,
                weight="bold", zorder=3)  # fmt: skip
        # the body hangs below the title, so a long list never rides up into it
        ax.text(x, y + h / 2 - 0.62, rest, ha="center", va="top", fontsize=size - 0.5,
                linespacing=1.25, zorder=3)  # fmt: skip
    else:
        ax.text(x, y, head, ha="center", va="center", fontsize=size, weight="bold", zorder=3)


def _frame(ax: Any, x: float, y: float, w: float, h: float, fc: str, ec: str, lw: float,
           ls: str) -> None:  # fmt: skip
    """A rounded frame behind a group of boxes (lower-left corner ``(x, y)``)."""
    from matplotlib.patches import FancyBboxPatch

    ax.add_patch(FancyBboxPatch((x, y), w, h, boxstyle="round,pad=0.05,rounding_size=0.3",
                                fc=fc, ec=ec, lw=lw, ls=ls, zorder=0))  # fmt: skip


def _arrow(ax: Any, a: tuple[float, float], b: tuple[float, float], rad: float = 0.0,
           label: str | None = None, colour: str = "#555555") -> None:  # fmt: skip
    """An arrow from ``a`` to ``b`` (curved by ``rad``), its label on the curve's midpoint."""
    ax.annotate(
        "",
        xy=b,
        xytext=a,
        arrowprops={
            "arrowstyle": "-|>",
            "color": colour,
            "lw": 1.3,
            "shrinkA": 0,
            "shrinkB": 0,
            "mutation_scale": 14,
            "connectionstyle": f"arc3,rad={rad}",
        },
        zorder=1,
    )
    if label:
        # arc3's control point is mid + rad * (dy, -dx); a quadratic curve's midpoint lies half
        # way to it (equal aspect, so data and display offsets agree)
        dx, dy = b[0] - a[0], b[1] - a[1]
        mx, my = (a[0] + b[0]) / 2 + rad * dy / 2, (a[1] + b[1]) / 2 - rad * dx / 2
        ax.text(mx, my, label, ha="center", va="center", fontsize=FONT - 1, zorder=4,
                bbox={"boxstyle": "round,pad=0.2", "fc": "white", "ec": "#999999", "lw": 0.8})  # fmt: skip


def _draw_cts(arch: dict, out: Any, arch_id: str, title: str | None) -> tuple[Any, Any]:
    import matplotlib.pyplot as plt

    from .grids import GRIDS

    c, h = arch["contrastive"], arch["hyper"]
    enc = arch["encoder"]
    n_nodes = (len(enc) + 1) // 2
    # pairs [state, op] -> (source position, target position, op): position 0 is the cell input,
    # position p >= 1 the p-th node (whose output is state p)
    edges = [(k, (j + 1) // 2 + 1, GRIDS.encoder_ops[o]) for j, (k, o) in enumerate(enc)]
    sw, sh, gap = 1.4, 1.0, 1.7  # state box size and the gap an op label sits in
    vw = 4.6  # view boxes
    x_in, x_view = 1.2, 1.2 + 1.1 + 0.9 + vw / 2
    x_cell0 = x_view + vw / 2 + 1.4 + sw / 2
    xs = [x_cell0 + p * (sw + gap) for p in range(n_nodes + 1)]
    x_embed = xs[-1] + sw / 2 + 1.5 + 1.9
    x_out = x_embed + 1.9 + 1.2 + 1.6
    width = x_out + 1.9

    # arcs: edges that skip states curve above or below the row of states, alternately
    arcs, heights = [], {1: 0.0, -1: 0.0}
    side = 1
    for k, p, op in edges:
        if p - k == 1 and not any(e == (k, p) for e, _ in arcs):
            arcs.append(((k, p), (0.0, op)))
            continue
        span = xs[p] - xs[k]
        rad = -0.28 * side  # negative: above for a left-to-right arrow
        heights[side] = max(heights[side], 0.28 * span / 2 + 0.35)
        arcs.append(((k, p), (rad, op)))
        side = -side
    y0 = 0.0
    top, bottom = y0 + sh / 2 + heights[1] + 0.5, y0 - sh / 2 - heights[-1] - 0.5
    rows_needed = max(len(c["AugCell1"]["enabled_ops"]), len(c["AugCell2"]["enabled_ops"]))
    vh = 0.75 + 0.36 * rows_needed
    y_v1, y_v2 = y0 + vh / 2 + 0.3, y0 - vh / 2 - 0.3
    top = max(top, y_v1 + vh / 2 + 0.3) + 0.9  # room for the frame's title
    y_train = min(bottom, y_v2 - vh / 2) - 2.2
    used_ops = sorted({op for _, _, op in edges}, key=GRIDS.encoder_ops.index)
    legend_lines = 2 + (len(used_ops) + 1) // 2
    y_legend = y_train - 1.5
    low = y_legend - 0.42 * legend_lines - 0.3
    height = top - low

    if isinstance(out, (str, Path)):
        scale = 0.5  # inches per unit: text of FONT points stays inside its box
        fig, ax = plt.subplots(figsize=(width * scale, height * scale))
        fig.subplots_adjust(0, 0, 1, 1)
    else:
        fig, ax = None, out
    ax.set_xlim(0, width)
    ax.set_ylim(low, top + 1.2)
    ax.set_aspect("equal")
    ax.axis("off")

    _box(ax, x_in, y0, 2.2, 1.3, "input\n[T, N] series", "input")
    for v, y in ((1, y_v1), (2, y_v2)):
        cell = c[f"AugCell{v}"]
        steps = [f"{i + 1}. {op.replace('_', ' ')} {cell['params'][op]:g}"
                 for i, op in enumerate(cell["enabled_ops"])]  # fmt: skip
        _box(ax, x_view, y, vw, vh, f"view {v}: augmentations\n" + "\n".join(steps), "aug")
        _arrow(ax, (x_in + 1.1, y0), (x_view - vw / 2, y))
        _arrow(ax, (x_view + vw / 2, y), (xs[0] - sw / 2, y0))

    # the encoder cell: a framed sub-graph
    fx0, fx1 = xs[0] - sw / 2 - 0.5, xs[-1] + sw / 2 + 0.5
    fy0, fy1 = bottom - 0.1, y0 + sh / 2 + heights[1] + 0.7
    _frame(ax, fx0, fy0, fx1 - fx0, fy1 - fy0, "#fffaf3", "#c77c2b", 1.4, "--")
    cells = h["cells"]
    ax.text((fx0 + fx1) / 2, fy1 + 0.15, f"encoder cell: {n_nodes} nodes; {cells} cell"
            f"{'s' if cells > 1 else ''} stacked, hidden width {h['hidden']}",
            ha="center", va="bottom", fontsize=FONT, weight="bold", color="#8a4b0f")  # fmt: skip
    for p, x in enumerate(xs):
        _box(ax, x, y0, sw, sh, "input" if p == 0 else f"node {p}", "state", size=FONT - 0.5)
    for (k, p), (rad, op) in arcs:
        a, b = (xs[k] + sw / 2, y0), (xs[p] - sw / 2, y0)
        if rad:  # leave and enter through the top or bottom edge
            dy = sh / 2 if rad < 0 else -sh / 2
            a, b = (xs[k] + 0.25, y0 + dy), (xs[p] - 0.25, y0 + dy)
        _arrow(ax, a, b, rad, op, colour="#8a4b0f")

    e = c["EmbedCell"]
    _box(ax, x_embed, y0, 3.8, 1.9,
         f"embed\nnorm: {e['norm']}\njitter {e['jitter']:g}, time mask {e['mask']:g}", "embed")  # fmt: skip
    _arrow(ax, (fx1, y0), (x_embed - 1.9, y0))
    _box(ax, x_out, y0, 3.0, 1.3, f"representation\n[T, N, {h['repr_dim']}]", "output")
    _arrow(ax, (x_embed + 1.9, y0), (x_out - 1.5, y0))

    # training only: the objective and the optimiser settings
    pc, lc = c["PairCell"], c["LossCell"]
    pairs = " + ".join(f for f in ("instance", "temporal", "neighbor") if pc[f])
    scales = f"{pc['pool_type']}-pool kernel {pc['kernel']}" + (
        ", multiscale" if pc["multiscale"] else ""
    )
    x_pair, x_loss = x_embed - 1.0, x_out
    _box(ax, x_pair, y_train, 5.0, 1.6, f"contrast pairs\n{pairs}\n{scales}", "pair")
    _box(ax, x_loss, y_train, 3.0, 1.6,
         f"loss\n{lc['loss']}, {lc['sim']}\ntemperature {lc['temperature']:g}", "loss")  # fmt: skip
    _arrow(ax, (x_pair, y0 - 0.95), (x_pair, y_train + 0.8))
    _arrow(ax, (x_pair + 2.5, y_train), (x_loss - 1.5, y_train))
    _box(ax, x_view, y_train, vw, 1.6,
         f"optimiser\nlr {h['lr']:g}, batch {h['batch_size']}\n"
         f"dropout {h['dropout']:g}", "hyper")  # fmt: skip
    tx0, tx1 = x_view - vw / 2 - 0.3, x_loss + 1.5 + 0.3
    _frame(ax, tx0, y_train - 1.05, tx1 - tx0, 2.1, "none", "#888888", 1.0, ":")
    ax.text((tx0 + tx1) / 2, y_train + 1.1, "training only: how the encoder is trained, not used by encode()",
            ha="center", va="bottom", fontsize=FONT - 0.5, color="#555555", style="italic")  # fmt: skip

    lines = [
        "Encoder cell: its input is each view's series; every arrow is an op applied to the state"
        " it leaves; a node adds its incoming ops; the last node's output leaves the cell.",
        "View numbers are augmentation strengths (0.1-0.5); embed jitter and time mask are"
        " noise and timestamp-masking strengths (0: off).",
    ]
    ops = [OP_TEXT[o] for o in used_ops]
    lines += ["    ".join(ops[i : i + 2]) for i in range(0, len(ops), 2)]
    for i, line in enumerate(lines):
        ax.text(0.3, y_legend - 0.42 * i, line, ha="left", va="top", fontsize=FONT - 1,
                color="#333333")  # fmt: skip
    ax.set_title(title or f"cts arch {arch_id}", fontsize=FONT + 1, y=0.97, pad=0)  # inside
    return fig, ax
