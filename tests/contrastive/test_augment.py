"""Each augmentation op does what its strength documents; all randomness is the generator's."""

from __future__ import annotations

import math

import pytest
import torch

from contrastive.augment import (
    AUG_OPS,
    augment,
    crop,
    frequency_masking,
    jitter,
    point_masking,
    rescaling,
    resize,
)


def gen(seed: int = 0) -> torch.Generator:
    return torch.Generator().manual_seed(seed)


def ramp(b: int = 2, c: int = 1, n: int = 3, t: int = 40) -> torch.Tensor:
    return torch.arange(t, dtype=torch.float32).expand(b, c, n, t).clone()


def test_jitter_adds_exactly_the_generators_gaussian_noise():
    x = torch.zeros(4, 1, 5, 1000)
    out = jitter(x, 0.3, gen(1))
    expected = 0.3 * torch.randn(x.shape, generator=gen(1))
    torch.testing.assert_close(out, expected)
    assert abs(float(out.std()) - 0.3) < 0.01
    assert abs(float(out.mean())) < 0.01


def test_rescaling_is_one_factor_per_series_with_std_s():
    x = torch.ones(400, 1, 5, 20)
    out = rescaling(x, 0.2, gen(2))
    factors = out[..., 0]  # [B, C, N]
    assert torch.equal(out, factors[..., None].expand_as(out))  # constant along time
    assert abs(float(factors.mean()) - 1.0) < 0.02
    assert abs(float(factors.std()) - 0.2) < 0.02


@pytest.mark.parametrize("s", [0.1, 0.3, 0.5])
def test_point_masking_masks_about_s_of_points_over_all_channels(s):
    x = torch.ones(8, 2, 5, 500)
    out = point_masking(x, s, gen(3))
    zero = out == 0
    assert abs(float(zero.float().mean()) - s) < 0.02
    assert torch.equal(zero[:, 0], zero[:, 1])  # a masked point is masked in every channel
    assert torch.equal(out[~zero], x[~zero])  # unmasked points untouched


@pytest.mark.parametrize("s,t", [(0.3, 48), (0.5, 32), (0.1, 100)])
def test_frequency_masking_zeroes_round_s_times_bins(s, t):
    torch.manual_seed(0)
    x = torch.randn(3, 1, 4, t, generator=gen(9))
    out = frequency_masking(x, s, gen(4))
    spec_in = torch.fft.rfft(x, dim=-1).abs()
    spec = torch.fft.rfft(out, dim=-1).abs()
    n_bins = t // 2 + 1
    assert bool((spec_in > 1e-3).all())
    zeroed = (spec < 1e-4).sum(-1)  # [B, C, N]
    assert bool((zeroed == round(s * n_bins)).all())
    kept = spec >= 1e-4
    torch.testing.assert_close(spec[kept], spec_in[kept], atol=1e-4, rtol=1e-4)


def test_resize_keeps_length_and_linear_series():
    x = ramp()
    out = resize(x, 0.5, gen(5))
    assert out.shape == x.shape
    torch.testing.assert_close(out, x, atol=1e-4, rtol=0)  # linear interpolation of a line is exact
    wave = torch.sin(torch.linspace(0, 12 * math.pi, 40)).expand(1, 1, 1, 40)
    assert not torch.allclose(resize(wave, 0.5, gen(5)), wave, atol=1e-3)


@pytest.mark.parametrize("s", [0.1, 0.3, 0.5])
def test_crop_keeps_a_contiguous_segment_of_1_minus_s_and_stretches_it(s):
    t = 40
    x = ramp(b=16, t=t)
    out = crop(x, s, gen(6))
    length = round(t * (1 - s))
    assert out.shape == x.shape
    span = out[..., -1] - out[..., 0]  # the segment's first and last values
    torch.testing.assert_close(span, torch.full_like(span, float(length - 1)))
    assert bool((out[..., 0] >= 0).all()) and bool((out[..., -1] <= t - 1).all())
    starts = out[:, 0, 0, 0]
    assert len(set(starts.tolist())) > 1  # random start per sample


def test_augment_applies_ops_in_the_arch_order_with_its_strengths():
    x = torch.randn(2, 1, 3, 24, generator=gen(7))
    cell = {
        "enabled_ops": ["jitter", "point_masking"],
        "params": {"jitter": 0.2, "point_masking": 0.4},
    }
    g1 = gen(8)
    manual = point_masking(jitter(x, 0.2, g1), 0.4, g1)
    torch.testing.assert_close(augment(x, cell, gen(8)), manual)
    swapped = {"enabled_ops": ["point_masking", "jitter"], "params": cell["params"]}
    assert not torch.allclose(augment(x, swapped, gen(8)), manual)


@pytest.mark.parametrize("op", sorted(AUG_OPS))
def test_every_op_is_reproducible_from_the_generator_alone(op):
    x = torch.randn(3, 1, 4, 30, generator=gen(10))
    torch.manual_seed(123)
    a = AUG_OPS[op](x, 0.3, gen(11))
    torch.manual_seed(456)  # global state must not matter
    b = AUG_OPS[op](x, 0.3, gen(11))
    assert torch.equal(a, b)
    assert a.shape == x.shape
    assert not torch.equal(a, x)
