"""The training loop: contrastive AdamW steps on random windows, and the settings it runs under.

* :func:`train_net`: ``cfg.steps`` AdamW steps (the arch's lr and batch size, gradient clipping
  at ``cfg.grad_clip``, the ``cfg.schedule`` learning-rate schedule) on random ``cfg.window``-step
  windows of one series ``[T, N]`` or of labelled samples ``[S, N, T]``; a task of more than
  ``cfg.node_subset`` series trains each step on a seeded random subset (:func:`node_sampler`).
* :func:`compute_settings`: the torch and BLAS thread counts and flush-denormal mode a label runs
  with, applied for the duration of a ``with`` block and restored after.
* :func:`resolve_device`: ``"auto"`` -> CUDA when available, else CPU.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from types import TracebackType

import numpy as np
import torch
from threadpoolctl import threadpool_limits

from .config import TrainConfig
from .net import ContrastiveNet


def resolve_device(device: str) -> torch.device:
    """``"auto"`` -> CUDA when available, else CPU; anything else is passed to ``torch.device``."""
    if device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    return torch.device(device)


class compute_settings:  # noqa: N801 (used like a function, as threadpoolctl's threadpool_limits)
    """Run with ``cfg.threads`` torch and BLAS threads and flush-denormal mode on.

    Making one checks ``cfg`` and applies the settings; leaving its ``with`` block restores the
    thread counts the process had (torch's and the BLAS libraries'), so a label does not change
    them for the rest of the process. Flush-denormal mode stays on (torch cannot read it back).
    Used without ``with``, the settings stay, as a process-wide setup.

    ``with compute_settings(cfg) as device:`` yields the resolved ``cfg.device``.

    Raises:
        ValueError: ``cfg`` cannot run (:meth:`TrainConfig.check`).
    """

    def __init__(self, cfg: TrainConfig):
        cfg.check()
        n = max(1, int(cfg.threads))
        self.device = resolve_device(cfg.device)
        self._torch_threads = torch.get_num_threads()
        torch.set_flush_denormal(True)
        torch.set_num_threads(n)
        # numpy/scipy BLAS too: idle BLAS threads spinning next to torch cost up to 10x on the probe
        self._blas = threadpool_limits(limits=n)

    def __enter__(self) -> torch.device:
        return self.device

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.restore()

    def restore(self) -> None:
        """Put back the thread counts the process had before."""
        self._blas.restore_original_limits()
        torch.set_num_threads(self._torch_threads)


# Salt of the seed of the series each step trains on, fixed so that the choice never touches the
# generator of batches and views: a task of at most S series draws nothing, and its labels are
# those of earlier versions.
NODE_SEED_SALT = 0x5EB5E7


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
    ``cfg.window`` steps inside it; :func:`contrastive.protocol.classify_label`). With more than
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
