"""Fuzzing the arch contract: corrupted archs either validate or raise ArchError with a path."""

import copy
import math

import numpy as np
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import archgraph as ag
from archgraph import CTS_SPACE, ArchError

from .conftest import EXAMPLE

json_leaf = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**2000), 2**2000),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([0.1, 0.3, 0.5, 1e-3, 3e-4, 2, 3, 5, 16, 64, "max", "l2", "jitter", "crop"]),
    st.text(max_size=20),  # unicode included
)
json_value = st.recursive(
    json_leaf,
    lambda children: st.one_of(
        st.lists(children, max_size=5), st.dictionaries(st.text(max_size=8), children, max_size=5)
    ),
    max_leaves=20,
)


def _paths(node, prefix=()):
    """All paths to containers' children in a JSON-like tree."""
    if isinstance(node, dict):
        for key, value in node.items():
            yield (*prefix, key)
            yield from _paths(value, (*prefix, key))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield (*prefix, i)
            yield from _paths(value, (*prefix, i))


def _corrupt(arch: dict, data) -> dict:
    arch = copy.deepcopy(arch)
    paths = list(_paths(arch))
    for _ in range(data.draw(st.integers(1, 3))):
        path = data.draw(st.sampled_from(paths))
        parent = arch
        try:
            for key in path[:-1]:
                parent = parent[key]
            kind = data.draw(st.sampled_from(["replace", "delete", "extra", "huge", "deep"]))
            last = path[-1]
            if kind == "replace":
                parent[last] = data.draw(json_value)
            elif kind == "delete":
                del parent[last]
            elif kind == "extra" and isinstance(parent, dict):
                parent[data.draw(st.text(max_size=8))] = data.draw(json_value)
            elif kind == "huge":
                parent[last] = [parent[last]] * 100_000
            elif kind == "deep":
                nested = parent[last]
                for _ in range(5_000):
                    nested = [nested]
                parent[last] = nested
        except (KeyError, IndexError, TypeError):
            continue  # an earlier corruption removed or replaced this path's container
    return arch


@settings(max_examples=1200, deadline=None, suppress_health_check=list(HealthCheck))
@given(seed=st.integers(0, 2**32 - 1), data=st.data())
def test_corrupted_archs_validate_or_raise_arch_error(seed, data):
    base = CTS_SPACE.sample_one(np.random.default_rng(seed)) if seed % 2 else EXAMPLE
    arch = _corrupt(base, data)
    try:
        canon = ag.canonical(arch)
    except ArchError as err:
        assert err.path, f"no field path in {err!r}"
        assert len(str(err)) < 400  # the message stays readable even for huge values
        return
    # Still valid (a corruption that landed on an equivalent value): the rest must work.
    assert ag.decode(ag.encode(arch)) == canon


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
