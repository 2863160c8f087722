import numpy as np
import pytest

from benchmarks import baselines as B
from benchmarks.metrics import kendall_tau

SPEC = {"name": "t", "nodes": 3, "ops": {"a": {"k": [1, 2, 3]}, "b": {}}}


def test_rank_matrix_and_average_rank():
    labels = np.array([[0.1, 0.3, 0.2], [np.nan, 0.5, 0.4]])
    r = B.rank_matrix(labels)
    np.testing.assert_allclose(r[0], [0.0, 1.0, 0.5])
    assert np.isnan(r[1, 0])
    np.testing.assert_allclose(r[1, 1:], [1.0, 0.0])
    # Averages: arch0 0.0 (one source), arch1 1.0, arch2 0.25 -> scores are the negatives.
    np.testing.assert_allclose(B.average_rank_scores(labels), [-0.0, -1.0, -0.25])
    # An arch no source labels is neutral.
    s = B.average_rank_scores(np.array([[np.nan, 1.0, 2.0]]))
    assert s[0] == -0.5


def test_best_source_picks_by_selector():
    target = np.array([0.1, 0.2, 0.3, 0.4])
    sources = np.stack([target[::-1], target + 1.0])  # source 1 ranks like the target
    t, s = B.best_source_scores(sources, lambda sc: kendall_tau(sc, target))
    assert t == 1 and kendall_tau(s, target) == pytest.approx(1.0)


def test_random_scores_seeded():
    np.testing.assert_array_equal(B.random_scores(5, 3), B.random_scores(5, 3))
    assert not np.array_equal(B.random_scores(5, 3), B.random_scores(5, 4))


@pytest.mark.parametrize("kind", B.REGRESSORS)
def test_regressors_learn_a_simple_function(kind):
    rng = np.random.default_rng(0)
    x = rng.random((120, 4))
    y = x[:, 0] * 2 + x[:, 1]
    s = B.regressor_scores(kind, x[:80], y[:80], x[80:], seed=0, small=True)
    assert kendall_tau(s, y[80:]) > 0.6
    with pytest.raises(ValueError, match="unknown regressor"):
        B.make_regressor("svm", 0)
