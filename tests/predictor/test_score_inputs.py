"""``Comparator.score`` on odd inputs: an empty list, one arch instead of a list, a bad arch in a
batch (its error names its index)."""

import numpy as np
import pytest

import archgraph as ag
from archgraph import ArchError
from benchmarks.fuzz import tiny_comparator


@pytest.fixture(scope="module")
def comparator():
    return tiny_comparator(seed=1)


def test_empty_list_scores_to_an_empty_array(comparator):
    scores = comparator.score([], "t0")
    assert scores.shape == (0,) and scores.dtype == np.float64


def test_one_arch_instead_of_a_list_is_refused_plainly(comparator):
    arch = ag.sample(1, seed=0)[0]
    with pytest.raises(ArchError, match="wrap it in a list") as info:
        comparator.score(arch, "t0")
    assert info.value.path == "archs"


def test_a_bad_arch_in_a_batch_is_named_by_index(comparator):
    archs = ag.sample(4, seed=2)
    archs[2] = {**archs[2], "hyper": {**archs[2]["hyper"], "lr": 0.5}}
    archs[3] = "not an arch"
    with pytest.raises(ArchError) as info:
        comparator.score(archs, "t0")
    assert info.value.path == "archs[2].hyper.lr" and "0.5 is not allowed" in str(info.value)
    with pytest.raises(ArchError) as info:
        comparator.score(archs[3:], "t0")
    assert info.value.path == "archs[0]" and "expected an object" in str(info.value)
    assert comparator.score(archs[:2], "t0").shape == (2,)
