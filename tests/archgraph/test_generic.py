"""The user-defined generic cell space: spec validation, sampling, round trip, errors."""

import json
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from archgraph.generic import CellSpec, GenericSpace, SpecError, load_space
from archgraph.validate import ArchError

EXAMPLE = Path(__file__).resolve().parents[2] / "benchmarks" / "examples" / "cell_spec.json"


@pytest.fixture(scope="module")
def space():
    return load_space(EXAMPLE)


def test_example_spec_loads(space):
    assert space.name == "generic-toycell"
    assert space.ops[0] == "none" and set(space.ops[1:]) == {"conv", "attn", "pool", "skip"}
    # params: 2 op params (conv) + multi-hot over ids 0..3 (1 input + 4 nodes - 1)
    assert space.param_dim == 2 + 4
    assert CellSpec.parse(space.spec.to_dict()) == space.spec


@st.composite
def specs(draw):
    n_ops = draw(st.integers(1, 4))
    ops = {}
    for i in range(n_ops):
        n_params = draw(st.integers(0, 3))
        ops[f"op{i}"] = {
            f"p{j}": sorted(draw(st.sets(st.integers(-5, 50), min_size=1, max_size=4)))
            for j in range(n_params)
        }
    inputs = draw(st.integers(1, 3))
    nodes = draw(st.integers(1, 6))
    return {
        "name": "h",
        "nodes": nodes,
        "inputs": inputs,
        "wiring": draw(st.sampled_from(["chain", "dag"])),
        "max_in_degree": draw(st.integers(1, inputs + nodes - 1)),
        "ops": ops,
    }


@settings(max_examples=25, deadline=None)
@given(spec=specs(), seed=st.integers(0, 2**31 - 1))
def test_round_trip_any_spec(spec, seed):
    space = GenericSpace(spec)
    rng = np.random.default_rng(seed)
    for arch in space.sample(2, seed):
        assert space.canonical(arch) == arch
        assert space.decode(space.encode(arch)) == arch
        child = space.mutate(arch, rng) if _mutable(space) else arch
        assert space.decode(space.encode(child)) == space.canonical(child)
    batch = space.encode_many(space.sample(4, seed))
    assert batch.num_graphs == 4 and batch.x.shape[1] == space.feature_dim


def _mutable(space):
    """False only for a one-arch space: one op, every grid of one value, fixed wiring."""
    one_op = len(space.op_params) == 1
    fixed_params = all(len(g) == 1 for ps in space.op_params.values() for _, g in ps)
    fixed_wiring = space.spec.wiring == "chain" or (
        space.spec.inputs == 1 and space.spec.nodes == 1
    )
    return not (one_op and fixed_params and fixed_wiring)


def test_sampling_is_seeded_and_wiring_holds(space):
    a, b = space.sample(50, seed=4), space.sample(50, seed=4)
    assert a == b and a != space.sample(50, seed=5)
    for arch in a:
        for j, node in enumerate(arch["nodes"]):
            assert 1 <= len(node["inputs"]) <= 2 and max(node["inputs"]) < 1 + j
    chain = GenericSpace({**space.spec.to_dict(), "wiring": "chain"})
    for arch in chain.sample(10):
        assert [n["inputs"] for n in arch["nodes"]] == [[0], [1], [2], [3]]


def test_canonical_sorts_inputs_and_snaps_numbers(space):
    arch = space.sample(1, seed=0)[0]
    arch["nodes"][3] = {"op": "conv", "inputs": [2, 0], "params": {"kernel": 5.0, "dilation": 2}}
    canon = space.canonical(arch)
    assert canon["nodes"][3]["inputs"] == [0, 2] and canon["nodes"][3]["params"]["kernel"] == 5
    assert space.arch_hash(arch) == space.arch_hash(canon)


@pytest.mark.parametrize(
    "edit, path",
    [
        (lambda a: a["nodes"][1].update(op="lstm"), "nodes[1].op"),
        (lambda a: a["nodes"][2].update(inputs=[5]), "nodes[2].inputs[0]"),
        (lambda a: a["nodes"][2].update(inputs=[0, 0]), "nodes[2].inputs"),
        (lambda a: a["nodes"][3].update(inputs=[0, 1, 2]), "nodes[3].inputs"),
        (
            lambda a: a["nodes"][0].update(op="conv", params={"kernel": 4, "dilation": 1}),
            "nodes[0].params.kernel",
        ),
        (
            lambda a: a["nodes"][0].update(op="conv", params={"kernel": 3}),
            "nodes[0].params.dilation",
        ),
        (lambda a: a["nodes"][0].update(op="skip", params={"x": 1}), "nodes[0].params.x"),
        (lambda a: a["nodes"][0].update(colour="red"), "nodes[0].colour"),
        (lambda a: a["nodes"].pop(), "nodes"),
        (lambda a: a.update(extra=1), "extra"),
    ],
)
def test_arch_errors_name_the_field(space, edit, path):
    arch = json.loads(json.dumps(space.sample(1, seed=2)[0]))
    edit(arch)
    with pytest.raises(ArchError) as err:
        space.canonical(arch)
    assert err.value.path == path and str(err.value).startswith(path + ":")


@pytest.mark.parametrize(
    "change, path",
    [
        ({"nodes": 0}, "spec.nodes"),
        ({"wiring": "ring"}, "spec.wiring"),
        ({"ops": {}}, "spec.ops"),
        ({"ops": {"conv": {"kernel": [3, "5"]}}}, "spec.ops.conv.kernel[1]"),
        ({"ops": {"conv": {"kernel": [3, 3]}}}, "spec.ops.conv.kernel"),
        ({"ops": {"conv": {"kernel": 3}}}, "spec.ops.conv.kernel"),
        ({"ops": {"none": {}}}, "spec.ops.none"),
        ({"max_in_degree": 9}, "spec.max_in_degree"),
        ({"colour": 1}, "spec.colour"),
        ({"name": "a b"}, "spec.name"),
    ],
)
def test_spec_errors_name_the_field(change, path):
    spec = {**json.loads(EXAMPLE.read_text()), **change}
    with pytest.raises(SpecError) as err:
        GenericSpace(spec)
    assert err.value.path == path and str(err.value).startswith(path + ":")


def test_load_space_file_errors(tmp_path):
    bad = tmp_path / "s.json"
    bad.write_text("{nope")
    with pytest.raises(ValueError, match="not valid JSON"):
        load_space(bad)
    bad.write_text(json.dumps({"name": "x", "nodes": 2, "ops": {"a": {"k": "no"}}}))
    with pytest.raises(SpecError, match=r"spec\.ops\.a\.k: .*s\.json"):
        load_space(bad)


def test_decode_rejects_foreign_tensors(space):
    data = space.encode(space.sample(1)[0])
    data.x = data.x[:, :-1]
    with pytest.raises(ArchError, match="data.x"):
        space.decode(data)


def test_version_tracks_the_spec(space):
    other = GenericSpace({**space.spec.to_dict(), "nodes": 3})
    assert other.version != space.version and other.name == space.name
