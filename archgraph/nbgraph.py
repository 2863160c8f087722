"""NAS-Bench-Graph as a second space behind :class:`~archgraph.base.GraphSpace`.

An arch of NAS-Bench-Graph (Qin et al., 2022) is a cell of 4 GNN op nodes: ``link[i]`` names
the input of op ``i`` (0 = the cell input, ``k`` = the output of op ``k - 1``) and ``ops[i]`` its
operator. Op nodes whose output feeds no other op are summed into the cell output. Archs here are
dicts ``{"link": [4 ints], "ops": [4 names]}``; the canonical form is the benchmark's own
isomorphism-reduced representative (``Arch.valid_hash``), so the 26,206 labelled archs are the
whole space (2,021 for ``proteins``, which has a smaller op list).

Graph layout: ``input -> op nodes (by link) -> output`` with every leaf op feeding ``output``.
Parameter vector (``param_dim = 2``): op nodes ``[slot / 3, link / 4]``; input/output zeros.

The benchmark's labels (per-arch ``valid_perf``, ``perf``, ``latency``, ``para`` from the
installed ``nas-bench-graph`` package's ``light/*.bench`` files) are read where every label is
read, ``predictor.labels.nbgraph_labels``; this module holds the space and the datasets'
meta-features.
"""

from __future__ import annotations

import functools
from typing import Any

import numpy as np

from .base import GraphSpace, GraphSpec
from .validate import ArchError

LINKS: tuple[tuple[int, ...], ...] = (
    (0, 0, 0, 0),
    (0, 0, 0, 1),
    (0, 0, 1, 1),
    (0, 0, 1, 2),
    (0, 0, 1, 3),
    (0, 1, 1, 1),
    (0, 1, 1, 2),
    (0, 1, 2, 2),
    (0, 1, 2, 3),
)
GNN_OPS = ("gat", "gcn", "gin", "cheb", "sage", "arma", "graph", "fc", "skip")
GNN_OPS_PROTEINS = ("gcn", "sage", "arma", "fc", "skip")
DATASETS = ("cora", "citeseer", "pubmed", "cs", "physics", "photo", "computers", "arxiv")
"""The 8 datasets that share the 9-op space (``proteins`` has its own space)."""

NODE_TYPES = ("input", "op", "output")

# Public meta-features of the datasets: nodes, undirected edges, node features, classes, and
# edge homophily (approximate literature values; arxiv/proteins homophily as commonly reported).
META_FEATURES: dict[str, dict[str, float]] = {
    "cora": {"nodes": 2708, "edges": 5278, "features": 1433, "classes": 7, "homophily": 0.81},
    "citeseer": {"nodes": 3327, "edges": 4552, "features": 3703, "classes": 6, "homophily": 0.74},
    "pubmed": {"nodes": 19717, "edges": 44324, "features": 500, "classes": 3, "homophily": 0.80},
    "cs": {"nodes": 18333, "edges": 81894, "features": 6805, "classes": 15, "homophily": 0.81},
    "physics": {"nodes": 34493, "edges": 247962, "features": 8415, "classes": 5, "homophily": 0.93},
    "photo": {"nodes": 7650, "edges": 119081, "features": 745, "classes": 8, "homophily": 0.83},
    "computers": {
        "nodes": 13752,
        "edges": 245861,
        "features": 767,
        "classes": 10,
        "homophily": 0.78,
    },
    "arxiv": {"nodes": 169343, "edges": 1166243, "features": 128, "classes": 40, "homophily": 0.65},
    "proteins": {
        "nodes": 132534,
        "edges": 39561252,
        "features": 8,
        "classes": 112,
        "homophily": 0.0,
    },
}


def meta_features(dataset: str) -> np.ndarray:
    """``[5]`` float32: log10 nodes, log10 edges, log10 features, log10 classes, homophily."""
    if dataset not in META_FEATURES:
        raise ValueError(
            f"unknown NAS-Bench-Graph dataset {dataset!r}; known: {sorted(META_FEATURES)}"
        )
    m = META_FEATURES[dataset]
    return np.array(
        [
            np.log10(m["nodes"]),
            np.log10(m["edges"]),
            np.log10(m["features"]),
            np.log10(m["classes"]),
            m["homophily"],
        ],
        dtype=np.float32,
    )


def _architecture_module():
    try:
        from nas_bench_graph import architecture
    except ImportError as err:  # pragma: no cover - depends on the environment
        raise ImportError(
            "NAS-Bench-Graph needs the pip package 'nas-bench-graph' (extra 'bench')"
        ) from err
    return architecture


class NbGraphSpace(GraphSpace):
    """NAS-Bench-Graph cell space (``nbgraph-1``; ``nbgraph-proteins-1`` with ``proteins=True``)."""

    node_types = NODE_TYPES
    param_dim = 2

    def __init__(self, proteins: bool = False):
        self.proteins = proteins
        self.gnn_ops = GNN_OPS_PROTEINS if proteins else GNN_OPS
        self.name = "nbgraph-proteins" if proteins else "nbgraph"
        self.version = f"{self.name}-1"
        self.ops = ("none", *GNN_OPS)  # one feature layout for both variants
        self._op = {name: i for i, name in enumerate(self.ops)}

    # --- benchmark keys ------------------------------------------------------------------
    def key(self, arch: Any) -> int:
        """The benchmark's integer key of an arch (``hash_arch`` of the canonical form; base 10
        over the 9-op list for both variants, as the package's files use)."""
        a = self.canonical(arch)
        k = LINKS.index(tuple(a["link"]))
        for op in a["ops"]:
            k = k * (len(GNN_OPS) + 1) + GNN_OPS.index(op)
        return k

    def from_key(self, key: int) -> dict:
        """Inverse of :meth:`key` (no canonicalisation: benchmark keys are canonical)."""
        ops = []
        for _ in range(4):
            key, digit = divmod(int(key), len(GNN_OPS) + 1)
            if digit >= len(GNN_OPS) or GNN_OPS[digit] not in self.gnn_ops:
                raise ArchError("key", f"not a NAS-Bench-Graph key of space {self.name!r}")
            ops.append(GNN_OPS[digit])
        if not 0 <= key < len(LINKS):
            raise ArchError("key", f"not a NAS-Bench-Graph key of space {self.name!r}")
        return {"link": list(LINKS[key]), "ops": ops[::-1]}

    @functools.cached_property
    def all_archs(self) -> list[dict]:
        """Every canonical arch of the space (26,206, or 2,021 for proteins), in key order."""
        mod = _architecture_module()
        seen: dict[int, dict] = {}
        import itertools

        for link in LINKS:
            for ops in itertools.product(self.gnn_ops, repeat=4):
                if all(o == "skip" for o in ops):
                    continue
                a = self._reduce(mod, list(link), list(ops))
                if a is not None:
                    seen.setdefault(self.key(a), a)
        return [seen[k] for k in sorted(seen)]

    # --- hooks ---------------------------------------------------------------------------
    @staticmethod
    def _reduce(mod, link: list[int], ops: list[str]) -> dict | None:
        b = mod.Arch(link, ops).regularize()
        b.move_skip_op()
        b.equalpart_sort()
        if tuple(b.link) not in LINKS:
            return None
        return {"link": [int(v) for v in b.link], "ops": list(b.ops)}

    def canonical(self, arch: Any) -> dict:
        if not isinstance(arch, dict) or set(arch) != {"link", "ops"}:
            raise ArchError("arch", "expected a dict with exactly the keys 'link' and 'ops'")
        link, ops = arch["link"], arch["ops"]
        if not isinstance(link, (list, tuple)) or len(link) != 4:
            raise ArchError("link", f"expected 4 ints, got {link!r}")
        for i, v in enumerate(link):
            if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or not 0 <= v <= i:
                raise ArchError(f"link[{i}]", f"must be an int in 0..{i}, got {v!r}")
        if not isinstance(ops, (list, tuple)) or len(ops) != 4:
            raise ArchError("ops", f"expected 4 op names, got {ops!r}")
        for i, op in enumerate(ops):
            if op not in self.gnn_ops:
                raise ArchError(f"ops[{i}]", f"unknown op {op!r}; allowed: {list(self.gnn_ops)}")
        if all(op == "skip" for op in ops):
            raise ArchError("ops", "an all-skip cell is not in the space")
        reduced = self._reduce(_architecture_module(), [int(v) for v in link], list(ops))
        if reduced is None:
            raise ArchError("link", f"{link} has no canonical form in NAS-Bench-Graph")
        return reduced

    def sample_one(self, rng: np.random.Generator) -> dict:
        archs = self.all_archs
        a = archs[int(rng.integers(len(archs)))]
        return {"link": list(a["link"]), "ops": list(a["ops"])}

    def mutate(self, arch: Any, rng: np.random.Generator) -> dict:
        base = self.canonical(arch)
        mod = _architecture_module()
        for _ in range(1000):
            link, ops = list(base["link"]), list(base["ops"])
            if rng.integers(2):
                link = list(LINKS[int(rng.integers(len(LINKS)))])
            else:
                i = int(rng.integers(4))
                ops[i] = self.gnn_ops[int(rng.integers(len(self.gnn_ops)))]
            if all(o == "skip" for o in ops):
                continue
            child = self._reduce(mod, link, ops)
            if child is not None and child != base:
                return child
        raise RuntimeError("mutate: no valid neighbour found in 1000 draws")

    def to_graph(self, arch: dict) -> GraphSpec:
        spec = GraphSpec()
        inp = spec.add(0, 0, ())
        nodes = [
            spec.add(1, self._op[op], (i / 3, arch["link"][i] / 4))
            for i, op in enumerate(arch["ops"])
        ]
        used = set()
        for i, src in enumerate(arch["link"]):
            spec.edge(inp if src == 0 else nodes[src - 1], nodes[i])
            if src:
                used.add(src - 1)
        out = spec.add(2, 0, ())
        for i, node in enumerate(nodes):
            if i not in used:
                spec.edge(node, out)
        return spec

    def from_graph(self, node_type: list[int], op: list[int], params: list[list[float]]) -> dict:
        slots = {}
        for t, o, p in zip(node_type, op, params, strict=True):
            if NODE_TYPES[t] != "op":
                continue
            slot = round(p[0] * 3)
            if self.ops[o] == "none":
                raise ArchError("data.op", f"op node {slot} has no operator")
            slots[slot] = (round(p[1] * 4), self.ops[o])
        if sorted(slots) != [0, 1, 2, 3]:
            raise ArchError("data.x", f"expected op slots 0..3, got {sorted(slots)}")
        return {"link": [slots[i][0] for i in range(4)], "ops": [slots[i][1] for i in range(4)]}

    def node_label(self, arch: dict, data: Any, i: int) -> str:
        kind = NODE_TYPES[int(data.node_type[i])]
        if kind != "op":
            return kind
        slot = round(float(data.x[i, -2]) * 3)
        return f"{self.ops[int(data.op[i])]}\nslot {slot}"


NBGRAPH_SPACE = NbGraphSpace()
NBGRAPH_PROTEINS_SPACE = NbGraphSpace(proteins=True)


def space_for(dataset: str) -> NbGraphSpace:
    """The space a dataset's archs live in (``proteins`` has its own)."""
    return NBGRAPH_PROTEINS_SPACE if dataset == "proteins" else NBGRAPH_SPACE
