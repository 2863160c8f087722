"""The label protocol: train one arch's contrastive net on a task and measure it with a probe.

One path serves both kinds of task (:func:`label` for series, :func:`classify_label` for
labelled samples); the evidence behind each default is in
``benchmarks/results/label_protocol.md``:

1. Check the config and refuse, before any work, a label whose estimated memory exceeds
   ``cfg.max_memory_gb`` (:func:`check_memory`, a ``failed`` record; see
   :mod:`contrastive.resources`). Run with ``cfg.threads`` torch and BLAS threads
   (:func:`contrastive.training.compute_settings`; restored after).
2. Seed everything from ``cfg.seed`` (``torch.manual_seed`` for init and dropout, one
   ``torch.Generator`` for batches, views and EmbedCell noise). ``torch.set_flush_denormal(True)``.
3. Probe the *untrained* encoder (the same init) first, then train ``cfg.steps`` AdamW steps
   (:func:`contrastive.training.train_net`), then probe again, with the task's probe
   (:mod:`contrastive.probes`).
4. The record holds the trained and the untrained metrics (``untrained_*``) and the label.

Series tasks (:func:`label`): :class:`~contrastive.probes.ForecastProbe`. Metrics (MSE/MAE, first
horizon unless suffixed ``_h{H}``) of the full and label-scarce ridge probes and of the kNN probe,
and the *gains* ``trained / untrained`` (below 1: training helped). ``label`` is the metric named
by ``cfg.label_kind`` (default ``knn_val_mse``: of the probes measured, it depends most on
training and is the most repeatable; see ``benchmarks/results/label_protocol.md``, section 8);
lower is better for every kind. ``cfg.checkpoints`` also probes the net after those steps
(``at{S}_`` metrics).

Labelled samples (:func:`classify_label`): :class:`~contrastive.probes.SampleProbe`, training on
random windows of ``min(cfg.window, L)`` steps of random train samples. Reported: the
cross-validated train accuracy (``cv_acc``) and the test accuracy (``test_acc``) for every time
pooling; ``label`` is the test error ``1 - test_acc`` of the first pooling (lower is better, as
for every label of the project); ``acc_gain`` is trained minus untrained test accuracy (above 0:
training helped).

A label never raises on a training problem: it returns ``status="failed"`` with the reason
(:func:`failures_recorded`).
"""

from __future__ import annotations

import dataclasses
import math
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np
import torch

from archgraph import arch_hash, canonical

from . import resources
from .config import TrainConfig
from .data import DataError
from .net import ContrastiveNet
from .probes import (
    C_GRID,
    POOLS,
    ForecastProbe,
    Probe,
    SampleProbe,
    check_pooling,
    probe_node_index,
)
from .samples import SampleTask
from .training import compute_settings, train_net


def task_text(task: Any) -> str:
    """``task 'name' from file.csv``: how memory messages name a task."""
    source = getattr(task, "source", "")
    return f"task {getattr(task, 'name', '?')!r}" + (f" from {source}" if source else "")


def check_memory(
    arch: dict,
    shape: tuple[int, ...],
    cfg: TrainConfig,
    where: str = "task",
    train: bool = True,
) -> None:
    """Refuse, before any work, a label whose estimated peak memory exceeds ``cfg.max_memory_gb``.

    Args:
        arch: a canonical arch.
        shape: ``(T, N)`` of a series task, or ``(S_train, S_test, N, L)`` of labelled samples.
        cfg: the protocol (window, horizons, probe windows, the cap).
        where: the task as messages name it (its file or name).
        train: count a training step (``False``: the probe only, as in
            :func:`contrastive.references.references`); series tasks only.

    Raises:
        DataError: a series task with its probe windows alone exceeds the cap.
        ResourceError: the whole label (:func:`contrastive.resources.label_bytes`,
            :func:`contrastive.resources.sample_label_bytes`) does.
    """
    h = arch["hyper"]
    if len(shape) == 4:
        s_tr, s_te, n, length = (int(v) for v in shape)
        est = resources.sample_label_bytes(arch, (s_tr, s_te, n, length), cfg.window)
        what = (
            f"classification label of arch {arch_hash(arch)} (hyper.batch_size "
            f"{h['batch_size']}, hyper.hidden {h['hidden']}, hyper.repr_dim {h['repr_dim']}) on "
            f"{where} ({s_tr}+{s_te} samples x {n} series x {length} steps)"
        )
        resources.check(est, cfg.max_memory_gb, what)
        return
    length, n = int(shape[0]), int(shape[1])
    text = f"{where} ({length} steps x {n} series, window {cfg.window})"
    _, probe_series = resources.label_widths(n, cfg)
    data = resources.data_bytes(
        length, n, cfg.window, max(cfg.horizons), cfg.probe_windows, probe_series=probe_series
    )
    resources.check(data, cfg.max_memory_gb, text, error=DataError)
    resources.check(
        resources.label_bytes(arch, (length, n), cfg, train=train),
        cfg.max_memory_gb,
        f"{'label' if train else 'untrained probe'} of arch {arch_hash(arch)} (hyper.batch_size "
        f"{h['batch_size']}, hyper.hidden {h['hidden']}, hyper.cells {h['cells']}) on {text}",
    )


@contextmanager
def failures_recorded(rec: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """The body of a label: an exception in it (not ``KeyboardInterrupt``) is stored in ``rec``
    as ``status "failed"``, ``error`` and a NaN ``label`` instead of propagating, since a failed
    label is data, not a crash. Either way ``rec`` gets ``seconds`` (wall) and ``cpu_seconds``
    (this process's CPU time: robust to a busy host)."""
    t0, c0 = time.perf_counter(), time.process_time()
    try:
        yield rec
    except KeyboardInterrupt:
        raise
    except Exception as err:
        rec["status"] = "failed"
        rec["error"] = f"{type(err).__name__}: {err}"
        rec["label"] = float("nan")
    finally:
        rec["seconds"] = time.perf_counter() - t0
        rec["cpu_seconds"] = time.process_time() - c0


def width_record(n_series: int, cfg: TrainConfig) -> dict[str, Any]:
    """What a label records of the task's width: ``n_series`` (N), ``node_subset`` (S, or N
    when every step trains on all), ``probe_nodes`` (M, or N) and ``probe_node_index`` (the
    probed series when a subset, else absent)."""
    idx = probe_node_index(n_series, cfg.probe_nodes)
    out: dict[str, Any] = {
        "n_series": n_series,
        "node_subset": min(n_series, cfg.node_subset),
        "probe_nodes": n_series if idx is None else len(idx),
    }
    if idx is not None:
        out["probe_node_index"] = [int(i) for i in idx]
    return out


# ---------------------------------------------------------------------------------------------
# The one label path


@dataclass
class _Prepared:
    """What a kind of task gives the label path once its memory is checked."""

    train: np.ndarray  # [T, N] one series or [S, N, L] samples: what training draws windows of
    n_series: int
    probe: Probe
    cfg: TrainConfig  # the config training runs with
    record: dict[str, Any]  # fields known before training (the widths)


class _Kind(Protocol):
    """A kind of task: how it is checked and prepared, and what its record reports."""

    label_kind: str

    def check(self) -> None:
        """Raise ``ValueError`` on arguments that cannot run (before the config is checked)."""
        ...

    def prepare(self, arch: dict, cfg: TrainConfig) -> _Prepared:
        """Check the memory of ``arch`` (canonical) on the task, then build its data and probe."""
        ...

    def at_checkpoint(self, probed: dict, untrained: dict) -> dict[str, float]:
        """The metrics a checkpoint (``cfg.checkpoints``) records of ``probed``."""
        ...

    def finish(
        self, rec: dict, probed: dict, untrained: dict, trained: dict, cfg: TrainConfig
    ) -> None:
        """Put the trained and untrained metrics and the label into ``rec`` (``cfg``: the
        config training ran with); raise ``FloatingPointError`` on a non-finite result."""
        ...


def _run(
    kind: _Kind,
    arch: dict,
    cfg: TrainConfig,
    on_trained: Callable[[ContrastiveNet], None] | None,
    on_step: Callable[[int, float], None] | None,
) -> dict:
    """The one label path of both kinds (the protocol in the module docstring)."""
    rec: dict[str, Any] = {"status": "failed", "error": None, "label": float("nan"), "steps": 0}
    rec["label_kind"] = kind.label_kind
    with failures_recorded(rec):
        kind.check()
        with compute_settings(cfg) as device:
            arch = canonical(arch)
            prep = kind.prepare(arch, cfg)
            torch.manual_seed(cfg.seed)
            gen = torch.Generator().manual_seed(cfg.seed)
            net = ContrastiveNet(arch, n_series=prep.n_series).to(device)
            rec.update(prep.record)
            untrained = prep.probe.measure(net, device)
            t1 = time.perf_counter()
            early: dict[str, float] = {}

            def step_done(k: int, loss: float) -> None:
                if on_step is not None:
                    on_step(k, loss)
                if k in prep.cfg.checkpoints and k < prep.cfg.steps:
                    t_probe = time.perf_counter()
                    at = kind.at_checkpoint(prep.probe.measure(net, device), untrained)
                    early.update({f"at{k}_{m}": v for m, v in at.items()})
                    early[f"at{k}_seconds"] = t_probe - t1

            trained = train_net(net, prep.train, prep.cfg, gen, device, step_done)
            if on_trained is not None:
                on_trained(net)
            rec.update(early)
            rec["train_seconds"] = time.perf_counter() - t1
            rec["steps"] = cfg.steps
            rec["final_loss"] = trained["final_loss"]
            kind.finish(rec, prep.probe.measure(net, device), untrained, trained, prep.cfg)
        rec["status"] = "ok"
    return rec


# ---------------------------------------------------------------------------------------------
# Series tasks


def _gains(probed: dict, untrained: dict) -> dict[str, float]:
    """Trained / untrained val MSE of each probe (below 1: training helped)."""
    return {
        f"{probe}gain": probed[f"{probe}val_mse"] / untrained[f"{probe}val_mse"]
        for probe in ("", "scarce_", "knn_")
    }


@dataclass
class _Forecast:
    task: Any
    label_kind: str

    def check(self) -> None:
        pass

    def prepare(self, arch: dict, cfg: TrainConfig) -> _Prepared:
        shape = getattr(self.task, "shape", None)
        splits = None if shape is not None else self.task.splits()
        if splits is not None:  # a task object without a shape: its splits tell
            shape = (sum(len(s) for s in splits.values()), int(splits["train"].shape[1]))
        check_memory(arch, shape, cfg, task_text(self.task))
        splits = splits if splits is not None else self.task.splits()
        n_series = int(splits["train"].shape[1])
        nodes = probe_node_index(n_series, cfg.probe_nodes)
        probe = ForecastProbe.of(splits, cfg, cfg.window, nodes)
        return _Prepared(splits["train"], n_series, probe, cfg, width_record(n_series, cfg))

    def at_checkpoint(self, probed: dict, untrained: dict) -> dict[str, float]:
        out = {m: v for m, v in probed.items() if m.endswith(("mse", "mae"))}
        return {**out, **_gains(probed, untrained)}

    def finish(
        self, rec: dict, probed: dict, untrained: dict, trained: dict, cfg: TrainConfig
    ) -> None:
        rec["loss_parts"] = trained["loss_parts"]
        rec.update(probed)
        rec.update({f"untrained_{k}": v for k, v in untrained.items()})
        rec.update(_gains(probed, untrained))
        rec["label"] = float(rec[self.label_kind])
        if not math.isfinite(rec["label"]):
            raise FloatingPointError(f"non-finite label {rec['label']}")


def label(
    arch: dict,
    task: Any,
    cfg: TrainConfig,
    *,
    on_trained: Callable[[ContrastiveNet], None] | None = None,
    on_step: Callable[[int, float], None] | None = None,
) -> dict:
    """Train ``arch`` on ``task`` and measure it; never raises for training problems.

    Args:
        arch: an arch dict of the space.
        task: anything with ``.splits() -> {"train", "val", "test": [T_s, N] float32}``.
        cfg: the protocol.
        on_trained: called with the trained net before it is probed (to keep it, e.g.
            :meth:`contrastive.model.ContrastiveEncoder.from_net`).
        on_step: called as ``on_step(step, loss)`` after every training step (progress).

    Returns:
        ``status`` (``"ok"``/``"failed"``), ``error``, ``label`` (``cfg.label_kind``, lower is
        better), ``val_mse``, ``val_mae``, ``test_mse``, ``test_mae`` (trained, full probe),
        ``scarce_*`` (label-scarce probe), ``knn_*`` (kNN probe), ``untrained_*`` (same init,
        before training), ``gain`` / ``scarce_gain`` / ``knn_gain`` (trained / untrained val
        MSE), the widths (:func:`width_record`), ``seconds`` (wall), ``cpu_seconds`` (process
        CPU time), ``train_seconds``, ``steps``, ``final_loss``, ``loss_parts``, ``label_kind``.
    """
    return _run(_Forecast(task, cfg.label_kind), arch, cfg, on_trained, on_step)


# ---------------------------------------------------------------------------------------------
# Labelled samples


@dataclass
class _Classify:
    task: SampleTask
    pools: Sequence[str]
    join: str
    cs: Sequence[float]
    label_kind: str = "test_error"

    def check(self) -> None:
        check_pooling(self.pools, self.join)

    def prepare(self, arch: dict, cfg: TrainConfig) -> _Prepared:
        task = self.task
        tcfg = dataclasses.replace(cfg, window=min(cfg.window, task.shape[3]))
        check_memory(arch, task.shape, tcfg, task.source or task.name)
        xtr, xte = task.standardised()
        probe = SampleProbe(xtr, task.y_train, xte, task.y_test, self.pools, self.join, self.cs)
        return _Prepared(xtr, task.shape[2], probe, tcfg, {})

    def at_checkpoint(self, probed: dict, untrained: dict) -> dict[str, float]:
        return dict(probed)

    def finish(
        self, rec: dict, probed: dict, untrained: dict, trained: dict, cfg: TrainConfig
    ) -> None:
        head = self.pools[0]
        rec.update(probed)
        rec.update({f"untrained_{k}": v for k, v in untrained.items()})
        rec["test_acc"], rec["cv_acc"] = probed[f"{head}_test_acc"], probed[f"{head}_cv_acc"]
        rec["untrained_test_acc"] = untrained[f"{head}_test_acc"]
        rec["untrained_cv_acc"] = untrained[f"{head}_cv_acc"]
        rec["acc_gain"] = rec["test_acc"] - rec["untrained_test_acc"]
        rec["knn_test_acc"] = probed[f"{head}_knn_test_acc"]
        rec["untrained_knn_test_acc"] = untrained[f"{head}_knn_test_acc"]
        rec["knn_acc_gain"] = rec["knn_test_acc"] - rec["untrained_knn_test_acc"]
        rec["window"] = cfg.window
        rec["final_loss"] = rec.pop("final_loss")  # the key order of earlier records (JSONL)
        rec["label"] = 1.0 - rec["test_acc"]
        if not math.isfinite(rec["final_loss"]) and rec["steps"] > 0:
            raise FloatingPointError(f"non-finite final loss {rec['final_loss']}")


def classify_label(
    arch: dict,
    task: SampleTask,
    cfg: TrainConfig,
    *,
    pools: Sequence[str] = POOLS,
    join: str = "concat",
    cs: Sequence[float] = C_GRID,
    on_trained: Callable[[ContrastiveNet], None] | None = None,
    on_step: Callable[[int, float], None] | None = None,
) -> dict:
    """Train ``arch`` contrastively on ``task``'s train samples and probe it; never raises for
    training problems (protocol in the module docstring).

    Args:
        arch: an arch dict of the space.
        task: the labelled samples.
        cfg: the protocol (``steps``, ``window`` (capped at the sample length), ``seed``,
            ``threads``, schedule...; the forecasting fields are unused).
        pools: time poolings to probe; the first is the headline.
        join: how series are joined (``"concat"`` or ``"mean"``).
        cs: the ``C`` grid.
        on_trained: called with the trained net before it is probed.
        on_step: called as ``on_step(step, loss)`` after every training step (progress).

    Returns:
        ``status``, ``error``, ``label`` (test error of the first pooling), ``test_acc``,
        ``cv_acc`` (first pooling), ``{pool}_test_acc`` / ``_cv_acc`` / ``_C`` for every pooling,
        the same prefixed ``untrained_``, ``acc_gain`` (trained minus untrained test accuracy),
        ``knn_test_acc`` / ``untrained_knn_test_acc`` / ``knn_acc_gain`` (the kNN classifier),
        ``window``, ``steps``, ``final_loss``, ``seconds``, ``cpu_seconds``, ``train_seconds``.
    """
    kind = _Classify(task, tuple(pools), join, tuple(cs))
    return _run(kind, arch, cfg, on_trained, on_step)
