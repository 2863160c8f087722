"""A toy space of 3-5 node chains (own generator) for fast comparator tests."""

from __future__ import annotations

from typing import Any

import numpy as np

from archgraph.base import GraphSpace, GraphSpec
from archgraph.validate import ArchError

OPS = ("a", "b", "c", "d")


class ToySpace(GraphSpace):
    """Arch: ``{"ops": [1-3 op names], "k": 0..2}``; graph: input -> ops chain -> output."""

    name = "toy"
    version = "toy-1"
    node_types = ("input", "op", "output")
    ops = ("none", *OPS)
    param_dim = 2

    def canonical(self, arch: Any) -> dict:
        if not isinstance(arch, dict) or not 1 <= len(arch.get("ops", [])) <= 3:
            raise ArchError("ops", "1-3 ops")
        if any(o not in OPS for o in arch["ops"]) or arch.get("k") not in (0, 1, 2):
            raise ArchError("arch", "bad op or k")
        return {"ops": list(arch["ops"]), "k": int(arch["k"])}

    def sample_one(self, rng: np.random.Generator) -> dict:
        n = int(rng.integers(1, 4))
        return {"ops": [OPS[int(i)] for i in rng.integers(0, 4, n)], "k": int(rng.integers(3))}

    def mutate(self, arch: Any, rng: np.random.Generator) -> dict:
        while True:
            child = self.sample_one(rng)
            if child != arch:
                return child

    def to_graph(self, arch: dict) -> GraphSpec:
        spec = GraphSpec()
        prev = spec.add(0, 0, (0.0, arch["k"] / 2))
        for i, op in enumerate(arch["ops"]):
            node = spec.add(1, 1 + OPS.index(op), (i / 2, 0.0))
            spec.edge(prev, node)
            prev = node
        out = spec.add(2, 0, ())
        spec.edge(prev, out)
        return spec

    def from_graph(self, node_type, op, params) -> dict:
        ops = [self.ops[o] for t, o in zip(node_type, op, strict=True) if t == 1]
        return {"ops": ops, "k": round(params[0][1] * 2)}


TOY = ToySpace()


def toy_label(arch: dict, task: int = 0) -> float:
    """Known function, lower is better: op weights by position plus k (per-task weights)."""
    w = np.array([[1.0, -0.5, 2.0, 0.3], [-1.0, 0.8, 0.2, 1.5]])[task % 2]
    return float(
        sum(w[OPS.index(o)] * (1 + 0.3 * i) for i, o in enumerate(arch["ops"])) + 0.7 * arch["k"]
    )


def unique_archs(n: int, seed: int) -> list[dict]:
    """The distinct archs (by hash, first occurrence) among ``TOY.sample(n, seed)``."""
    out, seen = [], set()
    for a in TOY.sample(n, seed):
        if TOY.arch_hash(a) not in seen:
            seen.add(TOY.arch_hash(a))
            out.append(a)
    return out
