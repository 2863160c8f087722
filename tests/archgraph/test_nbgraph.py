import numpy as np
import pytest

from archgraph.nbgraph import (
    DATASETS,
    LINKS,
    NBGRAPH_PROTEINS_SPACE,
    NBGRAPH_SPACE,
    meta_features,
)
from archgraph.validate import ArchError

nbg = pytest.importorskip("nas_bench_graph")


def test_canonical_is_the_benchmark_representative():
    rng = np.random.default_rng(0)
    for _ in range(200):
        link = list(LINKS[int(rng.integers(9))])
        ops = [NBGRAPH_SPACE.gnn_ops[int(i)] for i in rng.integers(0, 9, 4)]
        if all(o == "skip" for o in ops):
            continue
        a = NBGRAPH_SPACE.canonical({"link": link, "ops": ops})
        assert NBGRAPH_SPACE.key(a) == nbg.Arch(link, ops).valid_hash()
        assert NBGRAPH_SPACE.canonical(a) == a


def test_encode_decode_graph_shape():
    a = {"link": [0, 0, 1, 2], "ops": ["gcn", "gat", "sage", "skip"]}
    a = NBGRAPH_SPACE.canonical(a)
    d = NBGRAPH_SPACE.encode(a)
    assert d.num_nodes == 6 and d.x.shape == (6, NBGRAPH_SPACE.feature_dim)
    assert NBGRAPH_SPACE.decode(d) == a
    # input feeds the ops with link 0; leaf ops feed the output (node 5)
    edges = set(map(tuple, d.edge_index.t().tolist()))
    used = {s for s in a["link"] if s}
    leaves = {i + 1 for i in range(4) if i + 1 not in used}
    assert {(i, 5) for i in leaves} <= edges and sum(1 for _, t in edges if t == 5) == len(leaves)


def test_sample_mutate_and_errors():
    s = NBGRAPH_PROTEINS_SPACE.sample(20, seed=3)
    assert s == NBGRAPH_PROTEINS_SPACE.sample(20, seed=3)
    assert all(o in NBGRAPH_PROTEINS_SPACE.gnn_ops for a in s for o in a["ops"])
    rng = np.random.default_rng(0)
    for a in s:
        m = NBGRAPH_PROTEINS_SPACE.mutate(a, rng)
        assert m != a and NBGRAPH_PROTEINS_SPACE.canonical(m) == m
    with pytest.raises(ArchError, match="ops\\[0\\]"):
        NBGRAPH_SPACE.canonical({"link": [0, 0, 0, 0], "ops": ["conv", "gcn", "gcn", "gcn"]})
    with pytest.raises(ArchError, match="link\\[1\\]"):
        NBGRAPH_SPACE.canonical({"link": [0, 2, 0, 0], "ops": ["gcn"] * 4})
    with pytest.raises(ArchError, match="all-skip"):
        NBGRAPH_SPACE.canonical({"link": [0, 0, 0, 0], "ops": ["skip"] * 4})
    with pytest.raises(ValueError, match="unknown NAS-Bench-Graph dataset"):
        meta_features("mnist")
    assert len(DATASETS) == 8 and meta_features("cora").shape == (5,)
