"""Named reference archs.

``ts2vec``: a TS2Vec-like arch (Yue et al., 2022): instance + temporal contrast over a max-pooling
hierarchy with kernel 2, dot-product similarity, InfoNCE at temperature 1 (TS2Vec has none), a
residual dilated-conv encoder (each node = dilated causal conv of the previous node + skip of the
one before), light jitter/rescaling views and timestamp masking of the representations.
"""

from __future__ import annotations

import copy

from archgraph import canonical

_TS2VEC = {
    "contrastive": {
        "AugCell1": {"enabled_ops": ["jitter"], "params": {"jitter": 0.1}},
        "AugCell2": {
            "enabled_ops": ["rescaling", "jitter"],
            "params": {"rescaling": 0.1, "jitter": 0.1},
        },
        "EmbedCell": {"jitter": 0.0, "mask": 0.1, "norm": "none"},
        "PairCell": {
            "instance": True,
            "temporal": True,
            "neighbor": False,
            "multiscale": False,
            "pool_type": "max",
            "kernel": 2,
        },
        "LossCell": {"loss": "InfoNCE", "sim": "dot", "temperature": 1.0},
    },
    # node0 = dcc(x); node1 = skip(x) + dcc(node0); node2 = skip(node0) + dcc(node1)
    "encoder": [[0, 1], [0, 0], [1, 1], [1, 0], [2, 1]],
    "hyper": {
        "cells": 2,
        "hidden": 64,
        "repr_dim": 128,
        "lr": 1e-3,
        "batch_size": 8,
        "dropout": 0.1,
    },
}

PRESETS: dict[str, dict] = {"ts2vec": canonical(_TS2VEC)}


def preset(name: str) -> dict:
    """A copy of the named preset arch; raises ``ValueError`` listing the names if unknown."""
    if name not in PRESETS:
        raise ValueError(f"unknown preset {name!r}; known: {sorted(PRESETS)}")
    return copy.deepcopy(PRESETS[name])
