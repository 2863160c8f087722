"""Fuzzing the arch contract: tampered graphs and odd values raise ArchError with a path.

Corrupted arch dicts go through every entry point (validate, encode, ContrastiveNet,
Comparator.score) in ``tests/test_arch_fuzz.py``.
"""

import copy
import math

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

import archgraph as ag
from archgraph import CTS_SPACE, ArchError

from .conftest import EXAMPLE


@settings(max_examples=300, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), noise=st.floats(0.0, 1.0))
def test_decode_of_tampered_tensors_raises_arch_error_only(seed, noise):
    arch = CTS_SPACE.sample_one(np.random.default_rng(seed))
    data = ag.encode(arch)
    gen = torch.Generator().manual_seed(seed)
    mask = torch.rand(data.x.shape, generator=gen) < noise * 0.05
    data.x = torch.where(mask, torch.rand(data.x.shape, generator=gen), data.x)
    try:
        decoded = ag.decode(data)
    except ArchError as err:
        assert err.path  # "data..." for a malformed graph, the field for an invalid decoded arch
        return
    assert decoded == ag.canonical(decoded)


def test_non_finite_values_are_refused_with_path():
    for value in (math.nan, math.inf, -math.inf):
        bad = copy.deepcopy(EXAMPLE)
        bad["hyper"]["lr"] = value
        try:
            ag.validate(bad)
        except ArchError as err:
            assert err.path == "hyper.lr"
        else:
            raise AssertionError(f"{value} accepted")


@pytest.mark.parametrize(
    ("path", "value", "shown"),
    [
        (("hyper", "hidden"), np.int64(32), "numpy.int64"),
        (("hyper", "lr"), np.float32(1e-3), "numpy.float32"),
        (("contrastive", "PairCell", "instance"), np.bool_(True), "numpy.bool"),
        (("hyper", "dropout"), b"0.1", "builtins.bytes"),
    ],
)
def test_values_of_non_json_types_are_named_in_the_error(path, value, shown):
    """NumPy 1 prints numpy.int64(32) as 32: "32 is not allowed; expected [16, 32, 64]" misled."""
    bad = copy.deepcopy(EXAMPLE)
    parent = bad
    for key in path[:-1]:
        parent = parent[key]
    parent[path[-1]] = value
    with pytest.raises(ArchError) as info:
        ag.validate(bad)
    assert info.value.path == ".".join(path)
    assert f"(a {shown}" in str(info.value) and "not a JSON value" in str(info.value)


def test_float_subclasses_on_the_grid_are_accepted_as_plain_floats():
    arch = copy.deepcopy(EXAMPLE)
    arch["hyper"]["lr"] = np.float64(1e-3)
    canon = ag.canonical(arch)
    assert type(canon["hyper"]["lr"]) is float and canon == ag.canonical(EXAMPLE)
