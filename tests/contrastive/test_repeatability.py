"""Split-half repeatability, Spearman-Brown and the seeds a label needs."""

import math

import pytest

from contrastive.repeatability import (
    Repeatability,
    r_to_tau,
    spearman_brown,
    split_half,
    tau_to_r,
)


def test_formulas_exact():
    assert tau_to_r(0.5) == pytest.approx(math.sqrt(0.5))
    assert r_to_tau(tau_to_r(0.37)) == pytest.approx(0.37)
    assert spearman_brown(0.5, 2) == pytest.approx(2 / 3)
    assert spearman_brown(2 / 3, 0.5) == pytest.approx(0.5)  # stepping down inverts it


def test_split_half_two_seeds():
    # one discordant pair of 10: tau 0.8 between seed 0 and seed 1
    table = {f"h{i}": {0: float(i), 1: float(i)} for i in range(5)}
    table["h0"][1], table["h1"][1] = 1.0, 0.0
    table["lone"] = {0: 9.0}  # one seed only: left out
    rep = split_half(table)
    assert (rep.n_archs, rep.seeds) == (5, (0, 1))
    assert rep.split_tau == pytest.approx(0.8) and rep.single_tau == pytest.approx(0.8)
    r2 = spearman_brown(math.sin(0.4 * math.pi), 2)
    assert rep.tau_at_k == pytest.approx(2 / math.pi * math.asin(r2))  # 0.8572
    assert rep.seeds_needed(0.8) == 2
    assert rep.seeds_needed(0.85) == 2 and rep.seeds_needed(0.9) == 5
    assert rep.predicted_tau(4) == pytest.approx(0.8984, abs=1e-4)
    assert rep.seeds_needed(0.99, max_seeds=10) == 10  # out of reach: capped


def test_split_half_four_seeds_steps_down_to_one():
    table = {f"h{i}": {s: float(i) for s in range(4)} for i in range(6)}
    table["h0"][1] = table["h0"][3] = 1.0  # halves (0, 2) vs (1, 3)
    table["h1"][1] = table["h1"][3] = 0.0
    rep = split_half(table)
    assert rep.seeds == (0, 1, 2, 3)
    assert rep.split_tau == pytest.approx(13 / 15)  # 1 discordant pair of 15
    r_half = math.sin(math.pi / 2 * 13 / 15)
    single = 2 / math.pi * math.asin(spearman_brown(r_half, 0.5))
    assert rep.single_tau == pytest.approx(single)
    assert rep.tau_at_k == pytest.approx(rep.predicted_tau(4))


def test_split_half_needs_repeats():
    with pytest.raises(ValueError, match="needs >= 5 archs sharing >= 2 seeds"):
        split_half({f"h{i}": {0: 1.0, 1: 2.0} for i in range(4)})
    with pytest.raises(ValueError, match="0 archs have 2\\+ seeds"):
        split_half({"a": {0: 1.0}})


def test_unrepeatable_label_needs_the_cap():
    rep = Repeatability(10, (0, 1), -0.2, -0.2, -0.2)
    assert rep.predicted_tau(5) == -0.2 and rep.seeds_needed(0.8, 7) == 7
