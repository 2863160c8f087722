import numpy as np

import archgraph as ag
from archgraph import GRIDS

from .conftest import EXAMPLE


def _values(arch: dict) -> set[tuple]:
    """Every (field, value) an arch exhibits, for coverage counting."""
    c = arch["contrastive"]
    seen = set()
    for cell in ("AugCell1", "AugCell2"):
        ops = c[cell]["enabled_ops"]
        seen.add((cell, "size", len(ops)))
        for pos, op in enumerate(ops):
            seen.add((cell, "op@pos", op, pos))
            seen.add((cell, "strength", op, c[cell]["params"][op]))
    for section in ("EmbedCell", "PairCell", "LossCell"):
        for key, value in c[section].items():
            seen.add((section, key, value))
    k = (len(arch["encoder"]) + 1) // 2
    seen.add(("encoder", "K", k))
    for j, (src, op) in enumerate(arch["encoder"]):
        seen.add(("encoder", "op@pair", j, op))
        seen.add(("encoder", "input@pair", j, src))
    for key, value in arch["hyper"].items():
        seen.add(("hyper", key, value))
    return seen


def _all_values() -> set[tuple]:
    g = GRIDS
    want = set()
    for cell in ("AugCell1", "AugCell2"):
        want |= {(cell, "size", n) for n in range(1, 7)}
        want |= {(cell, "op@pos", op, p) for op in g.aug_ops for p in range(6)}
        want |= {(cell, "strength", op, s) for op in g.aug_ops for s in g.strengths}
    want |= {("EmbedCell", k, v) for k in ("jitter", "mask") for v in g.embed_strengths}
    want |= {("EmbedCell", "norm", v) for v in g.norms}
    want |= {
        ("PairCell", f, b)
        for f in ("instance", "temporal", "neighbor", "multiscale")
        for b in (True, False)
    }
    want |= {("PairCell", "pool_type", v) for v in g.pool_types}
    want |= {("PairCell", "kernel", v) for v in g.kernels}
    want |= {("LossCell", "loss", v) for v in g.losses}
    want |= {("LossCell", "sim", v) for v in g.sims}
    want |= {("LossCell", "temperature", v) for v in g.temperatures}
    want |= {("encoder", "K", k) for k in range(3, 7)}
    for j in range(11):
        want |= {("encoder", "op@pair", j, op) for op in range(5)}
        node = (j + 1) // 2
        inputs = [0] if j == 0 else (range(node) if j % 2 else [node])
        want |= {("encoder", "input@pair", j, s) for s in inputs}
    want |= {("hyper", k, v) for k, grid in g.hyper.items() for v in grid}
    return want


def test_every_value_of_every_field_occurs_in_2000_samples():
    seen = set().union(*(_values(a) for a in ag.sample(2000, seed=0)))
    missing = _all_values() - seen
    assert not missing, sorted(map(str, missing))[:10]


def test_samples_are_canonical_and_valid():
    for arch in ag.sample(300, seed=3):
        assert ag.canonical(arch) == arch


def test_same_seed_same_archs_other_seed_other_archs():
    a = ag.sample(50, seed=7)
    assert a == ag.sample(50, seed=7)
    assert a != ag.sample(50, seed=8)
    # The first archs do not depend on how many are drawn.
    assert ag.sample(5, seed=7) == a[:5]


def test_sampling_is_roughly_uniform_per_field():
    archs = ag.sample(3000, seed=1)
    losses = np.array([GRIDS.losses.index(a["contrastive"]["LossCell"]["loss"]) for a in archs])
    counts = np.bincount(losses, minlength=3)
    assert counts.min() > 850  # expected 1000 each; 5 sigma is ~130
    pair_combos = {
        tuple(a["contrastive"]["PairCell"][f] for f in ("instance", "temporal", "neighbor"))
        for a in archs
    }
    assert len(pair_combos) == 7 and (False, False, False) not in pair_combos


def _diff_count(a: dict, b: dict) -> int:
    """Number of leaf fields that differ (lists compared whole)."""
    if isinstance(a, dict) and isinstance(b, dict):
        keys = set(a) | set(b)
        return sum(_diff_count(a.get(k), b.get(k)) for k in keys)
    return int(a != b)


def test_mutate_returns_valid_neighbour_one_section_changed():
    rng = np.random.default_rng(0)
    arch = ag.canonical(EXAMPLE)
    kinds = set()
    for _ in range(500):
        child = ag.mutate(arch, rng)
        assert child == ag.canonical(child)
        assert child != arch
        # One field changed; an aug cell change may touch its op list and its params together.
        assert 1 <= _diff_count(child, arch) <= 2
        kinds.add(next(k for k in ("contrastive", "encoder", "hyper") if child[k] != arch[k]))
        arch = child
    assert kinds == {"contrastive", "encoder", "hyper"}


def test_mutate_is_seeded():
    a = ag.mutate(EXAMPLE, np.random.default_rng(5))
    assert a == ag.mutate(EXAMPLE, np.random.default_rng(5))
