import torch
from torch_geometric.loader import DataLoader

import archgraph as ag
from archgraph import PairData, make_pair


def test_pairs_batch_with_offsets():
    archs = ag.sample(6, seed=0)
    graphs = [ag.encode(a) for a in archs]
    pairs = [make_pair(graphs[i], graphs[i + 1], y=(i // 2) % 2, task=i) for i in range(0, 6, 2)]
    batch = next(iter(DataLoader(pairs, batch_size=3, follow_batch=["x_a", "x_b"])))
    assert isinstance(batch, PairData) and batch.num_graphs == 3
    a_sizes = [graphs[i].num_nodes for i in (0, 2, 4)]
    b_sizes = [graphs[i].num_nodes for i in (1, 3, 5)]
    assert batch.x_a.size(0) == sum(a_sizes) and batch.x_b.size(0) == sum(b_sizes)
    assert batch.x_a_batch.tolist() == sum(([k] * n for k, n in enumerate(a_sizes)), [])
    # Each graph's edges are shifted by the nodes of the graphs before it, per side.
    second = graphs[2].edge_index + a_sizes[0]
    e0 = graphs[0].edge_index.size(1)
    assert torch.equal(batch.edge_index_a[:, e0 : e0 + second.size(1)], second)
    assert int(batch.edge_index_b.max()) < batch.x_b.size(0)
    assert batch.y.tolist() == [0.0, 1.0, 0.0]
    assert batch.task.tolist() == [0, 2, 4]


def test_pair_sides_round_trip():
    a, b = ag.sample(2, seed=9)
    pair = make_pair(ag.encode(a), ag.encode(b), y=1.0)
    assert ag.decode(pair.graph("a")) == a
    assert ag.decode(pair.graph("b")) == b
