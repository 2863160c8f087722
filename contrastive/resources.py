"""Memory estimates, so that a job too big for the machine is refused up front.

A label that needs more memory than the machine has is otherwise killed by the OS (or swaps it
to a halt) after minutes of work, with no message. Here each big allocation of the pipeline is
estimated from shapes alone, before anything is allocated, and :func:`check` refuses a job whose
estimate exceeds a cap, naming the file or arch field, the estimate and the cap.

What is counted (bytes; float32 tensors unless said otherwise):

* :func:`csv_bytes`: parsing a CSV with pandas and cleaning it. The number of cells is the file
  size divided by the mean row length of its first 64 KiB; each cell costs about
  ``CSV_BYTES_PER_CELL`` (float64 frame, the float64 array built from it, the copy that
  :func:`contrastive.data.clean` works on, masks).
* :func:`train_step_bytes`: one training step of an arch on ``[B, C, N, T]`` windows
  (``B = batch_size``, both views: ``2B``). Parameters with gradients and AdamW moments
  (``4P``); encoder activations kept for the backward pass, per op and position of the
  ``[2B, N, T, H]`` hidden state (``ACT_PER_OP``: measured ``saved_tensors`` sizes); the
  contrast logits of every pooled level ``T_l`` (``T_l * (BN)^2`` for instance contrast,
  ``(2BN)^2 T_l`` with NT-Xent, ``BN * T_l^2`` for temporal and neighbor contrast,
  ``2 k BN (T_l / k)^2`` for multiscale), times ``LOGIT_COPIES`` of the loss; plus
  ``BACKWARD_FACTOR`` for the backward pass's transient buffers. Attention adds no ``T^2`` or
  ``N^2`` term: ``scaled_dot_product_attention`` runs fused kernels that never hold the score
  matrix (measured on CPU: 20 MB peak for ``T = 2048``, where the matrix would take 268 MB).
* :func:`label_bytes`: a whole label (:func:`contrastive.protocol.label`): the task's values and
  standardised splits, the probe windows and targets, the probe's ridge fits (float64), the
  frozen encoder's forward over 64-window chunks, and the training step.

The estimates aim at the peak resident memory within a factor of about two (the tests check a
loose bound against the measured peak RSS of real steps); they are meant to catch jobs that are
orders of magnitude too big, not to pack a machine tightly.
"""

from __future__ import annotations

import contextlib
import ctypes
import gc
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

GIB = 1 << 30
# Default cap of TrainConfig.max_memory_gb and contrastive.data.from_csv (GiB; 0: no cap).
DEFAULT_MAX_MEMORY_GB = 8.0

CSV_BYTES_PER_CELL = 40
CSV_SAMPLE_BYTES = 1 << 16
# Activations an encoder op keeps for backward, in hidden-state tensors [2B, N, T, H]
# (index = op index of the arch contract: skip, dcc, diff_gcn, trans, s_trans); measured with
# torch.autograd.graph.saved_tensors_hooks, dropout included.
ACT_PER_OP = (0.0, 5.0, 6.0, 7.0, 7.0)
# Peak over saved activations: gradients and temporaries of the backward pass, allocator slack.
BACKWARD_FACTOR = 1.3
# Peak bytes of a contrast per logits tensor of the hierarchy (the kept log-softmax or softplus
# of every level, plus the transient similarity, scaled logits and gradients of one level);
# measured on whole steps with 70-270 MB logits. The Euclidean similarity adds EUCLIDEAN_COPIES.
LOGIT_COPIES = {"InfoNCE": 2.5, "NTXent": 2.0, "Triplet": 4.0}
EUCLIDEAN_COPIES = 2.0
PROBE_CHUNK = 64  # windows (samples) per frozen forward (contrastive.probes)
FLOAT = 4

# The parts of an estimate, and what to lower when a part is the largest.
_SHRINK_SERIES = (
    "the series per training step or probe (node_subset, probe_nodes) or of the task (max_series)"
)
HINTS = {
    # a task keeps only its last max_length rows (contrastive.data.MAX_LENGTH, 8,760)
    "CSV parsing": "keep fewer rows or columns in the file (a task uses only its last 8,760 rows)",
    "task values and splits": f"use fewer steps (max_length) or {_SHRINK_SERIES}",
    "probe windows and targets": f"lower the window, probe_windows or {_SHRINK_SERIES}",
    "probe forward": f"lower the window or {_SHRINK_SERIES}",
    "probe ridge fits": f"lower probe_windows or {_SHRINK_SERIES}",
    "parameters and optimiser state": f"lower hyper.hidden or {_SHRINK_SERIES}",
    "encoder activations": (
        f"lower hyper.batch_size, hyper.hidden or hyper.cells, the window or {_SHRINK_SERIES}"
    ),
    "contrast inputs": "lower hyper.repr_dim, hyper.batch_size or the window",
    "instance contrast": (
        f"it grows with (2 x hyper.batch_size x series)^2: lower hyper.batch_size or "
        f"{_SHRINK_SERIES}"
    ),
    "temporal contrast": "it grows with the window squared: lower the window",
    "neighbor contrast": "it grows with the window squared: lower the window",
    "multiscale contrast": "it grows with the window squared: lower the window",
}


class ResourceError(ValueError):
    """A job whose estimated memory exceeds the configured cap (raised before any work).

    Attributes:
        estimate: estimated peak bytes.
        cap: the cap in bytes.
    """

    def __init__(self, message: str, estimate: int = 0, cap: int = 0):
        super().__init__(message)
        self.estimate = int(estimate)
        self.cap = int(cap)


@dataclass
class Estimate:
    """Estimated bytes by named part; ``total`` is their sum."""

    parts: dict[str, float] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return int(sum(self.parts.values()))

    def largest(self) -> tuple[str, int]:
        """The name and bytes of the biggest part."""
        name = max(self.parts, key=self.parts.__getitem__)
        return name, int(self.parts[name])

    def __add__(self, other: Estimate) -> Estimate:
        parts = dict(self.parts)
        for name, size in other.parts.items():
            parts[name] = parts.get(name, 0.0) + size
        return Estimate(parts)


def format_bytes(n: float) -> str:
    """``1536 -> '1.5 KiB'``; binary units up to TiB."""
    for unit in ("B", "KiB", "MiB", "GiB"):
        if abs(n) < 1024:
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n:.1f} TiB"


def cap_bytes(max_memory_gb: float | None) -> int | None:
    """The cap in bytes; ``None`` or ``0`` means no cap. Negative or non-finite values raise."""
    if max_memory_gb is None or max_memory_gb == 0:
        return None
    if not math.isfinite(max_memory_gb) or max_memory_gb < 0:
        raise ValueError(f"max_memory_gb must be >= 0 (0: no cap), got {max_memory_gb!r}")
    return int(max_memory_gb * GIB)


def check(
    estimate: Estimate,
    max_memory_gb: float | None,
    what: str,
    error: type[ValueError] = ResourceError,
) -> None:
    """Raise ``error`` when ``estimate`` exceeds the cap.

    The message names ``what``, the estimate, its largest part, the cap, and what to lower
    (:data:`HINTS` of the largest part).

    Args:
        estimate: what the job needs.
        max_memory_gb: the cap in GiB (``None`` or ``0``: no cap).
        what: the job, as the message names it (a file; a task, its shape and the arch fields).
        error: the exception class (:class:`ResourceError`, or ``DataError`` for data).
    """
    cap = cap_bytes(max_memory_gb)
    if cap is None or estimate.total <= cap:
        return
    name, size = estimate.largest()
    message = (
        f"{what}: needs about {format_bytes(estimate.total)} of memory (largest part: {name}, "
        f"{format_bytes(size)}), over the cap of {format_bytes(cap)} "
        f"(max_memory_gb={max_memory_gb:g}); {HINTS[name]}, or raise max_memory_gb (0: no cap)"
    )
    if issubclass(error, ResourceError):
        raise error(message, estimate.total, cap)
    raise error(message)


def csv_bytes(path: str | Path, sample_bytes: int = CSV_SAMPLE_BYTES) -> Estimate:
    """Peak bytes of reading and cleaning the CSV at ``path`` (see the module docstring).

    Raises:
        OSError: the file cannot be read (callers turn it into their own error).
    """
    path = Path(path)
    size = path.stat().st_size
    with path.open("rb") as f:
        head = f.read(sample_bytes)
    lines = head.splitlines()
    if len(head) == size and lines:  # the whole file was read: count exactly
        rows = len(lines)
    else:
        complete = lines[:-1] if len(lines) > 1 else lines
        mean_row = max(1.0, sum(len(line) + 1 for line in complete) / max(1, len(complete)))
        rows = size / mean_row
    cols = max((line.count(b",") + 1 for line in lines[:50]), default=1)
    cells = rows * cols
    return Estimate({"CSV parsing": cells * CSV_BYTES_PER_CELL + size})


def param_count(arch: Mapping, n_series: int, in_channels: int = 1) -> int:
    """Trainable parameters of ``ContrastiveNet(arch, n_series, in_channels)`` (canonical arch)."""
    hyper = arch["hyper"]
    h, r = int(hyper["hidden"]), int(hyper["repr_dim"])
    per_op = (
        0,  # skip
        4 * h * h + 2 * h,  # dcc: Linear(2H, 2H)
        3 * h * h + h + 2 * n_series * 10,  # diff_gcn: Linear(3H, H) and two [N, 10] embeddings
        4 * h * h + 6 * h,  # trans: LayerNorm, qkv Linear(H, 3H), proj Linear(H, H)
        4 * h * h + 6 * h,  # s_trans
    )
    cell = sum(per_op[int(op)] for _, op in arch["encoder"])
    norm = arch["contrastive"]["EmbedCell"]["norm"]
    embed = 2 * r if norm in ("layernorm", "batchnorm") else 0
    return in_channels * h + h + int(hyper["cells"]) * cell + h * r + r + embed


def _levels(length: int, kernel: int) -> list[int]:
    """Time lengths of the pooled hierarchy (contrastive.pairs.hierarchical_loss)."""
    out = [length]
    while length >= kernel:
        length //= kernel
        out.append(length)
    return out


def train_step_bytes(
    arch: Mapping,
    n_series: int,
    window: int,
    in_channels: int = 1,
    batch_size: int | None = None,
    param_series: int | None = None,
) -> Estimate:
    """Peak bytes of one training step of ``arch`` (canonical) on ``[B, C, S, window]`` windows.

    Args:
        arch: a canonical arch.
        n_series: ``S``, the series of one step (``min(N, node_subset)`` in a label).
        window: ``T``, steps per training window.
        in_channels: ``C``.
        batch_size: ``B`` (default: the arch's ``hyper.batch_size``).
        param_series: ``N``, the series the net is built for (its node embeddings); default
            ``n_series``.
    """
    hyper = arch["hyper"]
    c = arch["contrastive"]
    b = int(batch_size or hyper["batch_size"])
    h, r, cells = int(hyper["hidden"]), int(hyper["repr_dim"]), int(hyper["cells"])
    n, t = int(n_series), int(window)
    positions = 2 * b * n * t  # both views pass through the encoder at once
    pairs = arch["encoder"]
    n_nodes = (len(pairs) + 1) // 2
    per_cell = sum(ACT_PER_OP[int(op)] for _, op in pairs) + n_nodes + 1  # + node sums, residual
    encoder = positions * (in_channels * 8 + h + cells * per_cell * h + 3 * r)
    pair, loss = c["PairCell"], c["LossCell"]
    k = int(pair["kernel"])
    copies = LOGIT_COPIES[loss["loss"]] + (EUCLIDEAN_COPIES if loss["sim"] == "euclidean" else 0)
    scale = 4 if loss["loss"] == "NTXent" else 1  # NT-Xent contrasts 2M items, not M
    bn = b * n
    logits = {"instance": 0.0, "temporal": 0.0, "neighbor": 0.0, "multiscale": 0.0}
    sets = 0.0
    for t_l in _levels(t, k):
        if pair["instance"]:
            logits["instance"] += scale * t_l * bn * bn
            sets += 4 * bn * t_l * r
        if pair["temporal"]:
            logits["temporal"] += scale * bn * t_l * t_l
            sets += 4 * bn * t_l * r
        if pair["neighbor"]:
            logits["neighbor"] += scale * bn * max(t_l - 1, 0) ** 2
            sets += 4 * bn * t_l * r
        if pair["multiscale"] and t_l >= k:
            logits["multiscale"] += scale * 2 * k * bn * (t_l // k) ** 2
            sets += 4 * k * bn * (t_l // k) * r
    parts = {
        "parameters and optimiser state": 4.0
        * param_count(arch, int(param_series or n), in_channels)
        * FLOAT,
        "encoder activations": BACKWARD_FACTOR * encoder * FLOAT,
        "contrast inputs": BACKWARD_FACTOR * sets * FLOAT,
    }
    for kind, size in logits.items():
        if size:
            parts[f"{kind} contrast"] = copies * size * FLOAT
    return Estimate(parts)


def data_bytes(
    length: int,
    n_series: int,
    window: int,
    horizon: int,
    probe_windows: int,
    in_channels: int = 1,
    probe_series: int | None = None,
) -> Estimate:
    """Bytes of a task ``[T, N]`` and what a label derives from it besides the net.

    The values and standardised splits (float32, with a float64 copy of the train split while
    standardising), the training series, and the probe's windows and targets
    (``probe_windows`` per split at most, of ``probe_series`` series, default ``N``).
    """
    cells = length * n_series * in_channels
    per_split = min(probe_windows, max(1, length // 3))
    m = int(probe_series or n_series)
    windows = 3 * per_split * m * in_channels * (window + horizon)
    return Estimate(
        {
            "task values and splits": cells * (FLOAT + FLOAT + 0.6 * 8 + 0.6 * FLOAT),
            "probe windows and targets": windows * FLOAT,
        }
    )


def probe_bytes(
    arch: Mapping, length: int, n_series: int, window: int, probe_windows: int
) -> Estimate:
    """Bytes of the frozen-encoder probe: one 64-window forward at a time, then ridge fits
    (float64, several copies) on ``[W * N, R]`` features."""
    hyper = arch["hyper"]
    h, r = int(hyper["hidden"]), int(hyper["repr_dim"])
    n_nodes = (len(arch["encoder"]) + 1) // 2
    per_split = min(probe_windows, max(1, length // 3))
    forward = min(PROBE_CHUNK, per_split) * n_series * window * ((n_nodes + 6) * h + 2 * r) * FLOAT
    ridge = per_split * n_series * r * 8 * 6 + 3 * per_split * n_series * r * FLOAT
    return Estimate({"probe forward": forward, "probe ridge fits": ridge})


def label_widths(n_series: int, cfg: Any) -> tuple[int, int]:
    """``(S, M)``: the series of one training step and of the probes of a label on ``N``
    series (``cfg.node_subset`` / ``cfg.probe_nodes``, where the config has them)."""
    subset = int(getattr(cfg, "node_subset", 0) or n_series)
    probe = int(getattr(cfg, "probe_nodes", 0) or n_series)
    return min(n_series, subset), min(n_series, probe)


def label_bytes(arch: Mapping, shape: tuple[int, int], cfg: Any, train: bool = True) -> Estimate:
    """Peak bytes of ``contrastive.protocol.label(arch, task, cfg)`` on a task of ``shape``
    ``(T, N)``: :func:`data_bytes` + :func:`probe_bytes` + :func:`train_step_bytes` (the last
    only when ``train``), with the widths of :func:`label_widths` (training steps on ``S``
    series, probes on ``M``). ``cfg`` needs ``window``, ``horizons`` and ``probe_windows``."""
    length, n = int(shape[0]), int(shape[1])
    s, m = label_widths(n, cfg)
    horizon = max(cfg.horizons)
    out = data_bytes(
        length, n, cfg.window, horizon, cfg.probe_windows, probe_series=m
    ) + probe_bytes(arch, length, m, cfg.window, cfg.probe_windows)
    return out + train_step_bytes(arch, s, cfg.window, param_series=n) if train else out


def sample_label_bytes(arch: Mapping, shape: tuple[int, int, int, int], window: int) -> Estimate:
    """Peak bytes of a classification label (:func:`contrastive.protocol.classify_label`) on
    samples of ``shape`` ``(S_train, S_test, N, L)``: one training step on ``[B, 1, N, window]``
    plus one frozen forward of ``PROBE_CHUNK`` whole samples and the float32 representations of
    every sample."""
    s_tr, s_te, n, length = (int(v) for v in shape)
    hyper = arch["hyper"]
    h, r = int(hyper["hidden"]), int(hyper["repr_dim"])
    n_nodes = (len(arch["encoder"]) + 1) // 2
    forward = min(PROBE_CHUNK, s_tr + s_te) * n * length * ((n_nodes + 6) * h + 2 * r)
    return train_step_bytes(arch, n, window) + Estimate(
        {
            "probe forward": forward * FLOAT,
            "sample representations": (s_tr + s_te) * n * length * r * FLOAT,
        }
    )


def peak_rss(fn: Callable[[], Any]) -> tuple[Any, int | None]:
    """Run ``fn()`` and measure the growth of this process's peak resident memory meanwhile.

    Linux only: frees what the allocator holds (glibc ``malloc_trim``), resets the kernel's
    peak counter (``/proc/self/clear_refs``), runs ``fn`` and reads ``VmHWM``. Elsewhere, or
    without permission, the measurement is ``None``.

    Returns:
        ``(fn's result, peak bytes above the resident size before the call, or None)``.
    """
    status = Path("/proc/self/status")
    clear = Path("/proc/self/clear_refs")

    def read(key: str) -> int:
        for line in status.read_text().splitlines():
            if line.startswith(key + ":"):
                return int(line.split()[1]) * 1024
        raise KeyError(key)

    try:
        gc.collect()
        with contextlib.suppress(OSError, AttributeError):
            ctypes.CDLL("libc.so.6").malloc_trim(0)
        clear.write_text("5")  # reset VmHWM to the current resident size
        before = read("VmRSS")
    except (OSError, KeyError):
        return fn(), None
    out = fn()
    return out, read("VmHWM") - before
