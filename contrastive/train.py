"""Train one arch's contrastive net on a task and measure its label with a frozen ridge probe.

Protocol (the evidence behind each default is in ``benchmarks/results/label_protocol.md``):

1. Seed everything from ``cfg.seed`` (``torch.manual_seed`` for init and dropout, one
   ``torch.Generator`` for batches, views and EmbedCell noise). ``torch.set_flush_denormal(True)``.
2. Probe the *untrained* encoder (the same init) first, then train ``cfg.steps`` AdamW steps on
   random ``cfg.window``-step windows of the train split (the arch's lr and batch size, gradient
   clipping at ``cfg.grad_clip``, the ``cfg.schedule`` learning-rate schedule), then probe again.
3. Probe: windows of ``cfg.window`` steps taken inside one split only (never straddling a
   boundary), at most ``cfg.probe_windows`` evenly spaced per split. Features = the encoder's
   representation at the window's last step, per series (``[R]``); targets = that series' next
   ``H`` values. One ridge (``RidgeCV``, alphas ``1e-3..1e3``, standardised features) shared by
   the series, fitted on train windows and scored on val and test. Two fits: ``full`` (all probe
   windows) and ``scarce`` (``cfg.scarce_windows`` evenly spaced labelled windows). A third,
   fit-free probe (:func:`knn_probe`, metrics ``knn_*``) forecasts from the ``cfg.knn_k`` train
   windows with the most similar representations: it sees the representation's geometry, which
   a linear probe on random features mostly does not.
4. Metrics (MSE/MAE, first horizon unless suffixed ``_h{H}``) are stored for the trained and the
   untrained encoder, and the *gains* ``trained / untrained`` (below 1: training helped).
   ``label`` is the metric named by ``cfg.label_kind`` (default ``knn_val_mse``: of the probes
   measured, it depends most on training and is the most repeatable; see
   ``benchmarks/results/label_protocol.md``, section 8); lower is better for every kind.

``label()`` never raises on a training problem: it returns ``status="failed"`` with the reason,
and so it does, before any work, for a label whose estimated memory exceeds
``cfg.max_memory_gb`` (see :mod:`contrastive.resources`).
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from archgraph import arch_hash, canonical
from archgraph.cli import EXIT_OK, HelpFormatter, add_config_flag, parse_into, run_main

from . import resources
from .data import DataError
from .dataflags import DataFlags, add_data_flags, check_data_flags, load_data_task
from .presets import PRESETS, preset
from .resources import DEFAULT_MAX_MEMORY_GB

# 2: the default label is the kNN probe's val MSE (1: the ridge probe's); stored in code_version
LABEL_VERSION = 2
ALPHAS: tuple[float, ...] = tuple(float(a) for a in np.logspace(-3, 3, 13))
LABEL_KINDS = (
    "val_mse",
    "scarce_val_mse",
    "gain",
    "scarce_gain",
    "knn_val_mse",
    "knn_gain",
)


@dataclass
class TrainConfig:
    """Everything a label depends on besides the arch and the task (passed explicitly).

    Attributes:
        steps: optimiser steps (the budget).
        window: steps per training window and probe context.
        horizons: forecast horizons of the probe; the first one is the headline.
        device: ``"auto"`` (CUDA when available), ``"cpu"``, ``"cuda"``...
        seed: seeds init, batches, views and noise.
        threads: torch and BLAS CPU threads (process-wide).
        grad_clip: max global gradient norm.
        weight_decay: AdamW weight decay.
        schedule: ``"constant"`` or ``"cosine"`` (to 10% of the arch's lr) after ``warmup``.
        warmup: linear warm-up steps.
        probe_windows: max evenly spaced probe windows per split.
        knn_k: neighbours of the k-nearest-neighbour probe (cosine similarity of
            representations; each forecast is the last value plus the neighbours' mean change).
        scarce_windows: labelled train windows of the label-scarce probe.
        label_kind: which metric is the ``label`` (one of ``LABEL_KINDS``).
        probe_cv: how the full probe picks alpha: ``"blocked"`` (5 contiguous time blocks of
            train windows) or ``"loo"`` (sklearn's efficient leave-one-out, which picks too-small
            alphas on autocorrelated windows; see the protocol document).
        checkpoints: steps after which the trained net is also probed (``at{S}_`` metrics;
            cheap-fidelity labels from the same run).
        short_lags, long_lags: raw-lag ridge reference windows (long is capped to what fits).
        max_memory_gb: refuse up front (a ``failed`` record, before any work) a label whose
            estimated peak memory (:func:`contrastive.resources.label_bytes`) exceeds this many
            GiB; ``0``: no cap. Per label, so per sweep worker.
        node_subset: ``S``, series per training batch: on a task of more than ``S`` series
            every step trains on a fresh seeded random subset of ``S`` of them (graph ops index
            their node embeddings with it), so a step's time and memory depend on ``S``, not on
            the task's width. Tasks of at most ``S`` series train on all (as before). Not part
            of the arch: the same arch is trained the same way on every task.
        probe_nodes: ``M``, the most series the probes see: on a wider task they run on a fixed
            seeded subset of ``M`` series (:func:`probe_node_index`, the same for every arch and
            seed of a task, recorded in the label as ``probe_node_index``), the encoder seeing
            those ``M`` series only. ``0``: all series.
    """

    steps: int = 30
    window: int = 32
    horizons: tuple[int, ...] = (12,)
    device: str = "auto"
    seed: int = 0
    threads: int = 1
    grad_clip: float = 1.0
    weight_decay: float = 0.01
    schedule: str = "constant"
    warmup: int = 0
    probe_windows: int = 256
    knn_k: int = 10
    scarce_windows: int = 32
    label_kind: str = "knn_val_mse"
    probe_cv: str = "blocked"
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


@dataclass
class TrainArgs(DataFlags):
    arch: str | None = None
    preset: str | None = None
    task: str | None = None
    data: str | None = None
    steps: int = TrainConfig.steps
    window: int = TrainConfig.window
    horizons: str = "12"
    device: str = "auto"
    seed: int = 0
    threads: int = 1
    label_kind: str = TrainConfig.label_kind
    max_memory_gb: float = DEFAULT_MAX_MEMORY_GB
    json: bool = False


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m contrastive.train",
        description="Train one arch on one task; print its probe metrics next to the references.",
        formatter_class=HelpFormatter,
    )
    add_config_flag(p)
    src = p.add_mutually_exclusive_group()
    src.add_argument("--arch", metavar="FILE", help="arch JSON file")
    src.add_argument("--preset", choices=sorted(PRESETS), help="a named reference arch")
    add_data_flags(p)
    d = TrainConfig()
    p.add_argument("--steps", type=int, default=d.steps, help="training steps (the budget)")
    p.add_argument(
        "--window", type=int, default=d.window, help="steps per training window and probe input"
    )
    p.add_argument("--horizons", default="12", help="comma-separated forecast horizons")
    p.add_argument("--device", default="auto", help="auto (CUDA when present), cpu, cuda")
    p.add_argument("--seed", type=int, default=0, help="seeds init, batches and views")
    p.add_argument("--threads", type=int, default=1, help="torch/BLAS CPU threads")
    p.add_argument(
        "--label-kind",
        dest="label_kind",
        choices=LABEL_KINDS,
        default=d.label_kind,
        help="the metric that is the label",
    )
    p.add_argument(
        "--max-memory-gb",
        type=float,
        default=d.max_memory_gb,
        help=f"refuse up front a CSV or label whose estimated memory exceeds this many GiB "
        f"(default {d.max_memory_gb:g}; 0: no cap)",
    )
    p.add_argument("--json", action="store_true", help="print one JSON object")
    return p


def _parse(argv: list[str] | None) -> tuple[TrainArgs, dict, TrainConfig]:
    """The flags, checked: ``(args, arch, config)``; usage errors exit 2, bad values raise
    ``ValueError`` (exit 1). Needs no torch."""
    parser = _parser()
    args = parse_into(parser, TrainArgs, argv)
    if not (args.arch or args.preset):
        parser.error("give --arch FILE or --preset NAME")
    check_data_flags(args, parser)
    if args.steps < 1:
        parser.error(f"--steps must be >= 1 (a trained net needs a step), got {args.steps}")
    if args.arch:
        from archgraph.io import read_json

        arch = canonical(read_json(Path(args.arch), what="arch file"))
    else:
        arch = preset(args.preset)
    try:
        horizons = tuple(int(h) for h in str(args.horizons).split(","))
    except ValueError as err:
        raise ValueError(
            f"--horizons: expected comma-separated integers, got {args.horizons!r}"
        ) from err
    cfg = TrainConfig(
        steps=args.steps,
        window=args.window,
        horizons=horizons,
        device=args.device,
        seed=args.seed,
        threads=args.threads,
        label_kind=args.label_kind,
        max_memory_gb=args.max_memory_gb,
    )
    cfg.check()
    return args, arch, cfg


def _early_check() -> None:
    """``python -m contrastive.train``: answer --help, usage and flag errors before torch loads."""
    try:
        _parse(sys.argv[1:])
    except ValueError as err:
        print(f"error: {err}", file=sys.stderr)
        sys.exit(1)


# ``python -m contrastive.train``: the flags are parsed and checked here, before torch loads
# below, so --help and usage errors answer at once.
if __name__ == "__main__":
    _early_check()

import torch  # noqa: E402
from sklearn.linear_model import Ridge, RidgeCV  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402
from threadpoolctl import threadpool_limits  # noqa: E402

from .net import ContrastiveNet  # noqa: E402


def resolve_device(device: str) -> torch.device:
    """``"auto"`` -> CUDA when available, else CPU; anything else is passed to ``torch.device``."""
    if device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    return torch.device(device)


# ---------------------------------------------------------------------------------------------
# Windows and probes


def window_ends(length: int, context: int, horizon: int, max_windows: int) -> np.ndarray:
    """Evenly spaced last-step indices of windows that fit with their horizon in ``length`` steps."""
    first, last = context - 1, length - horizon - 1
    if last < first:
        return np.zeros(0, dtype=np.int64)
    n = min(max_windows, last - first + 1)
    return np.unique(np.linspace(first, last, n).round().astype(np.int64))


def lag_windows(series: np.ndarray, ends: np.ndarray, context: int) -> np.ndarray:
    """``series [T, N]`` -> ``[W, N, context]`` windows ending (inclusive) at ``ends``."""
    idx = ends[:, None] + np.arange(-context + 1, 1)[None, :]  # [W, context]
    return np.ascontiguousarray(series[idx].transpose(0, 2, 1))


def targets(series: np.ndarray, ends: np.ndarray, horizon: int) -> np.ndarray:
    """``series [T, N]`` -> ``[W, N, H]``: the ``horizon`` values after each end."""
    idx = ends[:, None] + np.arange(1, horizon + 1)[None, :]  # [W, H]
    return np.ascontiguousarray(series[idx].transpose(0, 2, 1))


# Seeds of the node choices, fixed so that they never touch the generator of batches and views:
# a task of at most S (M) series draws nothing, and its labels are those of earlier versions.
NODE_SEED_SALT = 0x5EB5E7
PROBE_NODE_SEED = 0x9B0BE


def probe_node_index(n_series: int, probe_nodes: int) -> np.ndarray | None:
    """The series the probes run on: ``None`` (all) when ``n_series <= probe_nodes`` or
    ``probe_nodes == 0``, else ``probe_nodes`` indices, sorted, drawn without replacement by
    ``numpy.random.default_rng(PROBE_NODE_SEED)``; the same for every arch and training seed."""
    if probe_nodes == 0 or n_series <= probe_nodes:
        return None
    rng = np.random.default_rng(PROBE_NODE_SEED)
    return np.sort(rng.choice(n_series, size=probe_nodes, replace=False))


def node_sampler(n_series: int, subset: int, seed: int) -> Callable[[], torch.Tensor | None]:
    """A function drawing the series of one training batch: ``None`` (all) when
    ``n_series <= subset``, else a sorted ``[subset]`` index, uniform without replacement, from
    its own generator seeded by ``seed``."""
    if n_series <= subset:
        return lambda: None
    gen = torch.Generator().manual_seed(int(seed) ^ NODE_SEED_SALT)

    def draw() -> torch.Tensor:
        return torch.sort(torch.randperm(n_series, generator=gen)[:subset]).values  # [S]

    return draw


@torch.no_grad()
def encode_last(
    net: ContrastiveNet,
    windows: np.ndarray,
    device: torch.device,
    chunk: int = 64,
    nodes: np.ndarray | None = None,
) -> np.ndarray:
    """Frozen representations at the last step: ``[W, S, T]`` windows -> ``[W, S, R]``.

    ``nodes [S]``: which of the net's ``N`` series the windows hold (``None``: all).
    """
    net.eval()
    idx = None if nodes is None else torch.as_tensor(nodes, dtype=torch.long, device=device)
    out = []
    for i in range(0, len(windows), chunk):
        x = torch.from_numpy(windows[i : i + chunk]).to(device)[:, None]  # [w, 1, S, T]
        z = net.encode(x, idx)[..., -1]  # [w, R, S]
        out.append(z.transpose(1, 2).float().cpu().numpy())
    return np.concatenate(out) if out else np.zeros((0, windows.shape[1], net.repr_dim), np.float32)


def blocked_alpha(x: np.ndarray, y: np.ndarray, alphas: tuple[float, ...], folds: int) -> float:
    """The ridge alpha with the least squared error over ``folds`` contiguous held-out blocks.

    ``x``: ``[S, F]``, ``y``: ``[S, H]``, rows in time order. One SVD per fold serves every alpha
    (an intercept is fitted by centring), so this costs about one ``RidgeCV`` fit. Ties go to the
    smaller alpha.
    """
    bounds = np.linspace(0, len(x), folds + 1).round().astype(int)
    errors = np.zeros(len(alphas))
    for lo, hi in zip(bounds[:-1], bounds[1:], strict=True):
        keep = np.ones(len(x), dtype=bool)
        keep[lo:hi] = False
        xm, ym = x[keep].mean(0), y[keep].mean(0)
        u, sv, vt = np.linalg.svd(x[keep] - xm, full_matrices=False)
        uty = u.T @ (y[keep] - ym)  # [k, H]
        xte = (x[lo:hi] - xm) @ vt.T  # [s, k]
        for j, a in enumerate(alphas):
            pred = xte @ ((sv / (sv**2 + a))[:, None] * uty) + ym  # [s, H]
            errors[j] += float(((pred - y[lo:hi]) ** 2).sum())
    return float(alphas[int(np.argmin(errors))])


def fit_probe(
    feats: dict[str, np.ndarray],
    ys: dict[str, np.ndarray],
    horizons: tuple[int, ...],
    alphas: tuple[float, ...],
    train_rows: np.ndarray | None = None,
    cv: str = "blocked",
) -> dict[str, float]:
    """Ridge probe: ``feats[split] [W, N, F]`` -> ``ys[split] [W, N, H]``, shared over series.

    Args:
        feats, ys: per split ``train``/``val``/``test``.
        horizons: report MSE/MAE of the first ``h`` steps for each ``h``.
        alphas: RidgeCV grid.
        train_rows: which train windows are labelled (default: all).
        cv: ``"blocked"``: alpha by contiguous folds (whole windows, in time order, held out);
            ``"loo"``: efficient leave-one-out. A label-scarce fit (``train_rows``) is always
            blocked.

    Returns:
        ``val_mse``, ``val_mae``, ``test_mse``, ``test_mae`` (first horizon), the same with
        ``_h{H}`` for every horizon, and ``alpha``.
    """
    xtr, ytr = feats["train"], ys["train"]
    if train_rows is not None:
        xtr, ytr = xtr[train_rows], ytr[train_rows]
    n_feat, h_max = xtr.shape[-1], ytr.shape[-1]
    scaler = StandardScaler().fit(xtr.reshape(-1, n_feat))
    # Rows are window-major and windows chronological, so contiguous folds hold out time blocks.
    # Efficient leave-one-out leaks through autocorrelated neighbours and picks too-small alphas.
    x = scaler.transform(xtr.reshape(-1, n_feat))
    y = ytr.reshape(-1, h_max)
    if train_rows is None and cv == "loo":
        ridge = RidgeCV(alphas=alphas).fit(x, y)
        alpha = float(ridge.alpha_)
    else:
        alpha = blocked_alpha(x, y, alphas, folds=4 if train_rows is not None else 5)
        ridge = Ridge(alpha=alpha).fit(x, y)
    out: dict[str, float] = {"alpha": alpha}
    for split in ("val", "test"):
        pred = ridge.predict(scaler.transform(feats[split].reshape(-1, n_feat)))  # [W*N, H]
        out.update(_errors(pred - ys[split].reshape(-1, h_max), horizons, split))
    return out


def _errors(err: np.ndarray, horizons: tuple[int, ...], prefix: str) -> dict[str, float]:
    """``{prefix}_mse/_mae`` (first horizon) and ``_h{H}`` of every horizon from ``err [R, H]``."""
    out = {}
    for i, h in enumerate(horizons):
        mse, mae = float(np.mean(err[:, :h] ** 2)), float(np.mean(np.abs(err[:, :h])))
        out[f"{prefix}_mse_h{h}"], out[f"{prefix}_mae_h{h}"] = mse, mae
        if i == 0:
            out[f"{prefix}_mse"], out[f"{prefix}_mae"] = mse, mae
    return out


def knn_probe(
    feats: dict[str, np.ndarray],
    ys: dict[str, np.ndarray],
    last: dict[str, np.ndarray],
    horizons: tuple[int, ...],
    k: int,
    chunk: int = 1024,
) -> dict[str, float]:
    """k-nearest-neighbour probe: forecast from the train windows whose features point the same way.

    A linear probe can undo any invertible linear map of random features, so it barely sees what
    contrastive training changed; neighbours see the representation's geometry, which is what the
    contrastive loss shapes. Rows are (window, series) pairs, all series pooled; similarity is
    cosine; the forecast of a row is its last observed value plus the mean change (future minus
    last value) of its ``k`` most similar train rows, so level shifts between splits do not
    matter. Nothing is fitted, so the probe has no tuning noise.

    Args:
        feats: per split ``[W, N, F]`` features.
        ys: per split ``[W, N, H]`` targets.
        last: per split ``[W, N]`` the series' last observed value in each window.
        horizons: report the first ``h`` steps for each ``h``.
        k: neighbours (capped at the train rows).
        chunk: query rows per similarity block (memory only; results do not depend on it).

    Returns:
        ``knn_val_mse``, ``knn_val_mae``, ``knn_test_mse``, ``knn_test_mae`` (first horizon),
        the same with ``_h{H}`` for every horizon.
    """
    n_feat, h_max = feats["train"].shape[-1], ys["train"].shape[-1]
    a = _unit_rows(feats["train"].reshape(-1, n_feat))  # [Wtr*N, F]
    change = ys["train"].reshape(-1, h_max) - last["train"].reshape(-1, 1)  # [Wtr*N, H]
    k = min(k, len(a))
    out: dict[str, float] = {}
    for split in ("val", "test"):
        b = _unit_rows(feats[split].reshape(-1, n_feat))  # [W*N, F]
        pred = np.empty((len(b), h_max))  # [W*N, H]
        for i in range(0, len(b), chunk):  # bounds the similarity matrix; rows are independent
            sim = b[i : i + chunk] @ a.T  # [c, Wtr*N]
            idx = np.argpartition(-sim, k - 1, axis=1)[:, :k]  # [c, k]
            pred[i : i + chunk] = change[idx].mean(axis=1)
        pred += last[split].reshape(-1, 1)
        out.update(_errors(pred - ys[split].reshape(-1, h_max), horizons, f"knn_{split}"))
    return out


def _unit_rows(x: np.ndarray) -> np.ndarray:
    x = x.astype(np.float64)
    return x / np.maximum(np.linalg.norm(x, axis=1, keepdims=True), 1e-12)


@dataclass
class _ProbeData:
    windows: dict[str, np.ndarray]  # split -> [W, M, T]
    ys: dict[str, np.ndarray]  # split -> [W, M, H_max]
    scarce_rows: np.ndarray
    nodes: np.ndarray | None = None  # [M] the probed series among the N (None: all)
    ends: dict[str, np.ndarray] = field(default_factory=dict)  # split -> [W] last steps


def _probe_data(
    splits: dict[str, np.ndarray],
    cfg: TrainConfig,
    context: int,
    nodes: np.ndarray | None = None,
) -> _ProbeData:
    """Probe windows and targets of the series ``nodes`` (``None``: all) of every split."""
    h_max = max(cfg.horizons)
    if nodes is not None:
        splits = {k: v[:, nodes] for k, v in splits.items()}  # [T_s, M]
    windows, ys, all_ends = {}, {}, {}
    for name in ("train", "val", "test"):
        ends = all_ends[name] = window_ends(len(splits[name]), context, h_max, cfg.probe_windows)
        if len(ends) == 0:
            raise ValueError(
                f"{name} split has {len(splits[name])} steps; a probe needs {context} + {h_max}"
            )
        windows[name] = lag_windows(splits[name], ends, context)
        ys[name] = targets(splits[name], ends, h_max)
    n_tr = len(windows["train"])
    scarce = np.unique(
        np.linspace(0, n_tr - 1, min(cfg.scarce_windows, n_tr)).round().astype(np.int64)
    )
    return _ProbeData(windows, ys, scarce, nodes, all_ends)


def _probe_features(feats: dict[str, np.ndarray], data: _ProbeData, cfg: TrainConfig) -> dict:
    full = fit_probe(feats, data.ys, cfg.horizons, cfg.alphas, cv=cfg.probe_cv)
    scarce = fit_probe(feats, data.ys, cfg.horizons, cfg.alphas, data.scarce_rows)
    last = {name: w[..., -1] for name, w in data.windows.items()}  # [W, N]
    knn = knn_probe(feats, data.ys, last, cfg.horizons, cfg.knn_k)
    return {**full, **{f"scarce_{k}": v for k, v in scarce.items()}, **knn}


def probe_net(
    net: ContrastiveNet, data: _ProbeData, cfg: TrainConfig, device: torch.device
) -> dict:
    """Full and label-scarce ridge probes and the kNN probe of ``net``'s frozen last-step
    representations."""
    feats = {k: encode_last(net, w, device, nodes=data.nodes) for k, w in data.windows.items()}
    for k, f in feats.items():
        if not np.isfinite(f).all():
            raise FloatingPointError(f"non-finite representations on the {k} split")
    return _probe_features(feats, data, cfg)


# ---------------------------------------------------------------------------------------------
# Training


def _lr_at(step: int, base: float, cfg: TrainConfig) -> float:
    if cfg.warmup and step < cfg.warmup:
        return base * (step + 1) / cfg.warmup
    if cfg.schedule == "cosine":
        span = max(1, cfg.steps - cfg.warmup)
        frac = min(1.0, (step - cfg.warmup) / span)
        return base * (0.1 + 0.9 * 0.5 * (1.0 + math.cos(math.pi * frac)))
    return base


def _window_sampler(
    train: np.ndarray, window: int, batch: int, gen: torch.Generator
) -> Callable[[torch.Tensor | None], torch.Tensor]:
    """A function drawing one batch ``[B, 1, S, window]`` of random windows of ``train``, of
    the series ``nodes [S]`` it is given (``None``: all, ``S = N``).

    ``train``: ``[T, N]`` (one series) or ``[S, N, T]`` (samples). Raises ``ValueError`` when a
    window does not fit.
    """
    offsets = torch.arange(window)
    if train.ndim == 3:
        samples = torch.from_numpy(np.ascontiguousarray(train))  # [S, N, T]
        n_samples, n, length = samples.shape
        if length < window or n_samples < 1:
            raise ValueError(
                f"train samples have shape {tuple(samples.shape)} [S, N, T]; training needs "
                f"at least one sample of window={window} steps"
            )

        def draw_samples(nodes: torch.Tensor | None = None) -> torch.Tensor:
            rows = torch.randint(n_samples, (batch,), generator=gen)  # [B]
            starts = torch.randint(length - window + 1, (batch,), generator=gen)  # [B]
            picked = samples[rows] if nodes is None else samples[rows][:, nodes]  # [B, S, T]
            idx = (starts[:, None] + offsets[None, :])[:, None, :].expand(-1, picked.shape[1], -1)
            return torch.gather(picked, 2, idx)[:, None]  # [B, 1, S, T]

        return draw_samples
    series = torch.from_numpy(np.ascontiguousarray(train.T))  # [N, T]
    n_starts = series.shape[1] - window + 1
    if n_starts < 1:
        raise ValueError(f"train split has {series.shape[1]} steps; training needs {window}")

    def draw_series(nodes: torch.Tensor | None = None) -> torch.Tensor:
        starts = torch.randint(n_starts, (batch,), generator=gen)  # [B]
        rows = series if nodes is None else series[nodes]  # [S, T_train]
        x = rows[:, starts[:, None] + offsets[None, :]]  # [S, B, T]
        return x.permute(1, 0, 2)[:, None]  # [B, 1, S, T]

    return draw_series


def train_net(
    net: ContrastiveNet,
    train: np.ndarray,
    cfg: TrainConfig,
    gen: torch.Generator,
    device: torch.device,
    on_step: Callable[[int, float], None] | None = None,
) -> dict:
    """Contrastive training on random windows of ``train``.

    ``train`` is one series ``[T, N]`` (windows start anywhere in it) or labelled-style samples
    ``[S, N, T]`` (each batch row: a sample drawn uniformly with replacement, then a window of
    ``cfg.window`` steps inside it; :mod:`contrastive.classify`). With more than
    ``cfg.node_subset`` series each step trains on a seeded random subset of them
    (:func:`node_sampler`; its own generator, so ``gen``'s draws do not change). ``on_step(k, loss)`` is called
    after the ``k``-th step (1-based) with its loss. Returns ``{"final_loss", "loss_parts",
    "losses"}``; raises ``FloatingPointError`` on a non-finite loss (``label`` turns it into a
    failure record).
    """
    hyper = net.arch["hyper"]
    lr, batch = float(hyper["lr"]), int(hyper["batch_size"])
    opt = torch.optim.AdamW(net.parameters(), lr=lr, weight_decay=cfg.weight_decay)
    draw = _window_sampler(train, cfg.window, batch, gen)
    n_series = int(train.shape[1])  # [T, N] and [S, N, T] alike
    draw_nodes = node_sampler(n_series, cfg.node_subset, cfg.seed)
    losses: list[float] = []
    parts: dict[str, float] = {}
    net.train()
    for step in range(cfg.steps):
        nodes = draw_nodes()  # [S] or None (all series)
        x = draw(nodes).to(device)  # [B, 1, S, T]
        nodes = None if nodes is None else nodes.to(device)
        for group in opt.param_groups:
            group["lr"] = _lr_at(step, lr, cfg)
        opt.zero_grad(set_to_none=True)
        loss, parts = net.loss(x, gen) if nodes is None else net.loss(x, gen, nodes)
        if not torch.isfinite(loss):
            raise FloatingPointError(f"non-finite loss ({float(loss)}) at step {step}")
        loss.backward()
        torch.nn.utils.clip_grad_norm_(net.parameters(), cfg.grad_clip)
        opt.step()
        losses.append(float(loss.detach()))
        if on_step is not None:
            on_step(step + 1, losses[-1])
            net.train()
    return {
        "final_loss": losses[-1] if losses else float("nan"),
        "loss_parts": parts,
        "losses": losses,
    }


def _setup(cfg: TrainConfig) -> torch.device:
    cfg.check()
    torch.set_flush_denormal(True)
    torch.set_num_threads(max(1, int(cfg.threads)))
    # numpy/scipy BLAS too: idle BLAS threads spinning next to torch cost up to 10x on the probe
    threadpool_limits(limits=max(1, int(cfg.threads)))
    return resolve_device(cfg.device)


def _task_text(task: Any) -> str:
    """``task 'name' from file.csv``: how memory messages name a task."""
    source = getattr(task, "source", "")
    return f"task {getattr(task, 'name', '?')!r}" + (f" from {source}" if source else "")


def check_memory(
    arch: dict, shape: tuple[int, int], cfg: TrainConfig, where: str = "task", train: bool = True
) -> None:
    """Refuse, before any work, a label whose estimated peak memory exceeds ``cfg.max_memory_gb``.

    Args:
        arch: a canonical arch.
        shape: ``(T, N)`` of the task.
        cfg: the protocol (window, horizons, probe windows, the cap).
        where: the task as messages name it (its file or name).
        train: count a training step (``False``: the probe only, as in :func:`references`).

    Raises:
        DataError: the task with its probe windows alone exceeds the cap.
        ResourceError: the whole label (:func:`contrastive.resources.label_bytes`) does.
    """
    length, n = int(shape[0]), int(shape[1])
    task_text = f"{where} ({length} steps x {n} series, window {cfg.window})"
    _, probe_series = resources.label_widths(n, cfg)
    data = resources.data_bytes(
        length, n, cfg.window, max(cfg.horizons), cfg.probe_windows, probe_series=probe_series
    )
    resources.check(data, cfg.max_memory_gb, task_text, error=DataError)
    h = arch["hyper"]
    resources.check(
        resources.label_bytes(arch, (length, n), cfg, train=train),
        cfg.max_memory_gb,
        f"{'label' if train else 'untrained probe'} of arch {arch_hash(arch)} (hyper.batch_size {h['batch_size']}, hyper.hidden "
        f"{h['hidden']}, hyper.cells {h['cells']}) on {task_text}",
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


def _gains(probed: dict, untrained: dict) -> dict[str, float]:
    """Trained / untrained val MSE of each probe (below 1: training helped)."""
    return {
        f"{probe}gain": probed[f"{probe}val_mse"] / untrained[f"{probe}val_mse"]
        for probe in ("", "scarce_", "knn_")
    }


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
        ``scarce_*`` (label-scarce probe), ``untrained_*`` (same init, before training),
        ``gain`` / ``scarce_gain`` (trained / untrained val MSE), ``seconds`` (wall),
        ``cpu_seconds`` (process CPU time),
        ``train_seconds``, ``steps``, ``final_loss``, ``loss_parts``, ``label_kind``.
    """
    rec: dict[str, Any] = {"status": "failed", "error": None, "label": float("nan"), "steps": 0}
    rec["label_kind"] = cfg.label_kind
    with failures_recorded(rec):
        device = _setup(cfg)
        arch = canonical(arch)
        shape = getattr(task, "shape", None)
        splits = None if shape is not None else task.splits()
        if splits is not None:  # a task object without a shape: its splits tell
            shape = (sum(len(s) for s in splits.values()), int(splits["train"].shape[1]))
        check_memory(arch, shape, cfg, _task_text(task))
        splits = splits if splits is not None else task.splits()
        n_series = int(splits["train"].shape[1])
        torch.manual_seed(cfg.seed)
        gen = torch.Generator().manual_seed(cfg.seed)
        net = ContrastiveNet(arch, n_series=n_series).to(device)
        rec.update(_width_record(n_series, cfg))
        data = _probe_data(splits, cfg, cfg.window, probe_node_index(n_series, cfg.probe_nodes))
        untrained = probe_net(net, data, cfg, device)
        t1 = time.perf_counter()
        early: dict[str, float] = {}

        def step_done(k: int, loss: float) -> None:
            if on_step is not None:
                on_step(k, loss)
            if k in cfg.checkpoints and k < cfg.steps:
                t_probe = time.perf_counter()
                at = probe_net(net, data, cfg, device)
                early.update({f"at{k}_{m}": v for m, v in at.items() if m.endswith(("mse", "mae"))})
                early.update({f"at{k}_{g}": v for g, v in _gains(at, untrained).items()})
                early[f"at{k}_seconds"] = t_probe - t1

        trained = train_net(net, splits["train"], cfg, gen, device, step_done)
        if on_trained is not None:
            on_trained(net)
        rec.update(early)
        rec["train_seconds"] = time.perf_counter() - t1
        rec["steps"] = cfg.steps
        rec["final_loss"] = trained["final_loss"]
        rec["loss_parts"] = trained["loss_parts"]
        probed = probe_net(net, data, cfg, device)
        rec.update(probed)
        rec.update({f"untrained_{k}": v for k, v in untrained.items()})
        rec.update(_gains(probed, untrained))
        rec["label"] = float(rec[cfg.label_kind])
        if not math.isfinite(rec["label"]):
            raise FloatingPointError(f"non-finite label {rec['label']}")
        rec["status"] = "ok"
    return rec


CROSS_NEIGHBOURS = (1, 2, 4)  # candidate counts of correlated series of the cross-series reference


def correlated_series(train: np.ndarray, k: int) -> np.ndarray:
    """``[N, k]``: for each series, the ``k`` other series whose first differences on the
    train split correlate most (by absolute value) with its own, most correlated first.

    Differences, not levels: trending series all correlate near 1 in levels, which says
    nothing about shared short-term information. Ties go to the lower index.
    """
    d = np.diff(np.asarray(train, dtype=np.float64), axis=0)  # [T-1, N]
    d = d - d.mean(axis=0)
    norm = np.linalg.norm(d, axis=0)
    corr = np.abs((d.T @ d) / np.maximum(np.outer(norm, norm), 1e-12))  # [N, N]
    np.fill_diagonal(corr, -np.inf)
    order = np.argsort(-corr, axis=1, kind="stable")  # [N, N]
    return order[:, : min(k, train.shape[1] - 1)]


def _cross_lag_features(
    splits: dict[str, np.ndarray], data: _ProbeData, neighbours: np.ndarray, lags: int
) -> dict[str, np.ndarray]:
    """Per split ``[W, M, (k+1) * lags]``: each probed series' own lag window followed by those
    of its ``k`` most correlated series (``neighbours [N, k]``, indices among all ``N``)."""
    nodes = np.arange(neighbours.shape[0]) if data.nodes is None else data.nodes  # [M]
    feats = {}
    for name, own in data.windows.items():
        full = lag_windows(splits[name], data.ends[name], lags)  # [W, N, lags]
        parts = [own] + [full[:, neighbours[nodes, j]] for j in range(neighbours.shape[1])]
        feats[name] = np.concatenate(parts, axis=-1)  # [W, M, (k+1) * lags]
    return feats


def cross_series_reference(
    splits: dict[str, np.ndarray],
    cfg: TrainConfig,
    lags: int,
    nodes: np.ndarray | None = None,
) -> dict[str, Any]:
    """Raw-lag reference that sees other series: each series' own ``lags`` plus the same lags
    of its ``k`` most correlated series (:func:`correlated_series`, from the train split of all
    ``N`` series), probed like the others (ridge, label-scarce ridge, kNN). ``k`` is chosen among
    :data:`CROSS_NEIGHBOURS` (at most ``N - 1``) by validation: the lowest ``knn_val_mse`` when
    the label is a kNN kind, else the lowest ``val_mse``. Returns the chosen ``neighbours`` and
    ``lags`` with that fit's metrics; ``{}`` for a single series."""
    n = int(splits["train"].shape[1])
    if n < 2:
        return {}
    data = _probe_data(splits, cfg, lags, nodes)
    key = "knn_val_mse" if cfg.label_kind.startswith("knn") else "val_mse"
    top = correlated_series(splits["train"], max(CROSS_NEIGHBOURS))
    best: dict[str, Any] = {}
    for k in sorted({min(k, n - 1) for k in CROSS_NEIGHBOURS}):
        feats = _cross_lag_features(splits, data, top[:, :k], lags)
        out = {"lags": lags, "neighbours": k, **_probe_features(feats, data, cfg)}
        if not best or out[key] < best[key]:
            best = out
    best["chosen_by"] = key
    return best


def _width_record(n_series: int, cfg: TrainConfig) -> dict[str, Any]:
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


def references(task: Any, cfg: TrainConfig) -> dict:
    """Per-task references with the same probe: raw-lag ridge (short and long), the
    cross-series raw-lag reference (:func:`cross_series_reference`, short lags; tasks of two or
    more series) and the untrained TS2Vec-like preset.

    Returns:
        ``{"raw_short": {...}, "raw_long": {...}, "raw_cross": {...}, "untrained_preset": {...},
        "seconds"}``; each entry holds ``lags``/``context`` and the probe metrics (full,
        ``scarce_`` and ``knn_``), and the widths it was probed at (``n_series``,
        ``probe_nodes``...). The long lag window is ``cfg.long_lags`` capped to the longest that
        fits every split.
    """
    t0 = time.perf_counter()
    device = _setup(cfg)
    shape = getattr(task, "shape", None)
    if shape is not None:  # the preset's probe is the biggest part; it trains nothing
        check_memory(PRESETS["ts2vec"], shape, cfg, _task_text(task), train=False)
    splits = task.splits()
    n_series = int(splits["train"].shape[1])
    nodes = probe_node_index(n_series, cfg.probe_nodes)  # the series the labels are probed on
    h_max = max(cfg.horizons)
    fits = min(len(s) for s in splits.values()) - h_max
    width = _width_record(n_series, cfg)  # each entry records the series it was probed on
    out: dict[str, Any] = {}
    for name, lags in (("raw_short", cfg.short_lags), ("raw_long", cfg.long_lags)):
        lags = int(min(lags, fits))
        data = _probe_data(splits, cfg, lags, nodes)
        out[name] = {"lags": lags, **width, **_probe_features(data.windows, data, cfg)}
    cross = cross_series_reference(splits, cfg, int(min(cfg.short_lags, fits)), nodes)
    if cross:
        out["raw_cross"] = {**width, **cross}
    torch.manual_seed(cfg.seed)
    net = ContrastiveNet(PRESETS["ts2vec"], n_series=n_series).to(device)
    data = _probe_data(splits, cfg, cfg.window, nodes)
    out["untrained_preset"] = {
        "context": cfg.window,
        **width,
        **probe_net(net, data, cfg, device),
    }
    out["seconds"] = time.perf_counter() - t0
    return out


# ---------------------------------------------------------------------------------------------
# CLI


def main(argv: list[str] | None = None) -> int:
    """Entry point of ``python -m contrastive.train``."""
    args, arch, cfg = _parse(argv)
    _say(
        f"training on {args.task or args.data}: {cfg.steps} steps, window {cfg.window}, "
        f"device {cfg.device} ..."
    )
    task = load_data_task(args, max_memory_gb=args.max_memory_gb)
    with step_bar(cfg.steps, "train") as bar:
        rec = label(arch, task, cfg, on_step=bar)
    _say("probing the references (raw lags, untrained ts2vec preset) ...")
    refs = references(task, cfg) if rec["status"] == "ok" else {}
    if args.json:
        out = {
            "task": getattr(task, "name", None),
            "config": asdict(cfg),
            "result": rec,
            "references": refs,
        }
        print(json.dumps(out, default=float))
        return EXIT_OK if rec["status"] == "ok" else 1
    name = getattr(task, "name", "?")
    print(
        f"task {name}  steps {cfg.steps}  window {cfg.window}  seed {cfg.seed}  status {rec['status']}"
    )
    if rec["status"] != "ok":
        print(f"error: {rec['error']}", file=sys.stderr)
        return 1
    print(
        f"series {rec['n_series']}: each training step on {rec['node_subset']}, probes on "
        f"{rec['probe_nodes']}" + (" (a fixed seeded subset)" if "probe_node_index" in rec else "")
    )
    rows = [("this arch, trained", rec), ("this arch, untrained", untrained_part(rec))]
    print_rows(rows + reference_rows(refs), REPORT_COLUMNS)
    print(
        f"label ({cfg.label_kind}) {rec['label']:.4f}  gain {rec['gain']:.4f}  "
        f"scarce_gain {rec['scarce_gain']:.4f}  knn_gain {rec['knn_gain']:.4f}  "
        f"final loss {rec['final_loss']:.4f}  {rec['seconds']:.1f} s"
    )
    note = lags_note(refs, cfg.long_lags)
    if note:
        print(note)
    more = "train longer (--steps 100) or other archs (python -m predictor.search --train-top 5)"
    for line in verdict_lines("this arch", rec, reference_rows(refs), cfg.label_kind, more=more):
        print(line)
    return EXIT_OK


# ---------------------------------------------------------------------------------------------
# Reports shared by ``contrastive.train`` and ``predictor.search --train-best``

REPORT_COLUMNS = ("knn_val_mse", "knn_test_mse", "val_mse", "val_mae", "test_mse", "test_mae")


def _say(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


@contextmanager
def step_bar(total: int, desc: str) -> Iterator[Callable[[int, float], None]]:
    """A tqdm bar on stderr over ``total`` training steps; yields the ``on_step`` callback."""
    from tqdm import tqdm

    bar = tqdm(total=total, desc=desc, unit="step", file=sys.stderr, leave=False)

    def step(k: int, loss: float) -> None:
        bar.update(1)
        bar.set_postfix(loss=f"{loss:.3f}", refresh=False)

    try:
        yield step
    finally:
        bar.close()


def untrained_part(rec: dict) -> dict:
    """The ``untrained_*`` metrics of a label record, without the prefix."""
    return {k[len("untrained_") :]: v for k, v in rec.items() if k.startswith("untrained_")}


def reference_rows(refs: dict) -> list[tuple[str, dict]]:
    """``(title, metrics)`` rows of :func:`references`, titled the same in every report."""
    rows = [
        (f"raw lags {refs[k]['lags']}", refs[k]) for k in ("raw_short", "raw_long") if k in refs
    ]
    if "raw_cross" in refs:  # own lags + those of the most correlated series
        cross = refs["raw_cross"]
        rows.append((f"raw lags {cross['lags']} +{cross['neighbours']} corr.", cross))
    if "untrained_preset" in refs:
        rows.append(("ts2vec preset, untrained", refs["untrained_preset"]))
    return rows


def print_rows(rows: list[tuple[str, dict]], cols: tuple[str, ...] = REPORT_COLUMNS) -> None:
    """A table: one row per ``(title, record)``, the metrics ``cols``; failed records say why."""
    width = max([26] + [len(t) + 2 for t, _ in rows])
    print(f"{'':{width}}" + "".join(f"{c:>13}" for c in cols))
    for title, rec in rows:
        if rec.get("status") == "failed":
            print(f"{title:{width}}  failed: {rec.get('error')}")
            continue
        print(
            f"{title:{width}}"
            + "".join(
                f"{rec[c]:>13.4f}" if isinstance(rec.get(c), float) else f"{'-':>13}" for c in cols
            )
        )


def lags_note(refs: dict, long_lags: int) -> str | None:
    """Why the long raw-lag row has the lag count it has (one line), if it has one."""
    if "raw_long" not in refs:
        return None
    n = refs["raw_long"]["lags"]
    capped = f", capped to {n}, the longest that fits every split" if n < long_lags else ""
    return (
        f"raw lags N: probes on the last N raw values of each series, no training; "
        f"{refs['raw_short']['lags']} and {long_lags} steps (two weeks of hourly data){capped}"
    )


def _test_metric(kind: str) -> str:
    return kind.replace("val", "test") if "val" in kind else "knn_test_mse"


def _versus(ours: float, theirs: float) -> str:
    if not (math.isfinite(ours) and math.isfinite(theirs)) or theirs == 0:
        return "n/a"
    pct = 100.0 * (theirs - ours) / abs(theirs)
    if abs(pct) < 0.5:
        return "even (within 0.5%)"
    return f"{abs(pct):.0f}% {'better' if pct > 0 else 'worse'}"


SEARCH_MORE = "train more candidates (--train-top 5) or longer (--train-steps 100)"


def untrained_note(name: str, rec: dict, kind: str) -> str | None:
    """A warning when the net scores better on ``kind`` before training than after."""
    untrained = rec.get(f"untrained_{kind}")
    if rec.get("status") != "ok" or not isinstance(untrained, float) or untrained >= rec[kind]:
        return None
    return (
        f"note: {name} scores {untrained:.4f} untrained, better than trained ({rec[kind]:.4f}): "
        "training did not help its label here"
    )


def verdict_lines(
    name: str,
    rec: dict,
    others: list[tuple[str, dict]],
    kind: str,
    *,
    advice: bool = True,
    more: str = SEARCH_MORE,
) -> list[str]:
    """What a report means, in a few lines: how ``rec`` compares with ``others`` on the label
    (``kind``, validation split) and on its test counterpart, whether training helped, and
    what to try next. Lower is better for every metric.

    Args:
        name: what ``rec`` is ("the kept arch (rank 3)").
        rec: the label record (``status``, metrics, ``untrained_*``).
        others: ``(title, metrics)`` of the comparisons; the raw-lag rows are titled ``raw lags``.
        kind: the label metric, e.g. ``knn_val_mse``.
        advice: add the "next:" line.
        more: what "keep searching" means for the command that prints it.
    """
    if rec.get("status") != "ok":
        return [f"verdict: {name} failed to train ({rec.get('error')}); nothing to compare"]
    test = _test_metric(kind)
    ok = [(t, r) for t, r in others if r.get("status", "ok") == "ok" and kind in r]
    raw = [(t, r) for t, r in ok if t.startswith("raw lags")]
    best_raw = min(raw, key=lambda tr: tr[1][kind]) if raw else None
    shown = [(t, r) for t, r in ok if not t.startswith("raw lags")]
    shown += [(f"the best raw-lag reference ({best_raw[0]})", best_raw[1])] if best_raw else []
    lines = [f"verdict: {name}, {kind} {rec[kind]:.4f} (val) / {rec.get(test, float('nan')):.4f} "
             f"({test}):"]  # fmt: skip
    for title, r in shown:
        lines.append(
            f"  vs {title}: {_versus(rec[kind], r[kind])} on the label, "
            f"{_versus(rec.get(test, math.nan), r.get(test, math.nan))} on test"
        )
    note = untrained_note(name, rec, kind)
    lines += [f"  {note}"] if note else []
    if advice:
        beats_raw = best_raw is None or rec[kind] < best_raw[1][kind]
        beats_all = all(rec[kind] < r[kind] for _, r in ok)
        lost_on_test = [t for t, r in ok if rec.get(test, math.inf) >= r.get(test, math.inf)]
        if beats_all and not lost_on_test:
            nxt = "it beats every reference on the label and on test: use the saved encoder"
        elif beats_all:
            nxt = (
                f"it beats every reference on the label but not on test ({', '.join(lost_on_test)}):"
                " the lead may not carry over; check it on your own downstream task first"
            )
        elif not beats_raw:
            nxt = (
                "raw lags forecast better here (as on most bundled tasks): for forecasting, start "
                f"from raw lags; to keep searching, {more}"
            )
        else:
            nxt = f"it beats raw lags but not every learnt reference: {more}, or use the better one"
        lines.append(f"  next: {nxt}")
    return lines


if __name__ == "__main__":
    run_main(main)
