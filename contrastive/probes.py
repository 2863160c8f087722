"""Probes: what a label measures a frozen net with, before and after training.

A probe holds its data (windows or samples, targets or classes) and measures a net through one
interface, :class:`Probe`: ``probe.measure(net, device) -> {metric: value}``, the net frozen (eval
mode, no gradients). The label (:mod:`contrastive.protocol`) calls it on the untrained net (the
same init) and on the trained one, whatever the task's kind.

* :class:`ForecastProbe` (series tasks): windows of ``cfg.window`` steps taken inside one split
  only (never straddling a boundary), at most ``cfg.probe_windows`` evenly spaced per split.
  Features = the encoder's representation at the window's last step, per series (``[R]``);
  targets = that series' next ``H`` values. One ridge (``RidgeCV``, alphas ``1e-3..1e3``,
  standardised features) shared by the series, fitted on train windows and scored on val and
  test. Two fits: ``full`` (all probe windows) and ``scarce`` (``cfg.scarce_windows`` evenly
  spaced labelled windows). A third, fit-free probe (:func:`knn_probe`, metrics ``knn_*``)
  forecasts from the ``cfg.knn_k`` train windows with the most similar representations: it sees
  the representation's geometry, which a linear probe on random features mostly does not. On a
  task wider than ``cfg.probe_nodes`` series it runs on a fixed seeded subset of them
  (:func:`probe_node_index`). :meth:`ForecastProbe.fit` probes given features (raw lags, for the
  references of :mod:`contrastive.references`).
* :class:`SampleProbe` (labelled samples): each whole sample encoded (``[S, R, N, L]``), pooled
  over time (``max`` or ``last``), the series joined (``concat`` or ``mean``), then a
  standardised multinomial logistic regression whose ``C`` is chosen on the train samples by
  stratified k-fold accuracy (:func:`fit_classifier`) and a fit-free kNN classifier
  (:func:`knn_classify`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np
import torch
from sklearn.linear_model import LogisticRegression, Ridge, RidgeCV
from sklearn.model_selection import StratifiedKFold
from sklearn.preprocessing import StandardScaler

from .config import TrainConfig
from .net import ContrastiveNet

# Inverse regularisation strengths of the logistic-regression grid.
C_GRID: tuple[float, ...] = (1e-3, 1e-2, 1e-1, 1.0, 10.0, 100.0)
POOLS = ("max", "last")
KNN_K = 5  # neighbours of the kNN classifier
SERIES_JOINS = ("concat", "mean")
PROBE_CHUNK = 64  # samples per frozen-encoder forward


class Probe(Protocol):
    """What a label measures a net with (:class:`ForecastProbe`, :class:`SampleProbe`)."""

    def measure(self, net: ContrastiveNet, device: torch.device) -> dict[str, float]:
        """The metrics of ``net``'s frozen representations; raises ``FloatingPointError`` on
        non-finite ones."""
        ...


# ---------------------------------------------------------------------------------------------
# Forecasting: windows of a series task


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


# Seed of the probed series, fixed so that it never touches the generator of batches and views:
# a task of at most M series draws nothing, and its labels are those of earlier versions.
PROBE_NODE_SEED = 0x9B0BE


def probe_node_index(n_series: int, probe_nodes: int) -> np.ndarray | None:
    """The series the probes run on: ``None`` (all) when ``n_series <= probe_nodes`` or
    ``probe_nodes == 0``, else ``probe_nodes`` indices, sorted, drawn without replacement by
    ``numpy.random.default_rng(PROBE_NODE_SEED)``; the same for every arch and training seed."""
    if probe_nodes == 0 or n_series <= probe_nodes:
        return None
    rng = np.random.default_rng(PROBE_NODE_SEED)
    return np.sort(rng.choice(n_series, size=probe_nodes, replace=False))


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
class ForecastProbe:
    """Probe windows and targets of a series task's splits, and the probes fitted on them.

    Build with :meth:`of`. Attributes: ``windows`` (split -> ``[W, M, T]``), ``ys`` (split ->
    ``[W, M, H_max]``), ``scarce_rows`` (the labelled train windows of the label-scarce fit),
    ``nodes`` (``[M]`` the probed series among the ``N``; ``None``: all), ``ends`` (split ->
    ``[W]`` last steps), ``cfg`` (horizons, alphas, ``probe_cv``, ``knn_k``).
    """

    windows: dict[str, np.ndarray]
    ys: dict[str, np.ndarray]
    scarce_rows: np.ndarray
    cfg: TrainConfig
    nodes: np.ndarray | None = None
    ends: dict[str, np.ndarray] = field(default_factory=dict)

    @classmethod
    def of(
        cls,
        splits: dict[str, np.ndarray],
        cfg: TrainConfig,
        context: int,
        nodes: np.ndarray | None = None,
    ) -> ForecastProbe:
        """Windows of ``context`` steps and their targets of the series ``nodes`` (``None``:
        all) of every split ``[T_s, N]``; ``ValueError`` when a split is too short."""
        h_max = max(cfg.horizons)
        if nodes is not None:
            splits = {k: v[:, nodes] for k, v in splits.items()}  # [T_s, M]
        windows, ys, all_ends = {}, {}, {}
        for name in ("train", "val", "test"):
            ends = window_ends(len(splits[name]), context, h_max, cfg.probe_windows)
            all_ends[name] = ends
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
        return cls(windows, ys, scarce, cfg, nodes, all_ends)

    def fit(self, feats: dict[str, np.ndarray]) -> dict[str, float]:
        """The full and label-scarce ridge probes and the kNN probe of ``feats[split] [W, M,
        F]`` (one row per window of :attr:`windows`)."""
        cfg = self.cfg
        full = fit_probe(feats, self.ys, cfg.horizons, cfg.alphas, cv=cfg.probe_cv)
        scarce = fit_probe(feats, self.ys, cfg.horizons, cfg.alphas, self.scarce_rows)
        last = {name: w[..., -1] for name, w in self.windows.items()}  # [W, M]
        knn = knn_probe(feats, self.ys, last, cfg.horizons, cfg.knn_k)
        return {**full, **{f"scarce_{k}": v for k, v in scarce.items()}, **knn}

    def measure(self, net: ContrastiveNet, device: torch.device) -> dict[str, float]:
        """:meth:`fit` on ``net``'s frozen last-step representations of the windows."""
        feats = {k: encode_last(net, w, device, nodes=self.nodes) for k, w in self.windows.items()}
        for k, f in feats.items():
            if not np.isfinite(f).all():
                raise FloatingPointError(f"non-finite representations on the {k} split")
        return self.fit(feats)


# ---------------------------------------------------------------------------------------------
# Classification: labelled samples


def fit_classifier(
    x_train: np.ndarray,
    y_train: np.ndarray,
    x_test: np.ndarray,
    y_test: np.ndarray,
    cs: Sequence[float] = C_GRID,
    max_iter: int = 1000,
) -> dict[str, float]:
    """Standardised multinomial logistic regression, ``C`` by stratified k-fold train accuracy.

    Args:
        x_train, x_test: ``[S, F]`` features.
        y_train, y_test: ``[S]`` class indices.
        cs: the ``C`` grid (ties go to the smaller ``C``).
        max_iter: lbfgs iterations.

    Returns:
        ``cv_acc`` (mean fold accuracy of the chosen ``C``; NaN when a class has one train
        sample, and then ``C = 1``), ``test_acc``, ``train_acc``, ``C``, ``folds``.
    """
    scaler = StandardScaler().fit(x_train)
    xtr, xte = scaler.transform(x_train), scaler.transform(x_test)

    def model(c: float) -> LogisticRegression:
        return LogisticRegression(C=c, max_iter=max_iter)

    folds = int(min(5, np.bincount(y_train).min()))
    best_c, best_acc = 1.0, float("nan")
    if folds >= 2:
        split = list(StratifiedKFold(folds, shuffle=True, random_state=0).split(xtr, y_train))
        accs = []
        for c in cs:
            hits = 0
            for fit_rows, held in split:
                # Fold scaling is the whole-train scaler's: a mild, identical leak for every C.
                pred = model(c).fit(xtr[fit_rows], y_train[fit_rows]).predict(xtr[held])
                hits += int((pred == y_train[held]).sum())
            accs.append(hits / len(y_train))
        k = int(np.argmax(accs))  # first maximum: the smallest C
        best_c, best_acc = float(cs[k]), float(accs[k])
    clf = model(best_c).fit(xtr, y_train)
    return {
        "cv_acc": best_acc,
        "test_acc": float((clf.predict(xte) == y_test).mean()),
        "train_acc": float((clf.predict(xtr) == y_train).mean()),
        "C": best_c,
        "folds": folds,
    }


def knn_classify(
    x_train: np.ndarray, y_train: np.ndarray, x_test: np.ndarray, k: int = KNN_K
) -> np.ndarray:
    """Fit-free k-nearest-neighbour classes: ``[S_test]`` predictions.

    Cosine similarity of ``[S, F]`` features; each test sample takes the class with the largest
    summed similarity among its ``k`` most similar train samples (ties: the lower class index).
    Like the forecasting kNN probe, it sees the representation's geometry, which a linear probe
    on random features can work around.
    """
    a = x_train / np.maximum(np.linalg.norm(x_train, axis=1, keepdims=True), 1e-12)
    b = x_test / np.maximum(np.linalg.norm(x_test, axis=1, keepdims=True), 1e-12)
    k = min(k, len(a))
    sim = b.astype(np.float64) @ a.T.astype(np.float64)  # [S_test, S_train]
    idx = np.argpartition(-sim, k - 1, axis=1)[:, :k]  # [S_test, k]
    votes = np.zeros((len(b), int(y_train.max()) + 1))
    np.add.at(votes, (np.arange(len(b))[:, None], y_train[idx]), np.take_along_axis(sim, idx, 1))
    return votes.argmax(axis=1)


@torch.no_grad()
def encode_samples(
    net: ContrastiveNet, samples: np.ndarray, device: torch.device, chunk: int = PROBE_CHUNK
) -> np.ndarray:
    """Frozen representations of whole samples: ``[S, N, L]`` -> ``[S, R, N, L]`` float32."""
    net.eval()
    out = []
    for i in range(0, len(samples), chunk):
        x = torch.from_numpy(np.ascontiguousarray(samples[i : i + chunk]))[:, None]  # [s,1,N,L]
        out.append(net.encode(x.to(device)).float().cpu().numpy())  # [s, R, N, L]
    return np.concatenate(out)


def pool_features(z: np.ndarray, pool: str, join: str = "concat") -> np.ndarray:
    """``z [S, R, N, L]`` -> features: pool over time, then join the series.

    Args:
        z: representations.
        pool: ``"max"`` (over all steps) or ``"last"`` (the last step).
        join: ``"concat"`` (``[S, N * R]``, series-major) or ``"mean"`` (``[S, R]``).
    """
    if pool == "max":
        p = z.max(axis=-1)  # [S, R, N]
    elif pool == "last":
        p = z[..., -1]  # [S, R, N]
    else:
        raise ValueError(f"pool {pool!r} not in {POOLS}")
    if join == "concat":
        return np.ascontiguousarray(p.transpose(0, 2, 1)).reshape(len(p), -1)  # [S, N*R]
    if join == "mean":
        return p.mean(axis=-1)  # [S, R]
    raise ValueError(f"join {join!r} not in {SERIES_JOINS}")


def check_pooling(pools: Sequence[str], join: str) -> None:
    """Raise ``ValueError`` unless ``pools`` is a non-empty sequence of :data:`POOLS` and
    ``join`` one of :data:`SERIES_JOINS`."""
    if not pools or any(p not in POOLS for p in pools):
        raise ValueError(f"pools {tuple(pools)!r}: each must be one of {POOLS}")
    if join not in SERIES_JOINS:
        raise ValueError(f"join {join!r} not in {SERIES_JOINS}")


@dataclass
class SampleProbe:
    """The classifiers of :func:`fit_classifier` and :func:`knn_classify` on a net's frozen,
    pooled representations of labelled samples.

    Attributes:
        x_train, x_test: ``[S, N, L]`` standardised samples.
        y_train, y_test: ``[S]`` class indices.
        pools: time poolings to probe (:data:`POOLS`); the first is the headline.
        join: how series are joined (``"concat"`` or ``"mean"``).
        cs: the ``C`` grid.

    Raises:
        ValueError: a pooling or join that does not exist.
    """

    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    pools: Sequence[str] = POOLS
    join: str = "concat"
    cs: Sequence[float] = C_GRID

    def __post_init__(self) -> None:
        check_pooling(self.pools, self.join)

    def measure(self, net: ContrastiveNet, device: torch.device) -> dict[str, float]:
        """``{pool}_cv_acc``, ``{pool}_test_acc``, ``{pool}_C`` for each pool of ``pools``, and
        ``{pool}_knn_test_acc`` of :func:`knn_classify` on the same features."""
        z_tr = encode_samples(net, self.x_train, device)  # [S, R, N, L]
        z_te = encode_samples(net, self.x_test, device)
        for split, z in (("train", z_tr), ("test", z_te)):
            if not np.isfinite(z).all():
                raise FloatingPointError(f"non-finite representations of the {split} samples")
        out: dict[str, float] = {}
        for pool in self.pools:
            f_tr, f_te = pool_features(z_tr, pool, self.join), pool_features(z_te, pool, self.join)
            r = fit_classifier(f_tr, self.y_train, f_te, self.y_test, self.cs)
            out.update({f"{pool}_{k}": r[k] for k in ("cv_acc", "test_acc", "C")})
            hits = knn_classify(f_tr, self.y_train, f_te) == self.y_test
            out[f"{pool}_knn_test_acc"] = float(hits.mean())
        return out
