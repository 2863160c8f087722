"""``ContrastiveNet``: the trainable net an arch describes (views, encoder, EmbedCell, PairCell, loss).

Training step: two views of windows ``x: [B, C, N, T]`` by AugCell1 / AugCell2 -> shared encoder ->
``[B, R, N, T]`` each -> EmbedCell (norm, then jitter ``N(0, s^2)``, then timestamp masking: each
(sample, series, timestamp) representation is zeroed with probability ``mask``) -> PairCell's
hierarchical contrasts with the LossCell's loss. Downstream probes use :meth:`encode`, the frozen
encoder output before the EmbedCell.
"""

from __future__ import annotations

from collections.abc import Mapping

import torch
from torch import nn

from archgraph import canonical

from .augment import augment
from .encoder import Encoder
from .pairs import hierarchical_loss


class L2Norm(nn.Module):
    """Unit L2 norm over the representation axis of ``[B, R, N, T]``."""

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return nn.functional.normalize(z, dim=1, eps=1e-8)


class ChannelLayerNorm(nn.Module):
    """LayerNorm over ``R`` of ``[B, R, N, T]``."""

    def __init__(self, dim: int):
        super().__init__()
        self.norm = nn.LayerNorm(dim)

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return self.norm(z.permute(0, 2, 3, 1)).permute(0, 3, 1, 2)


NORMS: Mapping[str, type[nn.Module] | None] = {
    "none": None,
    "l2": L2Norm,
    "layernorm": ChannelLayerNorm,
    "batchnorm": nn.BatchNorm2d,
}


def _make_norm(kind: str, dim: int) -> nn.Module:
    cls = NORMS[kind]
    if cls is None:
        return nn.Identity()
    return cls() if cls is L2Norm else cls(dim)


class EmbedCell(nn.Module):
    """Norm, jitter and timestamp masking of representations (training only for jitter/mask)."""

    def __init__(self, cell: Mapping, repr_dim: int):
        super().__init__()
        self.jitter = float(cell["jitter"])
        self.mask = float(cell["mask"])
        self.norm = _make_norm(cell["norm"], repr_dim)

    def forward(self, z: torch.Tensor, gen: torch.Generator) -> torch.Tensor:
        """``[B, R, N, T] -> [B, R, N, T]``."""
        z = self.norm(z)
        if self.jitter > 0:
            noise = torch.randn(z.shape, generator=gen, device=gen.device).to(z)
            z = z + self.jitter * noise
        if self.mask > 0:
            b, _, n, t = z.shape
            keep = torch.rand((b, 1, n, t), generator=gen, device=gen.device).to(z) >= self.mask
            z = z * keep.to(z.dtype)  # [B, R, N, T]; masked timestamps are zero vectors
        return z


class ContrastiveNet(nn.Module):
    """The contrastive net of one arch.

    Args:
        arch: an arch dict (validated and canonicalised here).
        n_series: ``N``, the number of series of the task.
        in_channels: ``C``, channels per series (1 for a ``[T, N]`` task).
    """

    def __init__(self, arch: Mapping, n_series: int, in_channels: int = 1):
        super().__init__()
        self.arch = canonical(arch)
        hyper = self.arch["hyper"]
        c = self.arch["contrastive"]
        self.encoder = Encoder(
            self.arch["encoder"],
            n_series=n_series,
            in_channels=in_channels,
            cells=hyper["cells"],
            hidden=hyper["hidden"],
            repr_dim=hyper["repr_dim"],
            dropout=hyper["dropout"],
        )
        self.embed = EmbedCell(c["EmbedCell"], hyper["repr_dim"])
        self.repr_dim = int(hyper["repr_dim"])

    def forward(self, x: torch.Tensor, nodes: torch.Tensor | None = None) -> torch.Tensor:
        """Representations: ``[B, C, S, T] -> [B, R, S, T]``; ``nodes [S]`` indexes the input's
        series among the ``N`` (``None``: all, ``S = N``; see :mod:`contrastive.encoder`)."""
        return self.encoder(x, nodes)

    encode = forward

    def views(self, x: torch.Tensor, gen: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
        """The two augmented views of ``x: [B, C, N, T]``."""
        c = self.arch["contrastive"]
        return augment(x, c["AugCell1"], gen), augment(x, c["AugCell2"], gen)

    def loss(
        self, x: torch.Tensor, gen: torch.Generator, nodes: torch.Tensor | None = None
    ) -> tuple[torch.Tensor, dict[str, float]]:
        """Contrastive loss of a batch ``x: [B, C, S, T]`` of the series ``nodes [S]`` (``None``:
        all); returns ``(scalar, parts)``."""
        v1, v2 = self.views(x, gen)
        b = x.shape[0]
        z = self.encoder(torch.cat([v1, v2], dim=0), nodes)  # [2B, R, S, T]: both views at once
        z1 = self.embed(z[:b], gen)
        z2 = self.embed(z[b:], gen)
        c = self.arch["contrastive"]
        return hierarchical_loss(z1, z2, c["PairCell"], c["LossCell"])
