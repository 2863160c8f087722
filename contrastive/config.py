"""The label protocol's settings: :class:`TrainConfig` and the label kinds it chooses from.

Needs no torch, so a CLI can build and check a config before the training stack loads. What each
setting does is in the protocol (:mod:`contrastive.protocol`); the evidence behind each default is
in ``benchmarks/results/label_protocol.md``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal, get_args

import numpy as np

from . import resources
from .resources import DEFAULT_MAX_MEMORY_GB

# 2: the default label is the kNN probe's val MSE (1: the ridge probe's); stored in code_version
LABEL_VERSION = 2
ALPHAS: tuple[float, ...] = tuple(float(a) for a in np.logspace(-3, 3, 13))
LabelKind = Literal["val_mse", "scarce_val_mse", "gain", "scarce_gain", "knn_val_mse", "knn_gain"]
LABEL_KINDS: tuple[str, ...] = get_args(LabelKind)


@dataclass
class TrainConfig:
    """Everything a label depends on besides the arch and the task (passed explicitly).

    Each field is also a flag of ``python -m contrastive.train`` (its help is the line below), so
    the entries are plain text.

    Attributes:
        steps: optimiser steps (the budget).
        window: steps per training window and probe input.
        horizons: forecast horizons of the probe, comma-separated; the first is the headline.
        device: auto (CUDA when available), cpu, cuda...
        seed: seeds init, batches, views and noise.
        threads: torch and BLAS CPU threads while a label runs (restored after).
        grad_clip: max global gradient norm.
        weight_decay: AdamW weight decay.
        schedule: learning rate after the warm-up: constant, or cosine down to a tenth of the
            arch's lr.
        warmup: linear warm-up steps.
        probe_windows: max evenly spaced probe windows per split.
        knn_k: neighbours of the kNN probe (cosine similarity of representations; a forecast is
            the last value plus the neighbours' mean change).
        scarce_windows: labelled train windows of the label-scarce ridge probe.
        label_kind: the metric that is the label.
        probe_cv: how the full ridge probe picks alpha: blocked (5 contiguous time blocks of
            train windows) or loo (leave-one-out, which picks too-small alphas on
            autocorrelated windows; see the protocol document).
        checkpoints: steps after which the net is also probed (at{S}_ metrics: cheap-fidelity
            labels from the same run), comma-separated.
        short_lags: lag window of the short raw-lag reference.
        long_lags: lag window of the long raw-lag reference (capped to what fits every split).
        alphas: the ridge probes' alpha grid.
        max_memory_gb: refuse up front (a failed record, before any work) a label whose
            estimated peak memory (contrastive.resources.label_bytes) exceeds this many GiB; 0:
            no cap. Per label, so per sweep worker.
        node_subset: S, series per training step: on a task of more than S series every step
            trains on a fresh seeded random subset of S of them (graph ops index their node
            embeddings with it), so a step's time and memory depend on S, not on the task's
            width; narrower tasks train on all. Not part of the arch.
        probe_nodes: M, the most series the probes see: on a wider task they run on a fixed
            seeded subset of M series (contrastive.probes.probe_node_index, the same for every
            arch and seed of a task, recorded in the label), the encoder seeing those M only; 0:
            all series.
    """

    steps: int = 30
    window: int = 32
    horizons: tuple[int, ...] = (12,)
    device: str = "auto"
    seed: int = 0
    threads: int = 1
    grad_clip: float = 1.0
    weight_decay: float = 0.01
    schedule: Literal["constant", "cosine"] = "constant"
    warmup: int = 0
    probe_windows: int = 256
    knn_k: int = 10
    scarce_windows: int = 32
    label_kind: LabelKind = "knn_val_mse"
    probe_cv: Literal["blocked", "loo"] = "blocked"
    checkpoints: tuple[int, ...] = ()
    short_lags: int = 48
    long_lags: int = 336
    alphas: tuple[float, ...] = field(default=ALPHAS)
    max_memory_gb: float = DEFAULT_MAX_MEMORY_GB
    node_subset: int = 32
    # 16 probed series x 256 windows per split: twice the probe rows of an 8-series task; the
    # frozen forward over them is most of a wide label's time (64 would take 4x as long).
    probe_nodes: int = 16

    @classmethod
    def tiny(cls, **overrides: Any) -> TrainConfig:
        """A config that labels a tiny task in well under a second on one CPU thread."""
        base = dict(
            steps=4,
            window=16,
            horizons=(4,),
            probe_windows=48,
            scarce_windows=8,
            short_lags=16,
            long_lags=32,
        )
        base.update(overrides)
        return cls(**base)

    def check(self) -> None:
        """Raise ``ValueError`` on a config that cannot run."""
        if self.steps < 0 or self.window < 2 or not self.horizons or min(self.horizons) < 1:
            raise ValueError(
                f"bad budget/window/horizons: {self.steps}, {self.window}, {self.horizons}"
            )
        if self.knn_k < 1:
            raise ValueError(f"knn_k must be >= 1, got {self.knn_k}")
        if self.label_kind not in LABEL_KINDS:
            raise ValueError(f"label_kind {self.label_kind!r} not in {LABEL_KINDS}")
        if self.probe_cv not in ("blocked", "loo"):
            raise ValueError(f"probe_cv {self.probe_cv!r} not in ('blocked', 'loo')")
        if self.schedule not in ("constant", "cosine"):
            raise ValueError(f"schedule {self.schedule!r} not in ('constant', 'cosine')")
        if self.node_subset < 1 or self.probe_nodes < 0:
            raise ValueError(
                f"node_subset must be >= 1 and probe_nodes >= 0 (0: all), got "
                f"{self.node_subset}, {self.probe_nodes}"
            )
        resources.cap_bytes(self.max_memory_gb)  # raises on a negative or non-finite cap
