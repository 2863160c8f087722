"""The seed-averaged label's standard errors and the noise-aware training pairs."""

import math

import numpy as np
import pytest
import torch

from predictor.comparator import PAIR_RULES, Comparator, ComparatorConfig, pair_weights
from predictor.labels import aggregate, aggregate_se

from .toyspace import TOY, toy_label


def _archs(n, seed=0):
    out, seen = [], set()
    for a in TOY.sample(4 * n, seed):
        if TOY.arch_hash(a) not in seen:
            seen.add(TOY.arch_hash(a))
            out.append(a)
    return out[:n]


FEATS = {"t0": np.array([0.0, 1.0], np.float32)}


def test_pair_weights_exact():
    diff = np.array([0.5, -2.0, 1.0, 3.0])
    se = np.array([1.0, 1.0, np.nan, 0.0])
    assert pair_weights(diff, se, "none").tolist() == [1.0, 1.0, 1.0, 1.0]
    # |diff| / se = 0.5, 2.0; unknown or zero SE counts fully
    assert pair_weights(diff, se, "drop").tolist() == [0.0, 1.0, 1.0, 1.0]
    assert pair_weights(diff, se, "drop", z=0.25).tolist() == [1.0, 1.0, 1.0, 1.0]
    w = pair_weights(diff, se, "weight")
    assert w[0] == pytest.approx(math.erf(0.5 / math.sqrt(2)))  # 2 Phi(0.5) - 1 = 0.3829
    assert w[0] == pytest.approx(0.38292492, abs=1e-8)
    assert w[1] == pytest.approx(0.95449974, abs=1e-8)
    assert w[2:].tolist() == [1.0, 1.0]
    assert PAIR_RULES == ("none", "drop", "weight")
    with pytest.raises(ValueError, match="unknown pair_rule"):
        ComparatorConfig(pair_rule="sometimes")
    with pytest.raises(ValueError, match="pair_z"):
        ComparatorConfig(pair_z=0)


def test_aggregate_se_means_ses_and_pooled_lone_archs():
    a, b, c = _archs(3)
    recs = [
        {"arch": a, "task": "t", "label": 1.0},
        {"arch": a, "task": "t", "label": 3.0},  # mean 2, sd sqrt(2), se 1
        {"arch": b, "task": "t", "label": 5.0},  # alone: pooled sd sqrt(2) / 1
        {"arch": c, "task": "u", "label": 0.5, "se": 0.1, "k": 4},  # already averaged
    ]
    data, noise = aggregate_se(TOY, recs)
    by_hash = {
        t: dict(zip(map(TOY.arch_hash, archs), zip(m, s, strict=True), strict=True))
        for t, (archs, m, s) in data.items()
    }
    assert by_hash["t"][TOY.arch_hash(a)] == pytest.approx((2.0, 1.0))
    assert by_hash["t"][TOY.arch_hash(b)] == pytest.approx((5.0, math.sqrt(2.0)))
    assert by_hash["u"][TOY.arch_hash(c)] == pytest.approx((0.5, 0.1))
    assert noise == pytest.approx(np.median([math.sqrt(2.0), 0.2]))
    plain, plain_noise = aggregate(TOY, recs[:3])
    assert sorted(plain["t"][1].tolist()) == [2.0, 5.0] and plain_noise == pytest.approx(
        math.sqrt(2.0)
    )
    # nothing repeated on a task: the SE is unknown (NaN), and such pairs count fully
    lone, _ = aggregate_se(TOY, [{"arch": a, "task": "t", "label": 1.0}])
    assert np.isnan(lone["t"][2]).all()


def _state(comp):
    return {k: v.clone() for k, v in comp.net.state_dict().items()}


def test_rules_without_repeats_train_exactly_as_none():
    archs = _archs(30)
    recs = [{"arch": x, "task": "t0", "label": toy_label(x, 0)} for x in archs]
    states = []
    for rule in PAIR_RULES:
        comp = Comparator(TOY, ComparatorConfig.tiny(epochs=3, pair_rule=rule))
        comp.fit(recs, FEATS)
        states.append(_state(comp))
    for s in states[1:]:
        assert all(torch.equal(s[k], states[0][k]) for k in s)


def test_noisy_pairs_change_training_and_all_drop_is_refused():
    archs = _archs(30)
    rng = np.random.default_rng(0)
    recs = [
        {"arch": x, "task": "t0", "label": toy_label(x, 0) + float(rng.normal(0, 0.5))}
        for x in archs
        for _ in range(2)
    ]
    states = {}
    for rule in PAIR_RULES:
        comp = Comparator(TOY, ComparatorConfig.tiny(epochs=3, pair_rule=rule))
        hist = comp.fit(recs, FEATS)
        assert hist["n_train_archs"] == 24
        states[rule] = _state(comp)
    for rule in ("drop", "weight"):
        assert not all(torch.equal(states[rule][k], states["none"][k]) for k in states["none"])
    # every pair inside its noise: nothing left to learn from, said plainly
    flat = [{"arch": x, "task": "t0", "label": float(s)} for x in archs for s in (0.0, 10.0)]
    with pytest.raises(ValueError, match="no training pair"):
        Comparator(TOY, ComparatorConfig.tiny(epochs=2, pair_rule="drop")).fit(flat, FEATS)
