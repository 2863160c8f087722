"""The contrastive time-series space (``cts-1``) behind the space protocol.

Graph layout (data flows left to right)::

    input -> AugCell1 ops (chained, in order) --\\
    input -> AugCell2 ops (chained, in order) ---> encoder op nodes -> embed -> pair -> loss -> output
                                                                          hyper ------------^

Encoder ops are nodes, as in AutoCTS++'s ``geno_to_adj``: pair ``j = [k, op]`` becomes one op
node fed by whatever produces state ``k`` (the last aug op of both views for ``k = 0``, otherwise
the op nodes of encoder node ``k - 1``). One set of encoder op nodes stands for all stacked
cells (the cells share the DAG); their number is a ``hyper`` parameter.

Parameter vector (``param_dim = 8``), per node type, every value in [0, 1]:

- aug: ``[view (0/1), strength ordinal, position / 5]``
- encoder: ``[input index / 5, pair index / 10, encoder-node index / 5]``
- embed: ``[jitter ordinal, mask ordinal, one-hot norm (4)]``
- pair: ``[instance, temporal, neighbor, multiscale, pool is max, one-hot kernel (3)]``
- loss (op = the loss): ``[one-hot sim (3), temperature ordinal]``
- hyper: ordinals of ``[cells, hidden, repr_dim, lr, batch_size, dropout]``
- input, output: zeros
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from torch_geometric.data import Batch

from .base import GraphSpace, GraphSpec, from_one_hot, from_ordinal, one_hot, ordinal
from .grids import GRIDS, PAIR_FLAGS, SPACE_VERSION, Grids
from .sampling import mutate, sample_one
from .validate import ArchError, canonical

NODE_TYPES = ("input", "aug", "encoder", "embed", "pair", "loss", "hyper", "output")
_T = {name: i for i, name in enumerate(NODE_TYPES)}


class CtsSpace(GraphSpace):
    """Contrastive strategy + spatio-temporal encoder space, version ``cts-1``."""

    name = "cts"
    version = SPACE_VERSION
    node_types = NODE_TYPES
    param_dim = 8

    def __init__(self, grids: Grids = GRIDS):
        self.grids = grids
        self.ops = ("none", *grids.aug_ops, *grids.encoder_ops, *grids.losses)
        self._op = {name: i for i, name in enumerate(self.ops)}
        self._enc_offset = 1 + len(grids.aug_ops)

    def canonical(self, arch: Any) -> dict:
        return canonical(arch, self.grids)

    def sample_one(self, rng: np.random.Generator) -> dict:
        return sample_one(rng, self.grids)

    def mutate(self, arch: Any, rng: np.random.Generator) -> dict:
        return mutate(arch, rng, self.grids)

    def sample_batch(self, n: int, seed: int = 0) -> tuple[Sequence[dict], Batch]:
        """Vectorised ``(sample(n, seed), encode_many(...))``; see :mod:`archgraph.cts_batch`."""
        from .cts_batch import sample_batch

        return sample_batch(self, n, seed)

    def to_graph(self, arch: dict) -> GraphSpec:
        g, c = self.grids, arch["contrastive"]
        spec = GraphSpec()
        inp = spec.add(_T["input"], 0, ())
        view_ends = []
        for view, name in enumerate(("AugCell1", "AugCell2")):
            prev = inp
            cell = c[name]
            for pos, op in enumerate(cell["enabled_ops"]):
                params = (
                    view,
                    ordinal(cell["params"][op], g.strengths),
                    pos / (len(g.aug_ops) - 1),
                )
                node = spec.add(_T["aug"], self._op[op], params)
                spec.edge(prev, node)
                prev = node
            view_ends.append(prev)

        pairs = arch["encoder"]
        max_pair = 2 * g.max_nodes - 2
        op_nodes = []
        for j, (src, op) in enumerate(pairs):
            enc_node = (j + 1) // 2
            params = (src / (g.max_nodes - 1), j / max_pair, enc_node / (g.max_nodes - 1))
            op_nodes.append(spec.add(_T["encoder"], self._enc_offset + op, params))
        # producers[k]: the nodes whose outputs make state k (node k-1's op nodes for k >= 1)
        producers = [view_ends, op_nodes[:1]] + [
            op_nodes[2 * i - 1 : 2 * i + 1] for i in range(1, len(pairs) // 2 + 1)
        ]
        for j, (src, _) in enumerate(pairs):
            for p in producers[src]:
                spec.edge(p, op_nodes[j])

        emb = c["EmbedCell"]
        embed = spec.add(
            _T["embed"],
            0,
            (
                ordinal(emb["jitter"], g.embed_strengths),
                ordinal(emb["mask"], g.embed_strengths),
                *one_hot(emb["norm"], g.norms),
            ),
        )
        for p in producers[len(pairs) // 2 + 1]:  # the last encoder node's op nodes
            spec.edge(p, embed)
        pc = c["PairCell"]
        pair = spec.add(
            _T["pair"],
            0,
            (
                *(float(pc[f]) for f in PAIR_FLAGS),
                ordinal(pc["pool_type"], g.pool_types),
                *one_hot(pc["kernel"], g.kernels),
            ),
        )
        spec.edge(embed, pair)
        lc = c["LossCell"]
        loss = spec.add(
            _T["loss"],
            self._op[lc["loss"]],
            (*one_hot(lc["sim"], g.sims), ordinal(lc["temperature"], g.temperatures)),
        )
        spec.edge(pair, loss)
        hyper = spec.add(
            _T["hyper"], 0, [ordinal(arch["hyper"][k], grid) for k, grid in g.hyper.items()]
        )
        out = spec.add(_T["output"], 0, ())
        spec.edge(loss, out)
        spec.edge(hyper, out)
        return spec

    def node_label(self, arch: dict, data: Any, i: int) -> str:
        """Two-line drawing label: the op (or node type) and its parameters."""
        kind = NODE_TYPES[int(data.node_type[i])]
        op = self.ops[int(data.op[i])]
        c, g = arch["contrastive"], self.grids
        if kind == "aug":
            view = int(round(float(data.x[i, -self.param_dim])))
            return f"{op}\nv{view + 1} s={c[f'AugCell{view + 1}']['params'][op]}"
        if kind == "encoder":
            j = round(float(data.x[i, -self.param_dim + 1]) * (2 * g.max_nodes - 2))
            return f"{op}\npair {j}: in {arch['encoder'][j][0]}"
        if kind == "embed":
            e = c["EmbedCell"]
            return f"embed {e['norm']}\nj={e['jitter']} m={e['mask']}"
        if kind == "pair":
            p = c["PairCell"]
            on = "".join(f[0].upper() for f in PAIR_FLAGS if p[f])
            return f"pair {on}\n{p['pool_type']} k={p['kernel']}"
        if kind == "loss":
            lc = c["LossCell"]
            return f"{lc['loss']}\n{lc['sim']} t={lc['temperature']}"
        if kind == "hyper":
            h = arch["hyper"]
            return f"c={h['cells']} h={h['hidden']} r={h['repr_dim']}\nlr={h['lr']} b={h['batch_size']}"
        return kind

    def from_graph(self, node_type: list[int], op: list[int], params: list[list[float]]) -> dict:
        g = self.grids
        by_type: dict[str, list[int]] = {name: [] for name in NODE_TYPES}
        for i, t in enumerate(node_type):
            by_type[NODE_TYPES[t]].append(i)
        for single in ("input", "embed", "pair", "loss", "hyper", "output"):
            if len(by_type[single]) != 1:
                raise ArchError(
                    "data.node_type", f"expected one {single!r} node, got {len(by_type[single])}"
                )

        views: list[list[tuple[float, str, float]]] = [[], []]
        for i in by_type["aug"]:
            view, strength, pos = params[i][:3]
            name = self.ops[op[i]]
            if name not in g.aug_ops:
                raise ArchError("data.op", f"aug node {i} has op {name!r}, not an aug op")
            views[int(round(view))].append((pos, name, from_ordinal(strength, g.strengths)))
        cells = {}
        for v, items in enumerate(views):
            items.sort()
            cells[f"AugCell{v + 1}"] = {
                "enabled_ops": [name for _, name, _ in items],
                "params": {name: s for _, name, s in items},
            }

        encoder = []
        for i in by_type["encoder"]:
            src, j, _ = params[i][:3]
            enc_op = op[i] - self._enc_offset
            if not 0 <= enc_op < len(g.encoder_ops):
                raise ArchError("data.op", f"encoder node {i} has op {self.ops[op[i]]!r}")
            encoder.append(
                (round(j * (2 * g.max_nodes - 2)), [round(src * (g.max_nodes - 1)), enc_op])
            )
        encoder.sort()

        e, p, lo, h = (params[by_type[k][0]] for k in ("embed", "pair", "loss", "hyper"))
        return {
            "contrastive": {
                **cells,
                "EmbedCell": {
                    "jitter": from_ordinal(e[0], g.embed_strengths),
                    "mask": from_ordinal(e[1], g.embed_strengths),
                    "norm": from_one_hot(e[2:6], g.norms),
                },
                "PairCell": {
                    **{f: bool(round(p[i])) for i, f in enumerate(PAIR_FLAGS)},
                    "pool_type": from_ordinal(p[4], g.pool_types),
                    "kernel": from_one_hot(p[5:8], g.kernels),
                },
                "LossCell": {
                    "loss": self.ops[op[by_type["loss"][0]]],
                    "sim": from_one_hot(lo[0:3], g.sims),
                    "temperature": from_ordinal(lo[3], g.temperatures),
                },
            },
            "encoder": [pair for _, pair in encoder],
            "hyper": {k: from_ordinal(h[i], grid) for i, (k, grid) in enumerate(g.hyper.items())},
        }


CTS_SPACE = CtsSpace()
