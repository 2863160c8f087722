import numpy as np
import pytest

from predictor.comparator import Comparator, ComparatorConfig
from predictor.metrics import kendall_tau
from predictor.surrogates import (
    SURROGATES,
    ArchMemo,
    ComparatorSurrogate,
    GPSurrogate,
    make_surrogate,
)

from .toyspace import TOY, toy_label, unique_archs


@pytest.fixture(scope="module")
def pool():
    return unique_archs(800, 3)


@pytest.fixture(scope="module")
def prior_comp(pool):
    """A tiny comparator trained on task 1 only: the zero-shot prior for task 0 is weak."""
    comp = Comparator(TOY, ComparatorConfig.tiny(epochs=40, patience=40, lr=1e-2, fusion="none"))
    comp.fit([{"arch": a, "task": "t1", "label": toy_label(a, 1)} for a in pool[:120]], {})
    return comp


def _surrogates(prior_comp):
    return {n: make_surrogate(n, TOY, comp=prior_comp, task=None, seed=0) for n in SURROGATES}


def test_every_surrogate_keeps_the_contract(pool, prior_comp):
    labels = np.array([toy_label(a) for a in pool[:20]])
    for name, s in _surrogates(prior_comp).items():
        assert s.fit(pool[:20], labels, seed=1) is s
        out = s.score(pool[20:50])
        assert out.shape == (30,) and out.dtype == np.float64, name
        assert np.isfinite(out).all(), name
        # The same labels and seed give the same scores (every random choice is seeded).
        again = make_surrogate(name, TOY, comp=prior_comp, task=None, seed=0)
        np.testing.assert_array_equal(again.fit(pool[:20], labels, seed=1).score(pool[20:50]), out)


def test_forest_and_gp_learn_the_toy_label(pool):
    train, test = pool[:60], pool[60:]
    y_test = np.array([toy_label(a) for a in test])
    for name in ("rf", "gp"):
        s = make_surrogate(name, TOY, seed=0, **({"acquisition": "mean"} if name == "gp" else {}))
        s.fit(train, np.array([toy_label(a) for a in train]))
        assert kendall_tau(s.score(test), y_test) > 0.6, name


def test_feature_surrogates_score_at_random_before_two_labels(pool):
    s = make_surrogate("rf", TOY, seed=0).fit(pool[:1], np.array([1.0]))
    a, b = s.score(pool[:10]), s.score(pool[:10])
    assert not np.array_equal(a, b)  # fresh uniform draws: a random initial design
    assert ((a >= 0) & (a < 1)).all()


def test_gp_expected_improvement_is_positive_and_prefers_the_promising(pool):
    train = pool[:40]
    gp = GPSurrogate(TOY, seed=0).fit(train, np.array([toy_label(a) for a in train]))
    ei = gp.score(pool[40:])
    assert (ei >= 0).all() and ei.max() > 0
    mean = GPSurrogate(TOY, seed=0, acquisition="mean").fit(
        train, np.array([toy_label(a) for a in train])
    )
    # EI's favourite is among the archs the posterior mean ranks well.
    m = mean.score(pool[40:])
    assert (m > m[int(np.argmax(ei))]).mean() < 0.25
    with pytest.raises(ValueError, match="acquisition"):
        GPSurrogate(TOY, acquisition="ucb")


def test_comparator_keeps_the_prior_with_few_labels_and_learns_with_many(pool, prior_comp):
    zero = make_surrogate("zeroshot", TOY, comp=prior_comp)
    comp = ComparatorSurrogate(prior_comp, None, min_cv=6)
    few = pool[:5]
    comp.fit(few, np.array([toy_label(a) for a in few]))
    assert comp.weight == 0.0
    np.testing.assert_array_equal(comp.score(pool[100:]), zero.score(pool[100:]))
    many = pool[:60]
    comp.fit(many, np.array([toy_label(a) for a in many]), seed=0)
    assert set(comp.cv) == {0.0, 0.25, 0.5, 0.75, 1.0}
    assert comp.weight > 0  # the prior is for another task: fine-tuning wins on held-out labels
    y = np.array([toy_label(a) for a in pool[100:]])
    assert kendall_tau(comp.score(pool[100:]), y) > kendall_tau(zero.score(pool[100:]), y) + 0.1


def test_arch_memo_computes_each_arch_once(pool):
    calls = []

    def fn(archs):
        calls.append(len(archs))
        return np.array([[toy_label(a)] for a in archs])

    memo = ArchMemo(fn)
    first = memo(pool[:10])
    again = memo(pool[5:15] + pool[5:6])
    assert calls == [10, 5]
    np.testing.assert_array_equal(again[:5], first[5:])
    np.testing.assert_array_equal(again[-1], first[5])


def test_make_surrogate_rejects_unknown_names_and_missing_comparator():
    with pytest.raises(ValueError, match="unknown surrogate"):
        make_surrogate("tpe", TOY)
    with pytest.raises(ValueError, match="score head"):
        make_surrogate("comparator", TOY)


def test_prior_gp_starts_from_the_prior_and_drops_a_backward_one(pool, prior_comp):
    from predictor.surrogates import PriorGPSurrogate, comparator_prior

    prior = comparator_prior(prior_comp, None)
    s = make_surrogate("priorgp", TOY, comp=prior_comp, seed=0).fit(pool[:1], np.array([1.0]))
    np.testing.assert_array_equal(s.score(pool[10:40]), prior(pool[10:40]))  # zero-shot start
    train, test = pool[:60], pool[100:]
    y = np.array([toy_label(a) for a in train])
    # A prior that is the exact label: the fitted map leans on it (slope < 0) and EI follows.
    exact = PriorGPSurrogate(TOY, lambda archs: -np.array([toy_label(a) for a in archs]))
    exact.fit(train, y)
    assert exact.slope < -0.2
    y_test = np.array([toy_label(a) for a in test])
    assert kendall_tau(exact.score(test), y_test) > 0.5
    # A prior that ranks the target backwards is given no weight: plain GP-SMBO.
    backward = PriorGPSurrogate(TOY, lambda archs: np.array([toy_label(a) for a in archs]))
    assert backward.fit(train, y).slope == 0.0
    gp = GPSurrogate(TOY).fit(train, y)
    np.testing.assert_allclose(backward.score(test), gp.score(test), atol=1e-9)
