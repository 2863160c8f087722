"""A user-defined cell space from a small JSON spec, behind :class:`~archgraph.base.GraphSpace`.

The spec (a JSON file or dict)::

    {"name": "toycell", "version": "1",
     "nodes": 4,                 # op nodes in the cell
     "inputs": 1,                # cell inputs (node ids 0 .. inputs-1)
     "wiring": "dag",            # "chain": node j reads node j-1 (node 0 reads input 0)
                                 # "dag":   node j reads 1..max_in_degree distinct earlier ids
     "max_in_degree": 2,         # dag only (default 2)
     "ops": {"conv": {"kernel": [3, 5, 7], "dilation": [1, 2]},
             "pool": {"size": [2, 3]},
             "skip": {}}}        # op name -> {numeric param -> grid of allowed values}

An arch is ``{"nodes": [{"op": NAME, "inputs": [ids], "params": {param: value}}, ...]}`` with
one entry per op node; ids ``0 .. inputs-1`` are the cell inputs and ``inputs + j`` is op node
``j`` (earlier nodes only, so the cell is a DAG). Every op node whose output no other node reads
feeds the cell output. The canonical form sorts each node's inputs and snaps numbers to their
grid; no isomorphism reduction is done (archs that differ only by a node relabelling are
distinct).

Graph: ``inputs -> op nodes -> output`` along the wiring. Node features are the base layout with
parameters ``[op params by sorted name, ordinal-scaled | multi-hot of the node's inputs over
ids 0 .. inputs + nodes - 2]``, so ``decode`` rebuilds the arch from the node features alone.

Errors name the field: :class:`SpecError` (``spec.ops.conv.kernel: ...``) for a bad spec,
:class:`~archgraph.validate.ArchError` (``nodes[2].params.kernel: ...``) for a bad arch.
Labels of such a space (CSV or JSONL rows of ``arch, task, value[, higher_is_better]``) are
read by ``predictor.labels.from_file``; the space is named ``generic-<spec name>`` (register it
with ``archgraph.register_space(space.name, space)`` to find it by that name).
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from .base import GraphSpace, GraphSpec, from_ordinal, ordinal
from .validate import ArchError

WIRINGS = ("chain", "dag")
_SPEC_KEYS = ("name", "version", "nodes", "inputs", "wiring", "max_in_degree", "ops")
_MAX_NODES, _MAX_OPS, _MAX_GRID = 32, 64, 256


class SpecError(ValueError):
    """A space spec that cannot be used. ``path`` names the offending field (``spec.nodes``)."""

    def __init__(self, path: str, message: str):
        self.path = path
        super().__init__(f"{path}: {message}")


def _int(value: Any, path: str, lo: int, hi: int) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or not lo <= value <= hi:
        raise SpecError(path, f"expected an integer in {lo}..{hi}, got {value!r}")
    return int(value)


@dataclass(frozen=True)
class CellSpec:
    """A validated space spec (see the module doc). ``ops`` maps op name -> ((param, grid), ...)
    with params sorted by name and grids in the user's order."""

    name: str
    version: str
    nodes: int
    inputs: int
    wiring: str
    max_in_degree: int
    ops: tuple[tuple[str, tuple[tuple[str, tuple[float, ...]], ...]], ...]

    @classmethod
    def parse(cls, spec: Any) -> CellSpec:
        """Validate a spec dict; raises :class:`SpecError` naming the field."""
        if not isinstance(spec, Mapping):
            raise SpecError("spec", f"expected an object, got {type(spec).__name__}")
        for key in spec:
            if key not in _SPEC_KEYS:
                raise SpecError(f"spec.{key}", f"unknown key; allowed: {list(_SPEC_KEYS)}")
        for key in ("name", "nodes", "ops"):
            if key not in spec:
                raise SpecError(f"spec.{key}", "missing")
        name = spec["name"]
        if (
            not isinstance(name, str)
            or not name
            or not all(c.isalnum() or c in "-_." for c in name)
        ):
            raise SpecError(
                "spec.name", f"expected a non-empty name of letters, digits, -_. ; got {name!r}"
            )
        version = str(spec.get("version", "1"))
        nodes = _int(spec["nodes"], "spec.nodes", 1, _MAX_NODES)
        inputs = _int(spec.get("inputs", 1), "spec.inputs", 1, 8)
        wiring = spec.get("wiring", "dag")
        if wiring not in WIRINGS:
            raise SpecError("spec.wiring", f"expected one of {list(WIRINGS)}, got {wiring!r}")
        max_in = _int(spec.get("max_in_degree", 2), "spec.max_in_degree", 1, inputs + nodes - 1)
        ops = spec["ops"]
        if not isinstance(ops, Mapping) or not ops:
            raise SpecError("spec.ops", "expected a non-empty object {op name: {param: [grid]}}")
        if len(ops) > _MAX_OPS:
            raise SpecError("spec.ops", f"at most {_MAX_OPS} ops")
        parsed = []
        for op, params in ops.items():
            path = f"spec.ops.{op}"
            if not isinstance(op, str) or not op or op == "none":
                raise SpecError(path, "op names must be non-empty strings other than 'none'")
            if not isinstance(params, Mapping):
                raise SpecError(
                    path, f"expected an object {{param: [grid]}}, got {type(params).__name__}"
                )
            plist = []
            for pname in sorted(params):
                grid = params[pname]
                ppath = f"{path}.{pname}"
                if not isinstance(grid, list) or not 1 <= len(grid) <= _MAX_GRID:
                    raise SpecError(
                        ppath, f"expected a list of 1..{_MAX_GRID} numbers, got {grid!r}"
                    )
                for i, v in enumerate(grid):
                    if (
                        isinstance(v, bool)
                        or not isinstance(v, (int, float))
                        or not math.isfinite(v)
                    ):
                        raise SpecError(f"{ppath}[{i}]", f"expected a finite number, got {v!r}")
                if len(set(grid)) != len(grid):
                    raise SpecError(ppath, f"grid values must be distinct, got {grid!r}")
                plist.append((pname, tuple(grid)))
            parsed.append((op, tuple(plist)))
        return cls(name, version, nodes, inputs, wiring, max_in, tuple(parsed))

    def to_dict(self) -> dict[str, Any]:
        """The spec as plain JSON data (parses back to an equal spec)."""
        return {
            "name": self.name,
            "version": self.version,
            "nodes": self.nodes,
            "inputs": self.inputs,
            "wiring": self.wiring,
            "max_in_degree": self.max_in_degree,
            "ops": {op: {p: list(g) for p, g in params} for op, params in self.ops},
        }


class GenericSpace(GraphSpace):
    """A cell space described by a :class:`CellSpec` (see the module doc)."""

    node_types = ("input", "op", "output")

    def __init__(self, spec: Mapping[str, Any] | CellSpec):
        self.spec = spec if isinstance(spec, CellSpec) else CellSpec.parse(spec)
        s = self.spec
        digest = hashlib.sha256(json.dumps(s.to_dict(), sort_keys=True).encode()).hexdigest()[:8]
        self.name = f"generic-{s.name}"
        self.version = f"{self.name}-{s.version}-{digest}"
        self.op_params = dict(s.ops)
        self.ops = ("none", *self.op_params)
        self._op = {name: i for i, name in enumerate(self.ops)}
        self.n_op_params = max((len(p) for p in self.op_params.values()), default=0)
        self.n_sources = s.inputs + s.nodes - 1  # ids a node may read (the last node reads none)
        self.param_dim = self.n_op_params + self.n_sources

    # --- hooks ---------------------------------------------------------------------------
    def canonical(self, arch: Any) -> dict:
        s = self.spec
        if not isinstance(arch, Mapping):
            raise ArchError("arch", f"expected an object, got {type(arch).__name__}")
        extra = [k for k in arch if k != "nodes"]
        if extra:
            raise ArchError(str(extra[0]), "unknown key; allowed keys are ['nodes']")
        nodes = arch.get("nodes")
        if not isinstance(nodes, (list, tuple)) or len(nodes) != s.nodes:
            raise ArchError("nodes", f"expected a list of {s.nodes} op nodes, got {_short(nodes)}")
        return {"nodes": [self._node(n, j) for j, n in enumerate(nodes)]}

    def _node(self, node: Any, j: int) -> dict:
        s, path = self.spec, f"nodes[{j}]"
        if not isinstance(node, Mapping):
            raise ArchError(path, f"expected an object, got {type(node).__name__}")
        for key in node:
            if key not in ("op", "inputs", "params"):
                raise ArchError(
                    f"{path}.{key}", "unknown key; allowed keys are ['op', 'inputs', 'params']"
                )
        op = node.get("op")
        if op not in self.op_params:
            raise ArchError(
                f"{path}.op", f"unknown op {_short(op)}; allowed: {list(self.op_params)}"
            )
        inputs = node.get("inputs")
        if not isinstance(inputs, (list, tuple)) or not inputs:
            raise ArchError(
                f"{path}.inputs", f"expected a non-empty list of node ids, got {_short(inputs)}"
            )
        for i, v in enumerate(inputs):
            if (
                isinstance(v, bool)
                or not isinstance(v, (int, np.integer))
                or not 0 <= v < s.inputs + j
            ):
                raise ArchError(
                    f"{path}.inputs[{i}]",
                    f"expected an id in 0..{s.inputs + j - 1} (inputs and earlier nodes), got {_short(v)}",
                )
        ids = sorted(int(v) for v in inputs)
        if len(set(ids)) != len(ids):
            raise ArchError(f"{path}.inputs", f"ids must be distinct, got {list(inputs)}")
        if s.wiring == "chain" and ids != [s.inputs + j - 1 if j else 0]:
            raise ArchError(
                f"{path}.inputs", f"chain wiring: node {j} reads [{s.inputs + j - 1 if j else 0}]"
            )
        if len(ids) > s.max_in_degree:
            raise ArchError(f"{path}.inputs", f"at most {s.max_in_degree} inputs, got {len(ids)}")
        grids = dict(self.op_params[op])
        params = node.get("params", {})
        if not isinstance(params, Mapping):
            raise ArchError(f"{path}.params", f"expected an object, got {type(params).__name__}")
        out = {}
        for key in params:
            if key not in grids:
                raise ArchError(f"{path}.params.{key}", f"op {op!r} has params {sorted(grids)}")
        for pname, grid in grids.items():
            ppath = f"{path}.params.{pname}"
            if pname not in params:
                raise ArchError(ppath, "missing")
            out[pname] = _on_grid(params[pname], grid, ppath)
        return {"op": op, "inputs": ids, "params": out}

    def sample_one(self, rng: np.random.Generator) -> dict:
        return {"nodes": [self._sample_node(j, rng) for j in range(self.spec.nodes)]}

    def _sample_inputs(self, j: int, rng: np.random.Generator) -> list[int]:
        s = self.spec
        if s.wiring == "chain":
            return [s.inputs + j - 1 if j else 0]
        avail = s.inputs + j
        k = int(rng.integers(1, min(s.max_in_degree, avail) + 1))
        return sorted(int(v) for v in rng.choice(avail, size=k, replace=False))

    def _sample_params(self, op: str, rng: np.random.Generator) -> dict:
        return {p: grid[int(rng.integers(len(grid)))] for p, grid in self.op_params[op]}

    def _sample_node(self, j: int, rng: np.random.Generator) -> dict:
        op = self.ops[1 + int(rng.integers(len(self.op_params)))]
        return {
            "op": op,
            "inputs": self._sample_inputs(j, rng),
            "params": self._sample_params(op, rng),
        }

    def mutate(self, arch: Any, rng: np.random.Generator) -> dict:
        """Change one field of one node: its op (params redrawn), one param, or (dag) inputs."""
        base = self.canonical(arch)
        for _ in range(1000):
            child = json.loads(json.dumps(base))
            j = int(rng.integers(self.spec.nodes))
            node = child["nodes"][j]
            kind = int(rng.integers(3))
            if kind == 0:
                node["op"] = self.ops[1 + int(rng.integers(len(self.op_params)))]
                node["params"] = self._sample_params(node["op"], rng)
            elif kind == 1 and node["params"]:
                pname, grid = self.op_params[node["op"]][int(rng.integers(len(node["params"])))]
                node["params"][pname] = grid[int(rng.integers(len(grid)))]
            elif kind == 2:
                node["inputs"] = self._sample_inputs(j, rng)
            if child != base:
                return child
        raise RuntimeError("mutate: no different neighbour found in 1000 draws (a one-arch space?)")

    def to_graph(self, arch: dict) -> GraphSpec:
        s, spec = self.spec, GraphSpec()
        ids = [spec.add(0, 0, ()) for _ in range(s.inputs)]
        read: set[int] = set()
        for node in arch["nodes"]:
            scaled = [ordinal(node["params"][p], grid) for p, grid in self.op_params[node["op"]]]
            scaled += [0.0] * (self.n_op_params - len(scaled))
            hot = [1.0 if i in node["inputs"] else 0.0 for i in range(self.n_sources)]
            ids.append(spec.add(1, self._op[node["op"]], scaled + hot))
            for i in node["inputs"]:
                spec.edge(ids[i], ids[-1])
                read.add(i)
        out = spec.add(2, 0, ())
        for j in range(s.nodes):
            if s.inputs + j not in read:
                spec.edge(ids[s.inputs + j], out)
        return spec

    def from_graph(self, node_type: list[int], op: list[int], params: list[list[float]]) -> dict:
        nodes = []
        for t, o, p in zip(node_type, op, params, strict=True):
            if self.node_types[t] != "op":
                continue
            name = self.ops[o]
            if name == "none":
                raise ArchError("data.op", f"op node {len(nodes)} has no operator")
            values = {
                pname: from_ordinal(p[i], grid, f"data.x[nodes[{len(nodes)}].{pname}]")
                for i, (pname, grid) in enumerate(self.op_params[name])
            }
            inputs = [i for i, v in enumerate(p[self.n_op_params :]) if v > 0.5]
            nodes.append({"op": name, "inputs": inputs, "params": values})
        return {"nodes": nodes}

    def node_label(self, arch: dict, data: Any, i: int) -> str:
        kind = self.node_types[int(data.node_type[i])]
        return self.ops[int(data.op[i])] if kind == "op" else kind


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _on_grid(value: Any, grid: Sequence[float], path: str) -> float | int:
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise ArchError(path, f"expected a number from {list(grid)}, got {_short(value)}")
    for g in grid:
        if math.isclose(float(value), float(g), rel_tol=1e-9, abs_tol=1e-12):
            return g
    raise ArchError(path, f"{_short(value)} is not allowed; expected one of {list(grid)}")


def load_space(spec: str | Path | Mapping[str, Any]) -> GenericSpace:
    """A :class:`GenericSpace` from a spec dict or a JSON file (errors name the file and field)."""
    if isinstance(spec, Mapping):
        return GenericSpace(spec)
    path = Path(spec)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as err:
        raise ValueError(f"{path}: cannot read space spec ({err.strerror or err})") from err
    except ValueError as err:
        raise ValueError(f"{path}: not valid JSON: {err}") from err
    try:
        return GenericSpace(data)
    except SpecError as err:
        raise SpecError(err.path, f"{err.args[0].split(': ', 1)[1]} (in {path})") from err
