"""Losses and similarities against values computed by hand on tiny tensors."""

from __future__ import annotations

import math

import pytest
import torch

from contrastive.losses import (
    contrast,
    cosine_sim,
    dot_sim,
    euclidean_sim,
    info_nce,
    nt_xent,
    triplet,
)

E1, E2 = [1.0, 0.0], [0.0, 1.0]


def t(rows) -> torch.Tensor:
    return torch.tensor([rows], dtype=torch.float32)  # [G=1, M, D]


def test_similarities_by_hand():
    a = t([[3.0, 4.0], [1.0, 0.0]])
    b = t([[0.0, 0.0], [3.0, 4.0]])
    torch.testing.assert_close(dot_sim(a, b), t([[0.0, 25.0], [0.0, 3.0]]))
    torch.testing.assert_close(
        euclidean_sim(a, b), t([[-5.0, 0.0], [-1.0, -math.sqrt(20.0)]]), atol=1e-3, rtol=0
    )
    c = cosine_sim(t([[2.0, 0.0]]), t([[1.0, 1.0], [0.0, 5.0]]))
    torch.testing.assert_close(c, t([[1 / math.sqrt(2), 0.0]]))


def test_info_nce_identity_pairs_dot():
    # logits per row [1, 0], positive first: -log(e / (e + 1)) = log(1 + e^-1)
    loss = info_nce(t([E1, E2]), t([E1, E2]), dot_sim, 1.0)
    assert float(loss) == pytest.approx(math.log(1 + math.exp(-1)), abs=1e-6)  # 0.313262


def test_info_nce_is_directional_and_averages_rows():
    # a0=[1,0]: logits [1, 0] -> log(1+e^-1); a1=[1,1]: logits [1, 1] -> log 2
    loss = info_nce(t([[1.0, 0.0], [1.0, 1.0]]), t([E1, E2]), dot_sim, 1.0)
    assert float(loss) == pytest.approx((math.log(1 + math.exp(-1)) + math.log(2)) / 2, abs=1e-6)


def test_info_nce_cosine_temperature():
    # cosine ignores scale; tau 0.5 doubles logits: log(1 + e^-2)
    loss = info_nce(t([[2.0, 0.0], [0.0, 3.0]]), t([E1, E2]), cosine_sim, 0.5)
    assert float(loss) == pytest.approx(math.log(1 + math.exp(-2)), abs=1e-6)  # 0.126928


def test_info_nce_negative_euclidean():
    # distances: positive 0, negative 5 -> logits [0, -5]: log(1 + e^-5)
    p = t([[0.0, 0.0], [3.0, 4.0]])
    loss = info_nce(p, p, euclidean_sim, 1.0)
    assert float(loss) == pytest.approx(math.log(1 + math.exp(-5)), abs=1e-4)


def test_nt_xent_identity_pairs_dot():
    # z = [e1, e2, e1, e2]; anchor e1 (self excluded): twin logit 1, two negatives logit 0
    # -> -log(e / (e + 2)) = log(1 + 2/e), the same for all four anchors
    loss = nt_xent(t([E1, E2]), t([E1, E2]), dot_sim, 1.0)
    assert float(loss) == pytest.approx(math.log(1 + 2 / math.e), abs=1e-6)  # 0.551331


def test_nt_xent_is_symmetric_in_the_views():
    g = torch.Generator().manual_seed(0)
    a, b = torch.randn(2, 5, 3, generator=g), torch.randn(2, 5, 3, generator=g)
    torch.testing.assert_close(nt_xent(a, b, cosine_sim, 0.2), nt_xent(b, a, cosine_sim, 0.2))


@pytest.mark.parametrize(
    "tau,expected", [(1.0, math.log(1 + math.exp(-1))), (0.5, math.log(1 + math.exp(-2)))]
)
def test_soft_margin_triplet_dot(tau, expected):
    # s_pos = 1, s_neg = 0 for both anchors: softplus((0 - 1) / tau)
    loss = triplet(t([E1, E2]), t([E1, E2]), dot_sim, tau)
    assert float(loss) == pytest.approx(expected, abs=1e-6)


def test_triplet_three_items_by_hand():
    # a = b = [e1, e2, e1+e2] with dot: rows of s = [[1,0,1],[0,1,1],[1,1,2]]
    # anchor0: negatives 0, 1 vs pos 1 -> softplus(-1) + softplus(0)
    # anchor1: same; anchor2: negatives 1, 1 vs pos 2 -> 2 softplus(-1); mean over 6 terms
    p = t([E1, E2, [1.0, 1.0]])
    sp = lambda v: math.log(1 + math.exp(v))  # noqa: E731
    expected = (4 * sp(-1) + 2 * sp(0)) / 6
    assert float(triplet(p, p, dot_sim, 1.0)) == pytest.approx(expected, abs=1e-6)


@pytest.mark.parametrize("loss", ["InfoNCE", "NTXent", "Triplet"])
@pytest.mark.parametrize("sim", ["cosine", "dot", "euclidean"])
def test_contrast_dispatch_gradients_and_degenerate_groups(loss, sim):
    g = torch.Generator().manual_seed(1)
    a = torch.randn(3, 4, 5, generator=g, requires_grad=True)
    b = torch.randn(3, 4, 5, generator=g)
    cell = {"loss": loss, "sim": sim, "temperature": 0.2}
    value = contrast(a, b, cell)
    value.backward()
    assert math.isfinite(float(value)) and float(value) > 0
    assert float(a.grad.abs().sum()) > 0
    single = torch.randn(3, 1, 5, requires_grad=True)
    zero = contrast(single, single, cell)
    zero.backward()
    assert float(zero) == 0.0  # one item: no negatives, no loss


def test_positives_closer_means_lower_loss():
    g = torch.Generator().manual_seed(2)
    a = torch.randn(1, 8, 4, generator=g)
    noise = torch.randn(1, 8, 4, generator=g)
    for fn in (info_nce, nt_xent, triplet):
        close = fn(a, a + 0.01 * noise, cosine_sim, 0.1)
        far = fn(a, a + 3.0 * noise, cosine_sim, 0.1)
        assert float(close) < float(far)
