"""Task features from a task's training split: cheap statistics and a learned window embedding.

A task is a ``[T, N]`` array (time steps x series) or any object with ``.splits()["train"]``
(such an array) and ``.fingerprint`` (as ``contrastive.data.Task``). Features are cached by
fingerprint in memory and, optionally, as ``.npz`` files (no pickle) in a cache directory.

- :func:`task_stats`: ``[S]`` statistics (:data:`STAT_NAMES`).
- :class:`WindowEmbedder`: a small TS2Vec-style dilated-conv encoder, trained contrastively on
  the corpus' windows (two overlapping random crops of a window must match each other among the
  batch, the instance-contrast term of TS2Vec, plus a timestamp-level term on the overlap; both
  are ``contrastive.losses.info_nce``, the loss the LossCell trains archs with).
- :class:`TaskFeaturizer`: both together; ``features(task)`` gives a :class:`TaskFeatures`.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from contrastive.losses import dot_sim, info_nce

ACF_LAGS = (1, 2, 4, 8, 24)
STAT_NAMES = (
    "log_n_series",
    "log_length",
    "log_freq",
    *(f"acf_{lag}" for lag in ACF_LAGS),
    "spectral_entropy",
    "trend_strength",
    "seasonal_strength",
    "cross_corr",
)


@contextlib.contextmanager
def torch_threads(n: int):
    """Run a block with ``n`` intra-op threads (tiny graphs: 1 is fastest; torch's scatter is
    pathologically slow with contended threads), then restore the previous setting."""
    old = torch.get_num_threads()
    torch.set_num_threads(max(1, n))
    try:
        yield
    finally:
        torch.set_num_threads(old)


def train_array(task: Any) -> np.ndarray:
    """The training split of a task as float64 ``[T, N]``."""
    data = task.splits()["train"] if hasattr(task, "splits") else task
    arr = np.asarray(data, dtype=np.float64)
    if arr.ndim == 1:
        arr = arr[:, None]
    if arr.ndim != 2 or arr.shape[0] < 4 or arr.shape[1] < 1:
        raise ValueError(
            f"expected a task's training split [T >= 4, N >= 1], got shape {arr.shape}"
        )
    return arr


def fingerprint(task: Any) -> str:
    """The task's ``.fingerprint`` or SHA-256 (16 hex) of a raw array's shape, dtype and bytes."""
    fp = getattr(task, "fingerprint", None)
    if fp is not None:
        return str(fp)
    arr = np.ascontiguousarray(np.asarray(task, dtype=np.float64))
    h = hashlib.sha256(f"{arr.shape}|{arr.dtype}".encode())
    h.update(arr.tobytes())
    return h.hexdigest()[:16]


def _standardise(x: np.ndarray) -> np.ndarray:
    x = np.nan_to_num(x - np.nanmean(x, axis=0, keepdims=True))
    sd = x.std(axis=0, keepdims=True)
    return x / np.where(sd > 1e-12, sd, 1.0)


def _strengths(z: np.ndarray, period: int) -> tuple[float, float]:
    """Hyndman trend/seasonal strength of standardised series ``z [T, N]`` (means over N)."""
    t = z.shape[0]
    w = max(3, min(period if period > 1 else 7, t // 2) | 1)  # odd moving-average window
    kernel = np.ones(w) / w
    trend = np.stack([np.convolve(z[:, j], kernel, mode="same") for j in range(z.shape[1])], 1)
    detr = z - trend
    if period > 1 and t >= 2 * period:
        phase = np.arange(t) % period
        means = np.stack([detr[phase == p].mean(0) for p in range(period)])  # [period, N]
        seasonal = means[phase]
    else:
        seasonal = np.zeros_like(z)
    resid = detr - seasonal
    vr = resid.var(0)
    ft = np.clip(1 - vr / np.maximum((trend + resid).var(0), 1e-12), 0, 1)
    fs = np.clip(1 - vr / np.maximum((seasonal + resid).var(0), 1e-12), 0, 1)
    return float(ft.mean()), float(fs.mean())


def task_stats(task: Any, freq: float | None = None, max_series: int = 64) -> np.ndarray:
    """Cheap statistics of a task's training split.

    Args:
        task: ``[T, N]`` array or task object (its ``freq`` attribute is used when ``freq`` is
            None: samples per day, e.g. 24 for hourly; 0 when unknown).
        freq: sampling frequency override.
        max_series: series kept (evenly spaced) for the per-series statistics.

    Returns:
        ``[len(STAT_NAMES)]`` float32, finite.
    """
    x = train_array(task)
    t, n = x.shape
    if freq is None:
        freq = getattr(task, "freq", None)
        freq = float(freq) if isinstance(freq, (int, float)) else 0.0
    keep = np.unique(np.linspace(0, n - 1, min(n, max_series)).astype(int))
    z = _standardise(x[:, keep])  # [T, n']
    var = (z**2).sum(0)
    acf = [
        float(np.mean((z[lag:] * z[:-lag]).sum(0) / np.maximum(var, 1e-12))) if lag < t else 0.0
        for lag in ACF_LAGS
    ]
    power = np.abs(np.fft.rfft(z, axis=0)[1:]) ** 2  # [F, n']
    p = power / np.maximum(power.sum(0, keepdims=True), 1e-12)
    ent = -(p * np.log(np.maximum(p, 1e-12))).sum(0) / np.log(max(p.shape[0], 2))
    dominant = int(np.argmax(power.mean(1))) + 1 if power.size else 0
    period = int(round(t / dominant)) if dominant else 0
    period = period if 2 <= period <= t // 2 else 0
    trend, seasonal = _strengths(z, period)
    if z.shape[1] > 1:
        c = np.corrcoef(z.T)
        cross = float(np.abs(c[np.triu_indices_from(c, 1)]).mean())
    else:
        cross = 1.0
    stats = [np.log(n), np.log(t), np.log1p(freq), *acf, float(ent.mean()), trend, seasonal, cross]
    return np.nan_to_num(np.asarray(stats, dtype=np.float32))


# --- learned window embedding --------------------------------------------------------------


@dataclass
class EmbedderConfig:
    """Window embedder settings. ``tiny()`` is the CPU test config."""

    window: int = 64
    hidden: int = 32
    dim: int = 32
    depth: int = 4
    windows_per_task: int = 64
    epochs: int = 10
    batch_size: int = 64
    lr: float = 1e-3
    temperature: float = 0.2
    threads: int = 1
    seed: int = 0

    @classmethod
    def tiny(cls) -> EmbedderConfig:
        return cls(
            window=32, hidden=8, dim=8, depth=2, windows_per_task=16, epochs=2, batch_size=16
        )


class _ConvEncoder(nn.Module):
    """TS2Vec-style encoder: input projection, residual dilated conv blocks; ``[B, L] -> [B, L, D]``."""

    def __init__(self, hidden: int, dim: int, depth: int):
        super().__init__()
        self.inp = nn.Linear(1, hidden)
        self.blocks = nn.ModuleList(
            nn.Conv1d(hidden, hidden, 3, padding=2**i, dilation=2**i) for i in range(depth)
        )
        self.out = nn.Conv1d(hidden, dim, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = self.inp(x.unsqueeze(-1)).transpose(1, 2)  # [B, H, L]
        for conv in self.blocks:
            h = h + F.gelu(conv(h))
        return self.out(h).transpose(1, 2)  # [B, L, D]


class WindowEmbedder:
    """Encodes univariate windows ``[W, L]`` to ``[W, D]`` (max-pooled over time)."""

    def __init__(self, config: EmbedderConfig | None = None):
        self.config = config or EmbedderConfig()
        torch.manual_seed(self.config.seed)
        c = self.config
        self.net = _ConvEncoder(c.hidden, c.dim, c.depth)
        self.trained = False

    def windows(self, task: Any, n: int | None = None, seed: int | None = None) -> np.ndarray:
        """``[W, L]`` z-normalised univariate windows drawn from the training split (seeded)."""
        x = train_array(task)
        c = self.config
        n = n or c.windows_per_task
        rng = np.random.default_rng(
            int(hashlib.sha256(fingerprint(task).encode()).hexdigest()[:8], 16)
            if seed is None
            else seed
        )
        t, m = x.shape
        length = min(c.window, t)
        starts = rng.integers(0, t - length + 1, size=n)
        cols = rng.integers(0, m, size=n)
        w = np.stack([x[s : s + length, j] for s, j in zip(starts, cols, strict=True)])
        w = (w - w.mean(1, keepdims=True)) / np.maximum(w.std(1, keepdims=True), 1e-8)
        if length < c.window:  # pad short series at the front
            w = np.concatenate([np.zeros((n, c.window - length)), w], axis=1)
        return w.astype(np.float32)

    def fit(self, tasks: list[Any], verbose: bool = False) -> list[float]:
        """Contrastive training on windows of ``tasks``; returns the loss per epoch."""
        with torch_threads(self.config.threads):
            return self._fit(tasks, verbose)

    def _fit(self, tasks: list[Any], verbose: bool) -> list[float]:
        c = self.config
        torch.manual_seed(c.seed)
        data = torch.from_numpy(np.concatenate([self.windows(t) for t in tasks]))  # [W, L]
        opt = torch.optim.Adam(self.net.parameters(), lr=c.lr)
        gen = torch.Generator().manual_seed(c.seed)
        losses = []
        crop = max(4, (3 * c.window) // 4)
        for epoch in range(c.epochs):
            perm = torch.randperm(len(data), generator=gen)
            total = 0.0
            for i in range(0, len(data), c.batch_size):
                xb = data[perm[i : i + c.batch_size]]
                if len(xb) < 2:
                    continue
                o1, o2 = torch.randint(0, c.window - crop + 1, (2,), generator=gen).tolist()
                h1 = self.net(
                    xb[:, o1 : o1 + crop] + 0.05 * torch.randn(xb[:, :crop].shape, generator=gen)
                )
                h2 = self.net(
                    xb[:, o2 : o2 + crop] + 0.05 * torch.randn(xb[:, :crop].shape, generator=gen)
                )
                lo, hi = max(o1, o2), min(o1, o2) + crop  # overlap in window coordinates
                # Unit vectors, so the dot product is the cosine similarity.
                z1 = F.normalize(h1.max(1).values, dim=-1)[None]  # [1, B, D]
                z2 = F.normalize(h2.max(1).values, dim=-1)[None]  # [1, B, D]
                # Instance contrast, both crops as anchors: one group of the B windows.
                loss = info_nce(z1, z2, dot_sim, c.temperature) + info_nce(
                    z2, z1, dot_sim, c.temperature
                )
                if hi - lo >= 2:  # temporal contrast on the overlap: one group per window
                    a = F.normalize(h1[:, lo - o1 : hi - o1], dim=-1)  # [B, hi - lo, D]
                    b = F.normalize(h2[:, lo - o2 : hi - o2], dim=-1)  # [B, hi - lo, D]
                    loss = loss + info_nce(a, b, dot_sim, c.temperature)
                opt.zero_grad()
                loss.backward()
                opt.step()
                total += float(loss.detach()) * len(xb)
            losses.append(total / len(data))
            if verbose:
                print(f"embedder epoch {epoch}: loss {losses[-1]:.4f}")
        self.trained = True
        return losses

    @torch.no_grad()
    def embed(self, windows: np.ndarray) -> np.ndarray:
        """``[W, L]`` -> ``[W, D]`` float32."""
        self.net.eval()
        with torch_threads(self.config.threads):
            return self.net(torch.from_numpy(windows)).max(1).values.numpy().astype(np.float32)

    def digest(self) -> str:
        """Short hash of the weights and config (part of the feature cache key)."""
        h = hashlib.sha256(json.dumps(asdict(self.config), sort_keys=True).encode())
        for v in self.net.state_dict().values():
            h.update(v.numpy().tobytes())
        return h.hexdigest()[:12]

    def state(self) -> dict[str, Any]:
        return {"config": asdict(self.config), "state_dict": self.net.state_dict()}


@dataclass
class TaskFeatures:
    """Features of one task.

    Attributes:
        stats: ``[S]`` statistics (:data:`STAT_NAMES`).
        windows: ``[W, D]`` window embeddings (``[0, 0]`` without an embedder).
        pooled: ``[D]`` mean of ``windows`` (``[0]`` without an embedder).
    """

    stats: np.ndarray
    windows: np.ndarray = field(default_factory=lambda: np.zeros((0, 0), np.float32))
    pooled: np.ndarray = field(default_factory=lambda: np.zeros(0, np.float32))

    def vector(self) -> np.ndarray:
        """``[S + D]`` stats followed by the pooled embedding."""
        return np.concatenate([self.stats, self.pooled]).astype(np.float32)


class TaskFeaturizer:
    """Statistics + (optional) learned embedding, cached by fingerprint.

    Args:
        embedder: a trained :class:`WindowEmbedder`, or None for statistics only.
        cache_dir: optional directory of ``<fingerprint>-<digest>.npz`` files.
    """

    def __init__(self, embedder: WindowEmbedder | None = None, cache_dir: str | Path | None = None):
        self.embedder = embedder
        self.cache_dir = Path(cache_dir) if cache_dir else None
        self._memory: dict[str, TaskFeatures] = {}

    def _key(self, fp: str) -> str:
        return f"{fp}-{self.embedder.digest() if self.embedder else 'stats'}"

    def features(self, task: Any) -> TaskFeatures:
        """Features of a task (cached); the same task gives identical arrays."""
        if isinstance(task, TaskFeatures):
            return task
        key = self._key(fingerprint(task))
        if key in self._memory:
            return self._memory[key]
        path = self.cache_dir / f"{key}.npz" if self.cache_dir else None
        if path is not None and path.is_file():
            with np.load(path, allow_pickle=False) as z:
                feats = TaskFeatures(z["stats"], z["windows"], z["pooled"])
        else:
            stats = task_stats(task)
            if self.embedder is not None:
                win = self.embedder.embed(self.embedder.windows(task))
                feats = TaskFeatures(stats, win, win.mean(0))
            else:
                feats = TaskFeatures(stats)
            if path is not None:
                path.parent.mkdir(parents=True, exist_ok=True)
                np.savez(path, stats=feats.stats, windows=feats.windows, pooled=feats.pooled)
        self._memory[key] = feats
        return feats
