"""PairCell: which representations are contrasted, over a hierarchy of pooled time scales.

Representations of the two views are ``z1, z2: [B, R, N, T]``. An *instance* is one
(sample, series) pair, so ``B * N`` instances per batch.

- instance contrast: at each timestamp, ``z1`` and ``z2`` of the same instance are positives; the
  other instances (other series and other samples) at that timestamp are negatives.
- temporal contrast: within an instance, the same timestamp in both views is positive; other
  timestamps are negatives.
- neighbor contrast: within an instance, ``z1`` at ``t`` and ``z2`` at ``t + 1`` are positives;
  other timestamps are negatives.
- hierarchy: both views are pooled along time (``pool_type`` avg/max, window and stride
  ``kernel``) while at least ``kernel`` steps remain; the losses above are summed over all levels.
- multiscale (cross-scale) contrast: a pooled representation at level ``l + 1`` and each of the
  ``kernel`` finer ones it came from (level ``l``, other view) are positives; the other pooled
  timestamps' children are negatives. Averaged over the children, both directions of the views.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import torch
import torch.nn.functional as F

from .losses import contrast

POOLS: Mapping[str, Callable[..., torch.Tensor]] = {"avg": F.avg_pool2d, "max": F.max_pool2d}


def instance_sets(z: torch.Tensor) -> torch.Tensor:
    """``[B, R, N, T] -> [T, B*N, R]``: groups are timestamps, items are instances."""
    b, r, n, t = z.shape
    return z.permute(3, 0, 2, 1).reshape(t, b * n, r)


def temporal_sets(z: torch.Tensor) -> torch.Tensor:
    """``[B, R, N, T] -> [B*N, T, R]``: groups are instances, items are timestamps."""
    b, r, n, t = z.shape
    return z.permute(0, 2, 3, 1).reshape(b * n, t, r)


def pool(z: torch.Tensor, pool_type: str, kernel: int) -> torch.Tensor:
    """``[B, R, N, T] -> [B, R, N, T // kernel]`` (trailing remainder dropped)."""
    return POOLS[pool_type](z, kernel_size=(1, kernel), stride=(1, kernel))


def cross_scale(
    coarse: torch.Tensor, fine: torch.Tensor, kernel: int, loss_cell: Mapping
) -> torch.Tensor:
    """Coarse ``[B, R, N, Tc]`` vs the fine ``[B, R, N, Tf]`` steps it pooled; scalar."""
    tc = coarse.shape[-1]
    a = temporal_sets(coarse)  # [B*N, Tc, R]
    losses = [
        contrast(
            a, temporal_sets(fine[..., j : tc * kernel : kernel]), loss_cell
        )  # child j of each
        for j in range(kernel)
    ]
    return torch.stack(losses).mean()


def level_losses(
    z1: torch.Tensor, z2: torch.Tensor, pair_cell: Mapping, loss_cell: Mapping
) -> dict[str, torch.Tensor]:
    """The enabled contrasts at one level. ``z1``, ``z2``: ``[B, R, N, T]``."""
    out: dict[str, torch.Tensor] = {}
    if pair_cell["instance"]:
        out["instance"] = contrast(instance_sets(z1), instance_sets(z2), loss_cell)
    if pair_cell["temporal"]:
        out["temporal"] = contrast(temporal_sets(z1), temporal_sets(z2), loss_cell)
    if pair_cell["neighbor"]:
        a = temporal_sets(z1)[:, :-1]  # [B*N, T-1, R] at t
        b = temporal_sets(z2)[:, 1:]  # [B*N, T-1, R] at t + 1
        out["neighbor"] = contrast(a, b, loss_cell)
    return out


def hierarchical_loss(
    z1: torch.Tensor, z2: torch.Tensor, pair_cell: Mapping, loss_cell: Mapping
) -> tuple[torch.Tensor, dict[str, float]]:
    """Sum of the PairCell's contrasts over all pooled levels.

    Args:
        z1, z2: the two views' representations, ``[B, R, N, T]``.
        pair_cell, loss_cell: canonical arch cells.

    Returns:
        ``(total, parts)``: the scalar loss and a per-kind breakdown (floats, summed over levels).
    """
    k = int(pair_cell["kernel"])
    total = z1.sum() * 0.0
    parts: dict[str, float] = {}
    level = 0
    while True:
        terms = level_losses(z1, z2, pair_cell, loss_cell)
        if z1.shape[-1] < k:
            for name, value in terms.items():
                total = total + value
                parts[name] = parts.get(name, 0.0) + float(value.detach())
            break
        c1, c2 = pool(z1, pair_cell["pool_type"], k), pool(z2, pair_cell["pool_type"], k)
        if pair_cell["multiscale"]:
            terms["multiscale"] = 0.5 * (
                cross_scale(c1, z2, k, loss_cell) + cross_scale(c2, z1, k, loss_cell)
            )
        for name, value in terms.items():
            total = total + value
            parts[name] = parts.get(name, 0.0) + float(value.detach())
        z1, z2 = c1, c2
        level += 1
    parts["levels"] = float(level + 1)
    return total, parts
