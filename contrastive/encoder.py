"""The spatio-temporal encoder built from an arch's ``encoder`` array.

The encoder maps ``[B, C, N, T]`` windows to ``[B, R, N, T]`` representations. Inside, tensors are
channels-last, ``[B, N, T, H]`` (batch, series, time, hidden), so every op is a few matmuls
(on CPU, 3-5x faster than the equivalent small ``Conv2d`` calls). Ops are
subclasses of :class:`STOp`, which owns dropout and calls two hooks, ``init_op`` and ``op`` (the
PyG ``BasicGNN.init_conv`` pattern); :data:`OPS` maps the arch's op index to the class, so no code
branches on op names.

Wiring (see :mod:`archgraph.validate`): state 0 is the cell input, state ``k >= 1`` the output of
node ``k - 1``; each node sums its ops' outputs; the cell's output is its last node. ``cells``
cells are stacked with a residual connection. Dilated convs use dilation ``2 ** (j mod 7)`` where
``j`` counts nodes across stacked cells, so deeper stacks see longer contexts.

Node subsets: every forward takes an optional ``nodes`` index ``[S]`` into the ``N`` series the
encoder was built for; the input then holds those ``S`` series only (``[B, C, S, T]``) and graph
ops index their per-series parameters with it (the adaptive adjacency of the subset is built from
the subset's node embeddings), as large-graph spatio-temporal training does. Without ``nodes``
the input holds all ``N`` series.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

ADJ_EMBED_DIM = 10  # node-embedding size of the adaptive adjacency (Graph WaveNet uses 10)
DIFFUSION_STEPS = 2  # powers of the adjacency mixed by diff_gcn


class STOp(nn.Module):
    """Base of the encoder ops: dropout around an ``op`` hook built by an ``init_op`` hook.

    Args:
        hidden: channels ``H`` in and out.
        n_series: number of series ``N`` (graph ops learn an ``N x N`` adjacency).
        dilation: dilation of temporal convolutions.
        dropout: dropout probability applied to the op's output.
    """

    uses_dropout = True

    def __init__(self, hidden: int, n_series: int, dilation: int, dropout: float):
        super().__init__()
        self.init_op(hidden, n_series, dilation)
        self.drop = nn.Dropout(dropout) if self.uses_dropout else nn.Identity()

    def init_op(self, hidden: int, n_series: int, dilation: int) -> None:
        """Create the op's parameters."""

    def op(self, x: torch.Tensor, nodes: torch.Tensor | None = None) -> torch.Tensor:
        """``[B, S, T, H] -> [B, S, T, H]``; ``nodes [S]`` indexes the ``N`` series (``None``:
        all of them, ``S = N``)."""
        raise NotImplementedError

    def forward(self, x: torch.Tensor, nodes: torch.Tensor | None = None) -> torch.Tensor:
        return self.drop(self.op(x, nodes))


class Skip(STOp):
    """Identity (no parameters, no dropout)."""

    uses_dropout = False

    def op(self, x: torch.Tensor, nodes: torch.Tensor | None = None) -> torch.Tensor:
        return x


class DilatedCausalConv(STOp):
    """Gated dilated causal conv along time: ``tanh(W_f * x) * sigmoid(W_g * x)``, kernel 2.

    Tap 0 sees ``x[t - dilation]`` (zero before the window), tap 1 sees ``x[t]``.
    """

    def init_op(self, hidden: int, n_series: int, dilation: int) -> None:
        self.dilation = dilation
        self.taps = nn.Linear(2 * hidden, 2 * hidden)  # [x[t-d], x[t]] -> [filter, gate]

    def op(self, x: torch.Tensor, nodes: torch.Tensor | None = None) -> torch.Tensor:
        t = x.shape[2]
        past = F.pad(x, (0, 0, self.dilation, 0))[:, :, :t]  # [B, N, T, H]: x[t - d]
        f, g = self.taps(torch.cat([past, x], dim=-1)).chunk(2, dim=-1)  # [B, N, T, H] each
        return torch.tanh(f) * torch.sigmoid(g)


class DiffusionGCN(STOp):
    """Diffusion graph conv over series with a learned adaptive adjacency (Graph WaveNet).

    ``A = softmax(relu(E1 E2^T))`` (row-normalised), output ``W [x, A x, A^2 x]``.
    """

    def init_op(self, hidden: int, n_series: int, dilation: int) -> None:
        self.e1 = nn.Parameter(torch.randn(n_series, ADJ_EMBED_DIM) * 0.1)
        self.e2 = nn.Parameter(torch.randn(n_series, ADJ_EMBED_DIM) * 0.1)
        self.mix = nn.Linear(hidden * (DIFFUSION_STEPS + 1), hidden)

    def adjacency(self, nodes: torch.Tensor | None = None) -> torch.Tensor:
        """``[S, S]`` row-stochastic adjacency among ``nodes`` (``None``: all, ``[N, N]``)."""
        e1, e2 = (self.e1, self.e2) if nodes is None else (self.e1[nodes], self.e2[nodes])
        return torch.softmax(F.relu(e1 @ e2.T), dim=1)

    def op(self, x: torch.Tensor, nodes: torch.Tensor | None = None) -> torch.Tensor:
        a = self.adjacency(nodes)  # [S, S]
        hops = [x]
        for _ in range(DIFFUSION_STEPS):
            hops.append(torch.einsum("nm,bmth->bnth", a, hops[-1]))  # [B, S, T, H]
        return self.mix(torch.cat(hops, dim=-1))  # [B, S, T, (K+1)H] -> [B, S, T, H]


def _heads(hidden: int) -> int:
    return 2 if hidden % 2 == 0 else 1


class _Attention(STOp):
    """Pre-LayerNorm multi-head self-attention over the items of ``[S, L, H]`` sequences."""

    causal = False

    def init_op(self, hidden: int, n_series: int, dilation: int) -> None:
        self.norm = nn.LayerNorm(hidden)
        self.qkv = nn.Linear(hidden, 3 * hidden)
        self.proj = nn.Linear(hidden, hidden)
        self.n_heads = _heads(hidden)

    def attend(self, seq: torch.Tensor) -> torch.Tensor:
        """``[S, L, H] -> [S, L, H]``."""
        s, length, h = seq.shape
        qkv = self.qkv(self.norm(seq)).reshape(s, length, 3, self.n_heads, h // self.n_heads)
        q, k, v = qkv.permute(2, 0, 3, 1, 4)  # each [S, heads, L, H/heads]
        out = F.scaled_dot_product_attention(q, k, v, is_causal=self.causal)
        return self.proj(out.transpose(1, 2).reshape(s, length, h))


class TemporalAttention(_Attention):
    """Causal multi-head self-attention along time, per series."""

    causal = True

    def op(self, x: torch.Tensor, nodes: torch.Tensor | None = None) -> torch.Tensor:
        b, n, t, h = x.shape
        return self.attend(x.reshape(b * n, t, h)).reshape(b, n, t, h)  # per series: [B*N, T, H]


class SpatialAttention(_Attention):
    """Multi-head self-attention across series at each timestamp."""

    def op(self, x: torch.Tensor, nodes: torch.Tensor | None = None) -> torch.Tensor:
        b, n, t, h = x.shape
        seq = x.transpose(1, 2).reshape(b * t, n, h)  # per timestamp: [B*T, N, H]
        return self.attend(seq).reshape(b, t, n, h).transpose(1, 2)


# Index order is the arch contract's (archgraph.GRIDS.encoder_ops).
OPS: tuple[type[STOp], ...] = (
    Skip,
    DilatedCausalConv,
    DiffusionGCN,
    TemporalAttention,
    SpatialAttention,
)


class Cell(nn.Module):
    """One cell: ``K`` nodes wired by the arch's ``[[input_index, op_index], ...]`` array.

    Args:
        pairs: the canonical encoder array (``2K - 1`` pairs).
        hidden, n_series, dropout: passed to each op.
        first_node: index of this cell's first node across the stack (sets dilations).
    """

    def __init__(
        self, pairs: list[list[int]], hidden: int, n_series: int, dropout: float, first_node: int
    ):
        super().__init__()
        self.inputs = [int(src) for src, _ in pairs]
        self.nodes = [(j + 1) // 2 for j in range(len(pairs))]  # pair j -> node
        self.ops = nn.ModuleList(
            OPS[int(op)](hidden, n_series, 2 ** ((first_node + node) % 7), dropout)
            for (_, op), node in zip(pairs, self.nodes, strict=True)
        )
        self.n_nodes = self.nodes[-1] + 1

    def forward(self, x: torch.Tensor, nodes: torch.Tensor | None = None) -> torch.Tensor:
        """``[B, S, T, H] -> [B, S, T, H]`` (``nodes``: see the module docstring)."""
        states = [x]
        out: torch.Tensor | None = None
        for j, (src, op) in enumerate(zip(self.inputs, self.ops, strict=True)):
            y = op(states[src], nodes)
            out = y if out is None else out + y
            last_of_node = j == len(self.ops) - 1 or self.nodes[j + 1] != self.nodes[j]
            if last_of_node:
                states.append(out)
                out = None
        return states[-1]


class Encoder(nn.Module):
    """Input projection, ``cells`` residual cells, projection to ``repr_dim``.

    Args:
        pairs: canonical encoder array.
        cells, hidden, repr_dim, dropout: the arch's ``hyper`` values.
        n_series: ``N``; in_channels: ``C``.
    """

    def __init__(
        self,
        pairs: list[list[int]],
        n_series: int,
        in_channels: int,
        cells: int,
        hidden: int,
        repr_dim: int,
        dropout: float,
    ):
        super().__init__()
        self.inp = nn.Linear(in_channels, hidden)
        k = (len(pairs) + 1) // 2
        self.cells = nn.ModuleList(
            Cell(pairs, hidden, n_series, dropout, c * k) for c in range(cells)
        )
        self.out = nn.Linear(hidden, repr_dim)

    def forward(self, x: torch.Tensor, nodes: torch.Tensor | None = None) -> torch.Tensor:
        """``[B, C, S, T] -> [B, R, S, T]`` (causal in time unless an op is not); ``nodes [S]``
        names the series of the input among the ``N`` (``None``: all, ``S = N``)."""
        h = self.inp(x.permute(0, 2, 3, 1))  # [B, S, T, H]
        for cell in self.cells:
            h = h + cell(h, nodes)  # residual keeps deep all-skip stacks finite
        return self.out(h).permute(0, 3, 1, 2)  # [B, S, T, R] -> [B, R, S, T]
