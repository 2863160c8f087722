"""References: what a label is compared with, probed exactly as the labels are.

* :func:`references` (series tasks): raw-lag ridge/kNN probes on the last ``cfg.short_lags`` and
  ``cfg.long_lags`` raw values of each series, the cross-series raw-lag reference
  (:func:`cross_series_reference`: each series' own lags plus those of its most correlated
  series) and the untrained TS2Vec-like preset, each through
  :class:`~contrastive.probes.ForecastProbe`.
* :func:`raw_probe` (labelled samples): the classifier of
  :func:`~contrastive.probes.fit_classifier` on the flattened standardised samples.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

import numpy as np
import torch

from .config import TrainConfig
from .net import ContrastiveNet
from .presets import PRESETS
from .probes import C_GRID, ForecastProbe, fit_classifier, lag_windows, probe_node_index
from .protocol import check_memory, task_text, width_record
from .samples import SampleTask
from .training import compute_settings

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
    splits: dict[str, np.ndarray], data: ForecastProbe, neighbours: np.ndarray, lags: int
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
    data = ForecastProbe.of(splits, cfg, lags, nodes)
    key = "knn_val_mse" if cfg.label_kind.startswith("knn") else "val_mse"
    top = correlated_series(splits["train"], max(CROSS_NEIGHBOURS))
    best: dict[str, Any] = {}
    for k in sorted({min(k, n - 1) for k in CROSS_NEIGHBOURS}):
        feats = _cross_lag_features(splits, data, top[:, :k], lags)
        out = {"lags": lags, "neighbours": k, **data.fit(feats)}
        if not best or out[key] < best[key]:
            best = out
    best["chosen_by"] = key
    return best


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
    with compute_settings(cfg) as device:
        shape = getattr(task, "shape", None)
        if shape is not None:  # the preset's probe is the biggest part; it trains nothing
            check_memory(PRESETS["ts2vec"], shape, cfg, task_text(task), train=False)
        splits = task.splits()
        n_series = int(splits["train"].shape[1])
        nodes = probe_node_index(n_series, cfg.probe_nodes)  # the series the labels are probed on
        h_max = max(cfg.horizons)
        fits = min(len(s) for s in splits.values()) - h_max
        width = width_record(n_series, cfg)  # each entry records the series it was probed on
        out: dict[str, Any] = {}
        for name, lags in (("raw_short", cfg.short_lags), ("raw_long", cfg.long_lags)):
            lags = int(min(lags, fits))
            probe = ForecastProbe.of(splits, cfg, lags, nodes)
            out[name] = {"lags": lags, **width, **probe.fit(probe.windows)}
        cross = cross_series_reference(splits, cfg, int(min(cfg.short_lags, fits)), nodes)
        if cross:
            out["raw_cross"] = {**width, **cross}
        torch.manual_seed(cfg.seed)
        net = ContrastiveNet(PRESETS["ts2vec"], n_series=n_series).to(device)
        probe = ForecastProbe.of(splits, cfg, cfg.window, nodes)
        out["untrained_preset"] = {"context": cfg.window, **width, **probe.measure(net, device)}
    out["seconds"] = time.perf_counter() - t0
    return out


def raw_probe(task: SampleTask, cs: Sequence[float] = C_GRID) -> dict[str, float]:
    """The reference: the same classifier on the flattened standardised samples ``[S, N * L]``."""
    t0 = time.perf_counter()
    xtr, xte = task.standardised()
    out = fit_classifier(
        xtr.reshape(len(xtr), -1), task.y_train, xte.reshape(len(xte), -1), task.y_test, cs
    )
    out["seconds"] = time.perf_counter() - t0
    return out
