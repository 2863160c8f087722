"""The settings of a comparator: :class:`ComparatorConfig` and the names it picks from.

This module imports no torch, so ``python -m predictor.train --help`` builds its flags from
these fields (``predictor.train.ComparatorTrainConfig`` inherits them) and answers at once.
The choices are ``Literal`` types: one list per setting, which the CLI, the config file check
and :class:`ComparatorConfig`'s own check share; the registries of :mod:`predictor.models` are
keyed by the same names (a test holds them equal).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any, Literal, get_args

from cliconfig import option

Gnn = Literal["gcn", "gin", "gat", "sage"]
Readout = Literal["mean", "sum", "attention"]
JumpingKnowledge = Literal["last", "cat", "max", "lstm"]
Fusion = Literal["none", "concat", "film", "attention"]
TaskInputs = Literal["stats", "set", "both"]
Head = Literal["score", "concat"]
PairRule = Literal["none", "drop", "weight"]

TASK_INPUTS: tuple[str, ...] = get_args(TaskInputs)
PAIR_RULES: tuple[str, ...] = get_args(PairRule)

_CHOICES = {
    "gnn": Gnn,
    "readout": Readout,
    "jk": JumpingKnowledge,
    "fusion": Fusion,
    "task_inputs": TaskInputs,
    "head": Head,
    "pair_rule": PairRule,
}

_MODEL, _TRAINING = "comparator model", "comparator training"


@dataclass
class ComparatorConfig:
    """Everything that defines a comparator and its training. ``tiny()`` is the CPU test config.

    ``noise``: pairs whose labels differ by at most this are dropped (``-1``: the measured label
    noise, the median std over seeds). ``pair_rule``: how a training pair's own label noise
    counts, from the standard errors of its two mean labels (``labels.aggregate_se``): ``none``
    (every pair counts fully), ``drop`` (pairs whose mean labels differ by at most ``pair_z``
    times their combined SE ``sqrt(se_a^2 + se_b^2)`` are dropped) or ``weight`` (each pair's
    loss is weighted by ``2 * Phi(|diff| / combined SE) - 1``, the confidence that its order is
    not noise). Pairs with no SE estimate (no repeated seed on the task) count fully.
    ``batch_archs``: archs of one task per step; all pairs among them are used.
    """

    gnn: Gnn = option("gin", "the arch graph's GNN", group=_MODEL)
    depth: int = option(3, "GNN layers", group=_MODEL)
    width: int = option(64, "GNN width", group=_MODEL)
    readout: Readout = option("sum", "graph readout", group=_MODEL)
    jk: JumpingKnowledge | None = option(None, "GNN jumping knowledge", group=_MODEL)
    bidirectional: bool = option(True, "message passing both ways along edges", group=_MODEL)
    fusion: Fusion = option("film", "how task features enter the arch embedding", group=_MODEL)
    task_inputs: TaskInputs = option(
        "stats", "the task branch reads task statistics, a window set, or both", group=_MODEL
    )
    task_dim: int = option(32, "task branch width", group=_MODEL)
    head: Head = option("score", "score (antisymmetric) or concat (AutoCTS++)", group=_MODEL)
    head_hidden: int = option(64, "head width", group=_MODEL)
    dropout: float = option(0.0, "GNN dropout", group=_MODEL)
    lr: float = option(2e-3, "AdamW learning rate", group=_TRAINING)
    weight_decay: float = option(1e-4, "AdamW weight decay", group=_TRAINING)
    epochs: int = option(300, "training epochs at most", group=_TRAINING)
    batch_archs: int = option(64, "archs of one task per step", group=_TRAINING)
    steps_per_epoch: int = option(
        0, "steps per epoch (0: one pass over the archs)", group=_TRAINING
    )
    patience: int = option(40, "early stopping: epochs without a better val tau", group=_TRAINING)
    eval_every: int = option(5, "epochs between validations", group=_TRAINING)
    noise: float = option(
        0.0, "drop pairs whose labels differ by at most this (-1: measured noise)", group=_TRAINING
    )
    pair_rule: PairRule = option(
        "none",
        "noise-aware pairs, from the SEs of the seed-averaged labels: drop pairs closer than "
        "--pair-z combined SEs, or weight each by the confidence its order is real",
        group=_TRAINING,
    )
    pair_z: float = option(1.0, "--pair-rule drop: threshold in combined SEs", group=_TRAINING)
    val_fraction: float = option(0.2, "archs per task held out for validation", group=_TRAINING)
    concat_refs: int = option(64, "concat head: reference archs per task", group=_TRAINING)
    threads: int = option(1, "torch CPU threads while training and scoring", group=_TRAINING)
    seed: int = option(0, "random seed")

    def __post_init__(self) -> None:
        for name, choices in _CHOICES.items():
            value = getattr(self, name)
            allowed = get_args(choices)
            if value not in allowed and not (name == "jk" and value is None):
                raise ValueError(f"unknown {name} {value!r}; choose from {sorted(allowed)}")
        if not self.pair_z > 0:
            raise ValueError(f"pair_z must be > 0, got {self.pair_z}")

    @classmethod
    def tiny(cls, **overrides: Any) -> ComparatorConfig:
        base = dict(
            depth=2,
            width=16,
            task_dim=8,
            head_hidden=16,
            epochs=30,
            batch_archs=32,
            patience=10,
            eval_every=2,
            concat_refs=16,
        )
        return cls(**{**base, **overrides})

    @classmethod
    def fast(cls, **overrides: Any) -> ComparatorConfig:
        """The real config at GNN width 32: the same synthetic-label tau as width 64
        (benchmarks/results/predictor_synthetic_speed_w32; not compared on real labels) and
        ~1.5x less search CPU on the cts space (benchmarks/results/predictor_search_speed)."""
        return cls(**{"width": 32, **overrides})

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> ComparatorConfig:
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in d.items() if k in known})
