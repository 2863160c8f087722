"""Tiny data and archs shared by the contrastive tests (each with its own generator)."""

from __future__ import annotations

import copy
from types import SimpleNamespace

import numpy as np

from contrastive.presets import preset
from contrastive.samples import SampleTask, from_samples

BASE = {
    "contrastive": {
        "AugCell1": {"enabled_ops": ["jitter", "crop"], "params": {"jitter": 0.2, "crop": 0.3}},
        "AugCell2": {
            "enabled_ops": ["point_masking", "rescaling"],
            "params": {"point_masking": 0.2, "rescaling": 0.3},
        },
        "EmbedCell": {"jitter": 0.1, "mask": 0.1, "norm": "none"},
        "PairCell": {
            "instance": True,
            "temporal": True,
            "neighbor": False,
            "multiscale": False,
            "pool_type": "avg",
            "kernel": 2,
        },
        "LossCell": {"loss": "InfoNCE", "sim": "cosine", "temperature": 0.2},
    },
    "encoder": [[0, 1], [0, 2], [1, 3], [1, 4], [2, 0]],
    "hyper": {
        "cells": 1,
        "hidden": 16,
        "repr_dim": 32,
        "lr": 1e-3,
        "batch_size": 8,
        "dropout": 0.1,
    },
}


def tiny_series(t: int = 200, n: int = 3, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    steps = np.arange(t)[:, None]
    x = np.sin(2 * np.pi * steps / 12 + rng.uniform(0, 6, n)) + 0.3 * rng.standard_normal((t, n))
    return x.astype(np.float32)


def series_task(t: int = 200, n: int = 3) -> SimpleNamespace:
    x = tiny_series(t, n)
    a, b = int(0.6 * t), int(0.8 * t)
    mean, std = x[:a].mean(0), x[:a].std(0)
    parts = {"train": x[:a], "val": x[a:b], "test": x[b:]}
    return SimpleNamespace(
        name="tiny", splits=lambda: {k: (v - mean) / std for k, v in parts.items()}
    )


CS = (0.1, 1.0)  # a short C grid keeps the tests fast


def tiny_arch() -> dict:
    arch = copy.deepcopy(preset("ts2vec"))
    arch["hyper"].update(cells=1, hidden=16, repr_dim=32, batch_size=8)
    return arch


def separable(s: int = 24, n: int = 2, t: int = 20, seed: int = 0) -> tuple:
    """Two classes: class 1 has a +3 offset on series 0; unit noise; own generator."""
    rng = np.random.default_rng(seed)
    y = np.arange(s) % 2
    x = rng.normal(size=(s, n, t))
    x[:, 0] += 3.0 * y[:, None]
    return x, y


def sample_task(seed: int = 0) -> SampleTask:
    xtr, ytr = separable(24, seed=seed)
    xte, yte = separable(16, seed=seed + 1)
    return from_samples("tiny", xtr, ytr, xte, yte)


def edit(path: str, value) -> dict:
    """A copy of :data:`BASE` with the field at the dotted ``path`` set to ``value``."""
    arch = copy.deepcopy(BASE)
    *keys, last = path.split(".")
    node = arch
    for k in keys:
        node = node[k]
    node[last] = value
    return arch
