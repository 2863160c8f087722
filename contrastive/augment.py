"""Time-series augmentations of the AugCells: each op's strength ``s`` has one documented meaning.

All ops take windows ``x`` of shape ``[B, C, N, T]`` (batch, channels, series, time), a strength
``s`` in ``0.1..0.5`` and a ``torch.Generator``; they never touch global random state and return a
new tensor of the same shape.

| op                  | meaning of strength ``s``                                                   |
|---------------------|------------------------------------------------------------------------------|
| ``jitter``          | adds i.i.d. ``N(0, s^2)`` noise to every point                               |
| ``rescaling``       | multiplies each (sample, channel, series) by one factor drawn from ``N(1, s^2)`` |
| ``point_masking``   | zeroes each point (all channels) with probability ``s`` (~``s`` of the points) |
| ``frequency_masking``| zeroes ``round(s * F)`` randomly chosen rFFT bins of each (sample, series), ``F = T // 2 + 1`` |
| ``resize``          | linearly resamples the window to ``round(T * r)`` steps, ``r ~ U(1 - s, 1 + s)`` per batch, then back to ``T`` |
| ``crop``            | keeps a random contiguous ``round(T * (1 - s))``-step segment per sample and stretches it back to ``T`` |
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

import torch
import torch.nn.functional as F

AugFn = Callable[[torch.Tensor, float, torch.Generator], torch.Tensor]


def _rand(shape: Sequence[int], gen: torch.Generator, like: torch.Tensor) -> torch.Tensor:
    return torch.rand(tuple(shape), generator=gen, device=gen.device).to(like.device, like.dtype)


def _randn(shape: Sequence[int], gen: torch.Generator, like: torch.Tensor) -> torch.Tensor:
    return torch.randn(tuple(shape), generator=gen, device=gen.device).to(like.device, like.dtype)


def jitter(x: torch.Tensor, s: float, gen: torch.Generator) -> torch.Tensor:
    """Add ``N(0, s^2)`` noise. ``x``: ``[B, C, N, T]``."""
    return x + s * _randn(x.shape, gen, x)


def rescaling(x: torch.Tensor, s: float, gen: torch.Generator) -> torch.Tensor:
    """Multiply each (sample, channel, series) by a factor drawn from ``N(1, s^2)``."""
    b, c, n, _ = x.shape
    factor = 1.0 + s * _randn((b, c, n, 1), gen, x)  # [B, C, N, 1]
    return x * factor


def point_masking(x: torch.Tensor, s: float, gen: torch.Generator) -> torch.Tensor:
    """Zero each time point (over all channels) with probability ``s``."""
    b, _, n, t = x.shape
    keep = (_rand((b, 1, n, t), gen, x) >= s).to(x.dtype)  # [B, 1, N, T]
    return x * keep


def frequency_masking(x: torch.Tensor, s: float, gen: torch.Generator) -> torch.Tensor:
    """Zero ``round(s * F)`` random rFFT bins per (sample, series), ``F = T // 2 + 1``."""
    b, _, n, t = x.shape
    spec = torch.fft.rfft(x, dim=-1)  # [B, C, N, F]
    n_bins = spec.shape[-1]
    k = int(round(s * n_bins))
    if k == 0:
        return x.clone()
    order = _rand((b, 1, n, n_bins), gen, x).argsort(dim=-1)  # random permutation of bins
    drop = torch.zeros((b, 1, n, n_bins), dtype=torch.bool, device=x.device)
    drop.scatter_(-1, order[..., :k], True)  # [B, 1, N, F], exactly k True per (b, n)
    spec = spec.masked_fill(drop, 0)
    return torch.fft.irfft(spec, n=t, dim=-1)


def _resample(x: torch.Tensor, length: int) -> torch.Tensor:
    """Linear interpolation along the last axis of ``[B, C, N, T]`` to ``length`` steps."""
    b, c, n, t = x.shape
    flat = x.reshape(b, c * n, t)  # [B, C*N, T]
    out = F.interpolate(flat, size=length, mode="linear", align_corners=True)
    return out.reshape(b, c, n, length)


def resize(x: torch.Tensor, s: float, gen: torch.Generator) -> torch.Tensor:
    """Resample to ``round(T * r)`` steps, ``r ~ U(1 - s, 1 + s)``, then back to ``T``."""
    t = x.shape[-1]
    r = 1.0 - s + 2.0 * s * float(torch.rand((), generator=gen, device=gen.device))
    length = max(2, int(round(t * r)))
    return _resample(_resample(x, length), t)


def crop(x: torch.Tensor, s: float, gen: torch.Generator) -> torch.Tensor:
    """Keep a random ``round(T * (1 - s))``-step segment per sample, stretched back to ``T``."""
    b, c, n, t = x.shape
    length = max(2, int(round(t * (1.0 - s))))
    starts = (_rand((b,), gen, x) * (t - length + 1)).long().clamp(max=t - length)  # [B]
    idx = starts[:, None] + torch.arange(length, device=x.device)[None, :]  # [B, L]
    seg = torch.gather(x, -1, idx[:, None, None, :].expand(b, c, n, length))  # [B, C, N, L]
    return _resample(seg, t)


AUG_OPS: Mapping[str, AugFn] = {
    "resize": resize,
    "jitter": jitter,
    "rescaling": rescaling,
    "point_masking": point_masking,
    "frequency_masking": frequency_masking,
    "crop": crop,
}


def augment(x: torch.Tensor, cell: Mapping, gen: torch.Generator) -> torch.Tensor:
    """Apply an AugCell's enabled ops in the arch's order.

    Args:
        x: windows ``[B, C, N, T]``.
        cell: ``{"enabled_ops": [...], "params": {op: strength}}`` (canonical AugCell).
        gen: the generator that owns all randomness.

    Returns:
        The augmented view, ``[B, C, N, T]``.
    """
    for op in cell["enabled_ops"]:
        x = AUG_OPS[op](x, float(cell["params"][op]), gen)
    return x
