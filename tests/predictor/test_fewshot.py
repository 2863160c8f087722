"""Few-label GNN ranker: pretraining, fitting and scoring on the toy space (seconds)."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from predictor.fewshot import RankerConfig, fit_scores, pretrain_encoder
from predictor.graphs import GraphTable
from predictor.metrics import kendall_tau

from .toyspace import TOY, toy_label

TINY = dict(depth=2, width=16, head_hidden=16, epochs=60, ensemble=2, pretrain_epochs=2)


@pytest.fixture(scope="module")
def pool():
    archs = TOY.sample(120, seed=0)
    table = GraphTable(TOY, archs, validated=True)
    labels = np.array([toy_label(a) for a in archs])
    return archs, table, labels


def _targets(archs) -> tuple[torch.Tensor, list[tuple[int, int]]]:
    """One-hot of the first op and of k: ``[G, 7]``, groups (0, 4) and (4, 7)."""
    t = torch.zeros(len(archs), 7)
    for i, a in enumerate(archs):
        t[i, "abcd".index(a["ops"][0])] = 1
        t[i, 4 + a["k"]] = 1
    return t, [(0, 4), (4, 7)]


@pytest.mark.parametrize("loss", ["pairwise", "mse"])
def test_fit_scores_learns_toy_ranking(pool, loss):
    archs, table, labels = pool
    tr = np.arange(60)
    s = fit_scores(table, tr, labels[tr], RankerConfig(loss=loss, **TINY))
    assert s.shape == (len(archs),) and np.isfinite(s).all()
    assert kendall_tau(s[60:], labels[60:]) > 0.5


def test_fit_scores_is_seeded_and_score_idx_matches_pool(pool):
    _, table, labels = pool
    tr = np.arange(40)
    cfg = RankerConfig(**{**TINY, "ensemble": 1})
    a = fit_scores(table, tr, labels[tr], cfg)
    b = fit_scores(table, tr, labels[tr], cfg)
    np.testing.assert_array_equal(a, b)
    sub = fit_scores(table, tr, labels[tr], cfg, score_idx=np.arange(50, 70))
    # Standardised over a different set: same order, so rank correlation 1.
    assert kendall_tau(sub, -a[50:70]) == pytest.approx(1.0)


def test_side_features_must_match_config(pool):
    archs, table, labels = pool
    side = torch.randn(len(archs), 3, generator=torch.Generator().manual_seed(0))
    with pytest.raises(ValueError, match="side"):
        fit_scores(table, np.arange(10), labels[:10], RankerConfig(**TINY), side=side)
    s = fit_scores(table, np.arange(10), labels[:10], RankerConfig(side=True, **TINY), side=side)
    assert s.shape == (len(archs),)


@pytest.mark.parametrize("objective", ["mask", "ae", "mask+ae"])
def test_pretrain_then_finetune(pool, objective):
    archs, table, labels = pool
    targets, groups = _targets(archs)
    cfg = RankerConfig(pretrain=objective, **TINY)
    state, history = pretrain_encoder(table, cfg, slice(3, 8), targets, groups, seed=0)
    assert len(history) == cfg.pretrain_epochs and all(np.isfinite(history))
    assert history[-1] < history[0]
    tr = np.arange(60)
    s = fit_scores(table, tr, labels[tr], cfg, encoder_state=state)
    assert kendall_tau(s[60:], labels[60:]) > 0.4


def test_pretrain_ae_needs_targets(pool):
    _, table, _ = pool
    with pytest.raises(ValueError, match="targets"):
        pretrain_encoder(table, RankerConfig(pretrain="ae", **TINY), slice(3, 8))


def test_unknown_options_raise():
    with pytest.raises(ValueError, match="loss"):
        RankerConfig(loss="hinge")
    with pytest.raises(ValueError, match="pretrain"):
        RankerConfig(pretrain="simclr")
