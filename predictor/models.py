"""Network pieces of the comparator, chosen by name through small registries (no if/elif chains).

- :data:`GNNS`: arch encoders from ``torch_geometric.nn.models`` (BasicGNN family).
- :data:`READOUTS`: graph readouts ``(h [N, W], batch [N], G) -> [G, W]``.
- :data:`FUSIONS`: how the task vector ``t [G, Dt]`` meets the node embeddings.
- :data:`HEADS`: pair heads; every head gives ``pair_logits(E, ia, ib) -> [P]`` with
  ``P(a better than b) = sigmoid(logit)``.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable

import torch
from torch import nn
from torch_geometric.nn import aggr
from torch_geometric.nn.models import GAT, GCN, GIN, GraphSAGE
from torch_geometric.utils import softmax

GNNS: dict[str, Callable[..., nn.Module]] = {"gcn": GCN, "gin": GIN, "gat": GAT, "sage": GraphSAGE}
# Convs whose sparse-adjacency path computes the same sums as message passing (sum / mean of
# the neighbours); gcn and gat renormalise or add self loops differently there.
SPARSE_GNNS = ("gin", "sage")


def sparse_adjacency(edge_index: torch.Tensor, n: int) -> torch.Tensor | None:
    """``adj_t [n, n]`` as a float32 CSR tensor (row = target, column = source), the input
    PyG convs aggregate with one sparse matmul instead of a gather and a scatter over edges.

    Columns are sorted within a row, so a target sums its sources in index order (on the
    topologically numbered arch graphs: the order of message passing). ``None`` if an edge
    repeats (a CSR entry can't hold it twice, and a weight of 2 would change mean aggregation).
    """
    key = torch.sort(edge_index[1] * n + edge_index[0]).values
    if key.numel() > 1 and bool((key[1:] == key[:-1]).any()):
        return None
    crow = torch.zeros(n + 1, dtype=torch.long)
    crow[1:] = torch.cumsum(torch.bincount(edge_index[1], minlength=n), 0)
    with warnings.catch_warnings():  # "sparse CSR support is in beta"
        warnings.simplefilter("ignore", UserWarning)
        return torch.sparse_csr_tensor(
            crow, key % n, torch.ones(key.numel()), (n, n), check_invariants=False
        )


def mlp(sizes: list[int], dropout: float = 0.0) -> nn.Sequential:
    """Linear layers with ReLU (and dropout) between them; none after the last."""
    layers: list[nn.Module] = []
    for i in range(len(sizes) - 1):
        layers.append(nn.Linear(sizes[i], sizes[i + 1]))
        if i < len(sizes) - 2:
            layers.append(nn.ReLU())
            if dropout:
                layers.append(nn.Dropout(dropout))
    return nn.Sequential(*layers)


class Readout(nn.Module):
    """``(h [N, W], batch [N], G) -> [G, W]`` with a PyG aggregation."""

    def __init__(self, agg: nn.Module):
        super().__init__()
        self.agg = agg

    def forward(self, h: torch.Tensor, batch: torch.Tensor, n_graphs: int) -> torch.Tensor:
        return self.agg(h, batch, dim_size=n_graphs)


READOUTS: dict[str, Callable[[int], Readout]] = {
    "mean": lambda w: Readout(aggr.MeanAggregation()),
    "sum": lambda w: Readout(aggr.SumAggregation()),
    "attention": lambda w: Readout(aggr.AttentionalAggregation(nn.Linear(w, 1), nn.Linear(w, w))),
}


class NoTaskFusion(nn.Module):
    """Ignores the task: ``readout(h)``; out ``[G, W]``."""

    def __init__(self, width: int, task_dim: int, readout: Readout):
        super().__init__()
        self.readout, self.out_dim = readout, width

    def forward(self, h, batch, n_graphs, t):
        return self.readout(h, batch, n_graphs)


def _per_graph(t: torch.Tensor, n_graphs: int) -> torch.Tensor:
    return t.expand(n_graphs, -1) if t.size(0) == 1 else t


class ConcatFusion(nn.Module):
    """AutoCTS++: ``concat(readout(h), t)``; out ``[G, W + Dt]``."""

    def __init__(self, width: int, task_dim: int, readout: Readout):
        super().__init__()
        self.readout, self.out_dim = readout, width + task_dim

    def forward(self, h, batch, n_graphs, t):
        return torch.cat([self.readout(h, batch, n_graphs), _per_graph(t, n_graphs)], dim=1)


class FiLMFusion(nn.Module):
    """The task modulates every node embedding: ``relu(h * (1 + gamma(t)) + beta(t))``, then
    readout; out ``[G, W]``."""

    def __init__(self, width: int, task_dim: int, readout: Readout):
        super().__init__()
        self.readout, self.out_dim = readout, width
        self.film = nn.Linear(task_dim, 2 * width)
        nn.init.zeros_(self.film.weight)
        nn.init.zeros_(self.film.bias)

    def forward(self, h, batch, n_graphs, t):
        gamma, beta = self.film(t).chunk(2, dim=1)  # [G or 1, W] each
        if gamma.size(0) != 1:  # one task for all graphs broadcasts without a gather
            gamma, beta = gamma[batch], beta[batch]
        h = torch.relu(h * (1 + gamma) + beta)
        return self.readout(h, batch, n_graphs)


class AttentionFusion(nn.Module):
    """The task queries the nodes: ``sum_i softmax_i(q(t) . k(h_i)) v(h_i)`` beside the readout
    and ``t``; out ``[G, 2W + Dt]``."""

    def __init__(self, width: int, task_dim: int, readout: Readout):
        super().__init__()
        self.readout, self.out_dim = readout, 2 * width + task_dim
        self.q, self.k, self.v = (
            nn.Linear(task_dim, width),
            nn.Linear(width, width),
            nn.Linear(width, width),
        )
        self.scale = 1 / math.sqrt(width)

    def forward(self, h, batch, n_graphs, t):
        t = _per_graph(t, n_graphs)
        logits = (self.q(t)[batch] * self.k(h)).sum(1) * self.scale  # [N]
        alpha = softmax(logits, batch, num_nodes=h.size(0))
        pooled = aggr.SumAggregation()(alpha.unsqueeze(1) * self.v(h), batch, dim_size=n_graphs)
        return torch.cat([self.readout(h, batch, n_graphs), pooled, t], dim=1)


FUSIONS: dict[str, type[nn.Module]] = {
    "none": NoTaskFusion,
    "concat": ConcatFusion,
    "film": FiLMFusion,
    "attention": AttentionFusion,
}


class TaskBranch(nn.Module):
    """Task vector from standardised statistics (MLP) and/or a window set (DeepSets).

    Input: ``stats [T, S]`` and ``windows [T, W, D]`` (either may be unused); out ``[T, Dt]``.
    The standardisation constants are buffers, fitted on the training tasks.
    """

    def __init__(self, inputs: str, stats_dim: int, set_dim: int, task_dim: int):
        super().__init__()
        self.use_stats, self.use_set = inputs in ("stats", "both"), inputs in ("set", "both")
        self.register_buffer("mean", torch.zeros(stats_dim))
        self.register_buffer("std", torch.ones(stats_dim))
        parts = 0
        if self.use_stats:
            self.stats_mlp = mlp([stats_dim, task_dim, task_dim])
            parts += task_dim
        if self.use_set:
            self.phi = mlp([set_dim, task_dim, task_dim])
            parts += task_dim
        self.out = nn.Linear(parts, task_dim) if parts else None

    def forward(self, stats: torch.Tensor, windows: torch.Tensor) -> torch.Tensor:
        parts = []
        if self.use_stats:
            parts.append(self.stats_mlp((stats - self.mean) / self.std))
        if self.use_set:
            parts.append(self.phi(windows).mean(1))
        return torch.relu(self.out(torch.cat(parts, 1)))


class ScoreHead(nn.Module):
    """Antisymmetric: ``logit(a, b) = s(a) - s(b)``, so ``P(a>b) = 1 - P(b>a)`` and one total order."""

    has_scores = True

    def __init__(self, dim: int, hidden: int, dropout: float = 0.0):
        super().__init__()
        self.s = mlp([dim, hidden, 1], dropout)

    def scores(self, e: torch.Tensor) -> torch.Tensor:
        """``[G, d] -> [G]``."""
        return self.s(e).squeeze(1)

    def pair_logits(self, e: torch.Tensor, ia: torch.Tensor, ib: torch.Tensor) -> torch.Tensor:
        s = self.scores(e)
        return s[ia] - s[ib]


class ConcatPairHead(nn.Module):
    """AutoCTS++: ``MLP(concat(e_a, e_b))``; trained on both orders of every pair."""

    has_scores = False

    def __init__(self, dim: int, hidden: int, dropout: float = 0.0):
        super().__init__()
        self.f = mlp([2 * dim, hidden, hidden, 1], dropout)

    def project(self, e: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """The first layer is linear in the concat, ``W [e_a; e_b] = W_a e_a + W_b e_b``: project
        each arch once (``[G, H]`` twice) and gather per pair."""
        first, d = self.f[0], e.size(1)
        return e @ first.weight[:, :d].T + first.bias, e @ first.weight[:, d:].T

    def logits_from_projection(
        self, uv: tuple[torch.Tensor, torch.Tensor], ia: torch.Tensor, ib: torch.Tensor
    ) -> torch.Tensor:
        return self.f[1:](uv[0][ia] + uv[1][ib]).squeeze(1)

    def pair_logits(self, e: torch.Tensor, ia: torch.Tensor, ib: torch.Tensor) -> torch.Tensor:
        """Equal to ``f(cat(e[ia], e[ib]))`` (tested), computed through :meth:`project`."""
        return self.logits_from_projection(self.project(e), ia, ib)


HEADS: dict[str, type[nn.Module]] = {"score": ScoreHead, "concat": ConcatPairHead}


class ComparatorNet(nn.Module):
    """Arch GNN + task branch + fusion + pair head.

    ``embed(x, edge_index, batch, G, t) -> [G, d]`` where ``t`` is ``[G, Dt]`` or ``[1, Dt]``
    (one task for all graphs), or ``None`` without a task branch.
    """

    def __init__(self, cfg, feature_dim: int, stats_dim: int, set_dim: int):
        super().__init__()
        self.gnn = GNNS[cfg.gnn](
            in_channels=feature_dim,
            hidden_channels=cfg.width,
            num_layers=cfg.depth,
            out_channels=cfg.width,
            dropout=cfg.dropout,
            jk=cfg.jk,
        )
        self.bidirectional = cfg.bidirectional
        # Inference aggregates with a sparse matmul where the conv has that path (gin, sage).
        self.sparse = cfg.gnn in SPARSE_GNNS
        self.task = (
            TaskBranch(cfg.task_inputs, stats_dim, set_dim, cfg.task_dim)
            if cfg.fusion != "none"
            else None
        )
        self.fusion = FUSIONS[cfg.fusion](cfg.width, cfg.task_dim, READOUTS[cfg.readout](cfg.width))
        self.head = HEADS[cfg.head](self.fusion.out_dim, cfg.head_hidden, cfg.dropout)

    def task_vector(self, stats: torch.Tensor, windows: torch.Tensor) -> torch.Tensor | None:
        """``[T, S], [T, W, D] -> [T, Dt]`` (None without a task branch)."""
        return None if self.task is None else self.task(stats, windows)

    def embed(self, x, edge_index, batch, n_graphs: int, t: torch.Tensor | None) -> torch.Tensor:
        if self.bidirectional:
            edge_index = torch.cat([edge_index, edge_index.flip(0)], dim=1)
        if self.sparse and not torch.is_grad_enabled():
            adj_t = sparse_adjacency(edge_index, x.size(0))
            edge_index = edge_index if adj_t is None else adj_t
        h = self.gnn(x, edge_index)  # [N, W]
        return self.fusion(h, batch, n_graphs, t)  # t: [G, Dt] or [1, Dt] (one task for all)
