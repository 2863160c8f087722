import copy
import math

import pytest

import archgraph as ag
from archgraph import ArchError

from .conftest import EXAMPLE


def _with(path: str, value, delete: bool = False) -> dict:
    """EXAMPLE with the field at dotted ``path`` set to ``value`` (or deleted)."""
    arch = copy.deepcopy(EXAMPLE)
    *parents, last = path.split(".")
    node = arch
    for key in parents:
        node = node[int(key)] if isinstance(node, list) else node[key]
    if delete:
        del node[last]
    elif isinstance(node, list):
        node[int(last)] = value
    else:
        node[last] = value
    return arch


BAD = [
    # (arch, expected path in the message, a fragment of the message)
    (_with("contrastive.LossCell.temperature", 0.7), "contrastive.LossCell.temperature", "0.05"),
    (_with("contrastive.LossCell.loss", "MSE"), "contrastive.LossCell.loss", "InfoNCE"),
    (_with("contrastive.LossCell.sim", 3), "contrastive.LossCell.sim", "cosine"),
    (_with("contrastive.EmbedCell.norm", None), "contrastive.EmbedCell.norm", "layernorm"),
    (_with("contrastive.EmbedCell.jitter", math.nan), "contrastive.EmbedCell.jitter", "not finite"),
    (_with("contrastive.EmbedCell.mask", math.inf), "contrastive.EmbedCell.mask", "not finite"),
    (_with("hyper.hidden", 48), "hyper.hidden", "[16, 32, 64]"),
    (_with("hyper.cells", True), "hyper.cells", "not allowed"),
    (_with("hyper.lr", "1e-3"), "hyper.lr", "not allowed"),
    (_with("hyper.batch_size", None, delete=True), "hyper.batch_size", "missing"),
    (_with("hyper.momentum", 0.9), "hyper.momentum", "unknown key"),
    (_with("extra", 1), "extra", "unknown key"),
    (_with("contrastive.PairCell.instance", 1), "contrastive.PairCell.instance", "true or false"),
    (_with("contrastive.PairCell.kernel", 4), "contrastive.PairCell.kernel", "[2, 3, 5]"),
    (
        _with(
            "contrastive.PairCell",
            {**EXAMPLE["contrastive"]["PairCell"], "instance": False, "temporal": False},
        ),
        "contrastive.PairCell",
        "at least one of",
    ),
    (
        _with("contrastive.AugCell1.enabled_ops", ["jitter", "jitter"]),
        "contrastive.AugCell1.enabled_ops[1]",
        "duplicate",
    ),
    (_with("contrastive.AugCell1.enabled_ops", []), "contrastive.AugCell1.enabled_ops", "1..6"),
    (
        _with("contrastive.AugCell1.enabled_ops", ["jitter", "warp"]),
        "contrastive.AugCell1.enabled_ops[1]",
        "resize",
    ),
    (_with("contrastive.AugCell1.params.crop", 0.6), "contrastive.AugCell1.params.crop", "0.5"),
    (
        _with("contrastive.AugCell1.params.resize", 0.2),
        "contrastive.AugCell1.params.resize",
        "not an enabled op",
    ),
    (
        _with("contrastive.AugCell1.params.crop", None, delete=True),
        "contrastive.AugCell1.params.crop",
        "missing",
    ),
    (_with("contrastive.AugCell2", "jitter"), "contrastive.AugCell2", "expected an object"),
    (_with("encoder", [[0, 1], [0, 1]]), "encoder", "got 2"),
    (_with("encoder", [[0, 1]] * 13), "encoder", "expected 5..11 items, got 13"),
    (_with("encoder", EXAMPLE["encoder"][:6]), "encoder", "odd number"),
    (_with("encoder.0", [1, 2]), "encoder[0][0]", "0..0"),
    (_with("encoder.3", [3, 1]), "encoder[3][0]", "0..1"),
    (_with("encoder.4", [1, 1]), "encoder[4][0]", "2..2"),
    (_with("encoder.6", [3, 5]), "encoder[6][1]", "0..4"),
    (_with("encoder.2", [1, 1.0]), "encoder[2][1]", "integer"),
    (_with("encoder.1", "0,0"), "encoder[1]", "[input_index, op_index]"),
    (_with("space", "cts-0"), "space", "cts-1"),
]


@pytest.mark.parametrize(("arch", "path", "fragment"), BAD)
def test_bad_arch_names_field_and_allowed_values(arch, path, fragment):
    with pytest.raises(ArchError) as info:
        ag.validate(arch)
    assert info.value.path == path
    assert str(info.value).startswith(f"{path}: ")
    assert fragment in str(info.value)


def test_distinct_kinds_of_bad_input():
    # The issue asks for >= 15 distinct kinds; each path/fragment pair above is one kind.
    assert len({(p, f) for _, p, f in BAD}) >= 15


def test_arch_error_is_value_error():
    with pytest.raises(ValueError):
        ag.validate([])


@pytest.mark.parametrize("bad", [None, [], "arch", 3])
def test_top_level_must_be_object(bad):
    with pytest.raises(ArchError, match="arch: expected an object"):
        ag.validate(bad)


def test_example_is_valid_and_canonical_snaps_values(example):
    ag.validate(example)
    example["contrastive"]["LossCell"]["temperature"] = 0.1 + 1e-12
    example["hyper"]["dropout"] = 0.1000000000000001
    example["contrastive"]["EmbedCell"]["jitter"] = 0
    example["space"] = ag.SPACE_VERSION
    c = ag.canonical(example)
    assert c["contrastive"]["LossCell"]["temperature"] == 0.1
    assert c["contrastive"]["EmbedCell"]["jitter"] == 0.0
    assert isinstance(c["contrastive"]["EmbedCell"]["jitter"], float)
    assert "space" not in c
    assert ag.arch_hash(example) == ag.arch_hash(EXAMPLE)


def test_canonical_orders_params_like_enabled_ops(example):
    example["contrastive"]["AugCell1"]["params"] = {"crop": 0.3, "jitter": 0.1}
    c = ag.canonical(example)
    assert list(c["contrastive"]["AugCell1"]["params"]) == ["jitter", "crop"]
    assert ag.arch_hash(example) == ag.arch_hash(EXAMPLE)


def test_canonical_does_not_modify_input(example):
    before = copy.deepcopy(example)
    ag.canonical(example)
    assert example == before


def test_hash_is_stable_and_sensitive(example):
    # A fixed value: the hash must not change across runs, machines or Python versions.
    assert ag.arch_hash(EXAMPLE) == "bcc4f5079823e26c"
    assert len(ag.arch_hash(EXAMPLE)) == 16
    example["hyper"]["dropout"] = 0.0
    assert ag.arch_hash(example) != ag.arch_hash(EXAMPLE)
    # Aug order matters: the ops are applied in list order.
    example = copy.deepcopy(EXAMPLE)
    example["contrastive"]["AugCell1"]["enabled_ops"] = ["crop", "jitter"]
    assert ag.arch_hash(example) != ag.arch_hash(EXAMPLE)
