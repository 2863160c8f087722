"""The fast scoring path (vectorised sample + encode, sparse aggregation, chunked passes) gives
the results of the plain path: same archs, same graphs, same scores, same ranking."""

import numpy as np
import pytest
import torch

from archgraph import CTS_SPACE
from predictor.comparator import Comparator, ComparatorConfig
from predictor.graphs import GraphTable
from predictor.labels import synthetic_records
from predictor.models import sparse_adjacency
from predictor.search import search

from .toyspace import TOY, toy_label

TASK = {"synth": np.zeros(1, np.float32)}


@pytest.fixture(scope="module")
def cts_comp():
    comp = Comparator(CTS_SPACE, ComparatorConfig.tiny(epochs=2, width=16))
    comp.fit(synthetic_records(CTS_SPACE, 60, ("synth",), seed=0), TASK)
    return comp


def _message_passing_scores(comp, archs, task):
    """Scores through gather/scatter message passing (the path training uses)."""
    comp.net.sparse = False
    try:
        return comp.score(archs, task)
    finally:
        comp.net.sparse = True


def test_sparse_aggregation_equals_message_passing_on_cts(cts_comp):
    archs = CTS_SPACE.sample(700, 5)  # more than one chunk
    assert cts_comp.net.sparse
    fast = cts_comp.score(archs, "synth")
    slow = _message_passing_scores(cts_comp, archs, "synth")
    # The sparse matmul and the scatter-add sum the same float32 neighbour messages in another
    # order, so they may differ in the last bits (seen: ~1e-7 on scores of ~1.5, one ulp). Allow
    # a few hundred ulps of the score scale: far below any difference a wrong aggregation makes.
    scale = float(np.abs(slow).max())
    np.testing.assert_allclose(fast, slow, rtol=1e-5, atol=1e-5 * scale)


@pytest.mark.parametrize("gnn", ["gin", "sage"])
def test_sparse_aggregation_close_to_message_passing_on_toy(gnn):
    archs = TOY.sample(80, 1)
    comp = Comparator(TOY, ComparatorConfig.tiny(epochs=2, gnn=gnn, readout="mean"))
    comp.fit([{"arch": a, "task": "t", "label": toy_label(a, 0)} for a in archs], {"t": [0.0]})
    np.testing.assert_allclose(
        comp.score(archs, "t"), _message_passing_scores(comp, archs, "t"), rtol=1e-6, atol=1e-6
    )


def test_sparse_adjacency_sums_neighbours_and_refuses_repeated_edges():
    ei = torch.tensor([[0, 2, 1], [1, 1, 0]])
    h = torch.tensor([[1.0], [10.0], [100.0]])
    assert torch.equal(sparse_adjacency(ei, 3) @ h, torch.tensor([[10.0], [101.0], [0.0]]))
    assert sparse_adjacency(torch.tensor([[0, 0], [1, 1]]), 2) is None


def test_select_range_equals_select():
    archs, batch = CTS_SPACE.sample_batch(40, 2)
    table = GraphTable.from_batch(batch)
    ref = GraphTable(CTS_SPACE, list(archs))
    for start, stop in ((0, 40), (3, 17), (39, 40)):
        got, want = table.select_range(start, stop), ref.select(torch.arange(start, stop))
        assert all(torch.equal(a, b) for a, b in zip(got, want, strict=True))


@pytest.mark.parametrize("head", ["score", "concat"])
def test_search_ranks_as_scoring_the_sampled_archs(cts_comp, head):
    comp = cts_comp
    if head == "concat":
        comp = Comparator(CTS_SPACE, ComparatorConfig.tiny(epochs=1, head="concat"))
        comp.fit(synthetic_records(CTS_SPACE, 40, ("synth",), seed=1), TASK)
    top, timings = search(comp, "synth", 600, 5, seed=3)
    assert timings["n"] == 600 and timings["total_s"] >= timings["sample_s"]
    archs = CTS_SPACE.sample(600, 3)
    if head == "score":
        s = comp.score(archs, "synth")
        order = np.argsort(-s, kind="stable")
        want, seen = [], set()
        for i in order:
            h = CTS_SPACE.arch_hash(archs[i])
            if h not in seen:
                seen.add(h)
                want.append((h, float(s[i])))
        assert [r["hash"] for r in top] == [h for h, _ in want[:5]]
        # search scores in chunks of another size than score(): equal up to summation order
        np.testing.assert_allclose([r["score"] for r in top], [v for _, v in want[:5]], rtol=1e-5)
    hashes = {CTS_SPACE.arch_hash(a) for a in archs}
    assert all(r["hash"] in hashes and r["arch"] in archs for r in top)
