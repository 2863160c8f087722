"""The option grids of the contrastive time-series space, in one versioned place.

Every option a candidate ("arch") can take lives here. Bump ``SPACE_VERSION`` whenever a grid
changes: stored labels and checkpoints record the version they were made with, and loading a
checkpoint of another version is refused.
"""

from __future__ import annotations

from dataclasses import dataclass

SPACE_VERSION = "cts-1"


@dataclass(frozen=True)
class Grids:
    """All option grids of space version ``cts-1``.

    The grids are exactly those of the project's design issue; none was refined yet. Ordinal
    grids are kept sorted because the graph encoding scales each value by its index.
    """

    aug_ops: tuple[str, ...] = (
        "resize",
        "jitter",
        "rescaling",
        "point_masking",
        "frequency_masking",
        "crop",
    )
    strengths: tuple[float, ...] = (0.1, 0.2, 0.3, 0.4, 0.5)
    # EmbedCell jitter/mask: "off" (0.0) or one of the strengths.
    embed_strengths: tuple[float, ...] = (0.0, 0.1, 0.2, 0.3, 0.4, 0.5)
    norms: tuple[str, ...] = ("none", "l2", "layernorm", "batchnorm")
    pool_types: tuple[str, ...] = ("avg", "max")
    kernels: tuple[int, ...] = (2, 3, 5)
    losses: tuple[str, ...] = ("InfoNCE", "NTXent", "Triplet")
    sims: tuple[str, ...] = ("cosine", "dot", "euclidean")
    temperatures: tuple[float, ...] = (0.05, 0.1, 0.2, 0.3, 0.5, 1.0)
    # Encoder op vocabulary; the index order is part of the contract (arch arrays store indices).
    encoder_ops: tuple[str, ...] = ("skip", "dcc", "diff_gcn", "trans", "s_trans")
    min_nodes: int = 3
    max_nodes: int = 6
    cells: tuple[int, ...] = (1, 2, 3)
    hidden: tuple[int, ...] = (16, 32, 64)
    repr_dim: tuple[int, ...] = (32, 64, 128)
    lr: tuple[float, ...] = (3e-4, 1e-3, 3e-3)
    batch_size: tuple[int, ...] = (8, 16, 32)
    dropout: tuple[float, ...] = (0.0, 0.1)

    @property
    def hyper(self) -> dict[str, tuple]:
        """The ``hyper`` section's grids, in their canonical key order."""
        return {
            "cells": self.cells,
            "hidden": self.hidden,
            "repr_dim": self.repr_dim,
            "lr": self.lr,
            "batch_size": self.batch_size,
            "dropout": self.dropout,
        }


GRIDS = Grids()

# The pair constructions; at least one of the first three must be on.
PAIR_FLAGS = ("instance", "temporal", "neighbor", "multiscale")
PAIR_REQUIRED_ONE_OF = ("instance", "temporal", "neighbor")
