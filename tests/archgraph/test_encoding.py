import copy

import numpy as np
import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from torch_geometric.data import Batch

import archgraph as ag
from archgraph import CTS_SPACE, NODE_TYPES, ArchError

from .conftest import EXAMPLE

T = {name: i for i, name in enumerate(NODE_TYPES)}


def _random_arch(seed: int, steps: int) -> dict:
    """A sampled arch walked ``steps`` mutations away (reaches corners sampling rarely hits)."""
    rng = np.random.default_rng(seed)
    arch = CTS_SPACE.sample_one(rng)
    for _ in range(steps):
        arch = ag.mutate(arch, rng)
    return arch


@settings(max_examples=1000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 2**32 - 1), steps=st.integers(0, 3))
def test_round_trip_property(seed, steps):
    arch = _random_arch(seed, steps)
    data = ag.encode(arch)
    assert ag.decode(data) == ag.canonical(arch)
    assert data.x.shape == (data.num_nodes, CTS_SPACE.feature_dim)
    assert float(data.x.min()) >= 0.0 and float(data.x.max()) <= 1.0


def test_example_graph_structure():
    data = ag.encode(EXAMPLE)
    types = data.node_type.tolist()
    # input, 2 + 1 aug nodes, 7 encoder op nodes, embed, pair, loss, hyper, output
    assert types == [T["input"]] + [T["aug"]] * 3 + [T["encoder"]] * 7 + [
        T["embed"],
        T["pair"],
        T["loss"],
        T["hyper"],
        T["output"],
    ]
    assert data.num_nodes == 16
    ops = [CTS_SPACE.ops[i] for i in data.op.tolist()]
    assert ops[1:4] == ["jitter", "crop", "frequency_masking"]
    assert ops[4:11] == ["diff_gcn", "skip", "skip", "dcc", "dcc", "diff_gcn", "trans"]
    assert ops[13] == "InfoNCE"
    edges = set(map(tuple, data.edge_index.t().tolist()))
    # Views: input -> jitter -> crop; input -> frequency_masking.
    # Encoder op nodes 4..10 are pairs 0..6. State 0 = both view ends (2 and 3); state k = node k-1.
    expected = {
        (0, 1),
        (1, 2),
        (0, 3),
        (2, 4),
        (3, 4),  # pair 0 [0, diff_gcn] reads state 0
        (2, 5),
        (3, 5),  # pair 1 [0, skip]
        (4, 6),  # pair 2 [1, skip] reads node 0
        (2, 7),
        (3, 7),  # pair 3 [0, dcc]
        (5, 8),
        (6, 8),  # pair 4 [2, dcc] reads node 1 = pairs 1, 2
        (4, 9),  # pair 5 [1, diff_gcn]
        (7, 10),
        (8, 10),  # pair 6 [3, trans] reads node 2 = pairs 3, 4
        (9, 11),
        (10, 11),  # node 3 (pairs 5, 6) -> embed
        (11, 12),
        (12, 13),
        (13, 15),
        (14, 15),  # embed -> pair -> loss -> output <- hyper
    }
    assert edges == expected
    assert data.edge_index.size(1) == len(expected)  # no duplicate edges


def test_example_parameter_vectors():
    data = ag.encode(EXAMPLE)
    p = data.x[:, -CTS_SPACE.param_dim :]
    # aug "crop": view 0, strength 0.3 -> index 2 of 5 -> 0.5, position 1 of 6 -> 0.2
    assert p[2].tolist()[:3] == pytest.approx([0.0, 0.5, 0.2])
    # pair 4 = [2, dcc]: input 2/5, pair 4/10, encoder node 2/5
    assert p[8].tolist()[:3] == pytest.approx([0.4, 0.4, 0.4])
    # loss: sim dot one-hot, temperature 0.1 is index 1 of 6 -> 0.2
    assert p[13].tolist()[:4] == pytest.approx([0.0, 1.0, 0.0, 0.2])
    # hyper: cells 2 -> .5, hidden 32 -> .5, repr 64 -> .5, lr 1e-3 -> .5, batch 16 -> .5, dropout .1 -> 1
    assert p[14].tolist()[:6] == pytest.approx([0.5, 0.5, 0.5, 0.5, 0.5, 1.0])


def test_same_arch_identical_tensors_and_fixed_width():
    a, b = ag.encode(EXAMPLE), ag.encode(copy.deepcopy(EXAMPLE))
    for key in ("x", "edge_index", "node_type", "op"):
        assert torch.equal(a[key], b[key])
    widths = {ag.encode(x).x.size(1) for x in ag.sample(50, seed=2)}
    assert widths == {CTS_SPACE.feature_dim} == {31}


def test_encode_many_equals_collated_encode():
    archs = ag.sample(40, seed=4)
    fast = ag.encode_many(archs)
    ref = Batch.from_data_list([ag.encode(a) for a in archs])
    for key in ("x", "edge_index", "node_type", "op", "batch", "ptr"):
        assert torch.equal(fast[key], ref[key]), key
    assert fast.num_graphs == 40
    for i in (0, 17, 39):
        example = fast.get_example(i)
        assert ag.decode(example) == archs[i]
    assert len(fast.to_data_list()) == 40


def test_encode_many_validates_unless_told():
    bad = copy.deepcopy(EXAMPLE)
    bad["hyper"]["hidden"] = 5
    with pytest.raises(ArchError, match="hyper.hidden"):
        ag.encode_many([EXAMPLE, bad])


def test_encode_many_empty():
    batch = ag.encode_many([])
    assert batch.num_graphs == 0 and batch.x.shape == (0, CTS_SPACE.feature_dim)


def test_decode_refuses_graphs_of_other_shapes():
    data = ag.encode(EXAMPLE)
    wrong = data.clone()
    wrong.x = wrong.x[:, :-1]
    with pytest.raises(ArchError, match="data.x"):
        ag.decode(wrong)
    no_loss = data.clone()
    no_loss.x = torch.cat([data.x[:13], data.x[14:]])
    with pytest.raises(ArchError, match="loss"):
        ag.decode(no_loss)
    off_grid = data.clone()
    off_grid.x = data.x.clone()
    off_grid.x[14, -CTS_SPACE.param_dim] = 0.3  # cells ordinal between grid points
    with pytest.raises(ArchError, match="grid"):
        ag.decode(off_grid)


@pytest.mark.parametrize(("n", "seed"), [(0, 0), (1, 0), (7, 3), (1500, 11)])
def test_sample_batch_equals_sample_then_encode_many(n, seed):
    archs, batch = CTS_SPACE.sample_batch(n, seed)
    ref_archs = CTS_SPACE.sample(n, seed)
    ref = CTS_SPACE.encode_many(ref_archs)
    assert len(archs) == n and list(archs) == ref_archs
    for key in ("x", "edge_index", "node_type", "op", "batch", "ptr"):
        assert torch.equal(batch[key], ref[key]), key
    assert batch.num_graphs == n
    if n:
        assert archs[n - 1] == ref_archs[-1] and archs[-1] == ref_archs[-1]
        assert archs[1:3] == ref_archs[1:3]
        assert ag.decode(batch.get_example(n - 1)) == ref_archs[-1]


def test_sample_batch_of_a_space_without_a_vectorised_path():
    from archgraph.nbgraph import NBGRAPH_SPACE

    archs, batch = NBGRAPH_SPACE.sample_batch(30, 2)
    ref = NBGRAPH_SPACE.encode_many(NBGRAPH_SPACE.sample(30, 2))
    assert archs == NBGRAPH_SPACE.sample(30, 2)
    assert torch.equal(batch.x, ref.x) and torch.equal(batch.edge_index, ref.edge_index)
