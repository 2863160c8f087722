"""Labelled-sample tasks: the data of the classification label (``contrastive.protocol``).

A :class:`SampleTask` holds labelled samples ``[S, N, T]`` (``N`` series or channels, ``T`` steps)
with the dataset's own train/test split. It comes from a NumPy array or a list of per-sample
arrays (:func:`from_samples`) or from a dataset bundled inside the ``aeon`` wheel
(:func:`load_aeon`; offline, nothing is ever downloaded; ``pip install 'ctsnas[cls]'``).

Length rule: every sample is brought to ``L`` steps, the longest *train* sample capped at
``max_length``. A sample of another length (shorter, or a longer test sample) is resampled by
linear interpolation over its own span (``np.interp`` per channel on evenly spaced points from its
first to its last step), so a sample keeps its whole shape and its ends; ``report`` counts how
many samples were resampled per split. Trailing all-NaN steps (how some ``.ts`` files pad
unequal lengths) are dropped first; any other non-finite value raises :class:`DataError`.

:meth:`SampleTask.standardised` scales each channel with the mean and standard deviation of the
train samples only (over samples and steps; a zero deviation counts as 1).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from .data import DataError

# Longest sample kept (longer ones are resampled down): a label must stay cheap.
MAX_SAMPLE_LENGTH = 512
# Bundled classification datasets of aeon used by the benchmark, with their shapes after the
# length rule (train samples, test samples, N, L) and class count, for reference.
AEON_DATASETS: dict[str, dict[str, Any]] = {
    "BasicMotions": {"shape": (40, 40, 6, 100), "classes": 4},
    "JapaneseVowels": {"shape": (270, 370, 12, 26), "classes": 9},
    "ArrowHead": {"shape": (36, 175, 1, 251), "classes": 3},
    "GunPoint": {"shape": (50, 150, 1, 150), "classes": 2},
    "ItalyPowerDemand": {"shape": (67, 1029, 1, 24), "classes": 2},
    "OSULeaf": {"shape": (200, 242, 1, 427), "classes": 6},
    "PickupGestureWiimoteZ": {"shape": (50, 50, 1, 361), "classes": 10},
}


@dataclass(frozen=True, eq=False)  # identity semantics: arrays have no usable == or hash
class SampleTask:
    """Labelled samples of equal length with a fixed train/test split.

    Attributes:
        name: Task name.
        x_train: ``[S_train, N, L]`` float32, read-only, finite (not standardised).
        y_train: ``[S_train]`` int64 class indices into ``classes``.
        x_test: ``[S_test, N, L]`` float32, read-only, finite.
        y_test: ``[S_test]`` int64.
        classes: class names, sorted; index ``k`` is class ``k``.
        fingerprint: ``"sha256:<hex>"`` of the name, classes, shapes, values and labels.
        source: where the data came from (``"aeon:BasicMotions"``, ``"array"``).
        report: what the length rule did (lengths before, resampled counts, ``L``).
    """

    name: str
    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    classes: tuple[str, ...]
    fingerprint: str
    source: str = ""
    report: dict = field(default_factory=dict)

    @property
    def shape(self) -> tuple[int, int, int, int]:
        """``(S_train, S_test, N, L)``."""
        s, n, t = self.x_train.shape
        return (int(s), int(self.x_test.shape[0]), int(n), int(t))

    @property
    def n_classes(self) -> int:
        """Number of classes."""
        return len(self.classes)

    def scaling(self) -> tuple[np.ndarray, np.ndarray]:
        """``(mean, std)``, each ``[N]`` float64, over the train samples and steps."""
        v = self.x_train.astype(np.float64)
        std = v.std(axis=(0, 2))
        return v.mean(axis=(0, 2)), np.where(std > 0, std, 1.0)

    def standardised(self) -> tuple[np.ndarray, np.ndarray]:
        """``(x_train, x_test)`` float32 ``[S, N, L]`` scaled with the train statistics only."""
        mean, std = self.scaling()
        m, s = mean[None, :, None], std[None, :, None]
        return (
            ((self.x_train - m) / s).astype(np.float32),
            ((self.x_test - m) / s).astype(np.float32),
        )

    def summary(self) -> dict:
        """Name, shape, class count, source and fingerprint."""
        s_tr, s_te, n, t = self.shape
        return {
            "name": self.name,
            "train": s_tr,
            "test": s_te,
            "series": n,
            "length": t,
            "classes": self.n_classes,
            "source": self.source,
            "fingerprint": self.fingerprint,
        }


# ---------------------------------------------------------------------------------------------
# Building tasks


def _as_samples(x: Any, where: str) -> list[np.ndarray]:
    """``[S, N, T]`` array or a sequence of ``[N, T_i]`` arrays -> list of float64 ``[N, T_i]``."""
    if isinstance(x, np.ndarray):
        if x.ndim != 3:
            raise DataError(f"{where}: expected samples [S, N, T], got shape {x.shape}")
        items = list(x)
    elif isinstance(x, Sequence):
        items = list(x)
    else:
        raise DataError(f"{where}: expected an array [S, N, T] or a list of [N, T] arrays")
    if not items:
        raise DataError(f"{where}: no samples")
    out = []
    for i, a in enumerate(items):
        a = np.asarray(a)
        if a.dtype.kind not in "biuf":
            raise DataError(f"{where}: sample {i} is not numeric (dtype {a.dtype})")
        if a.ndim != 2:
            raise DataError(f"{where}: sample {i} has shape {a.shape}; expected [N, T]")
        a = a.astype(np.float64)
        finite_steps = np.isfinite(a).all(axis=0)  # [T]
        trailing = np.isnan(a).all(axis=0)  # [T]: padding of unequal lengths
        t = a.shape[1]
        while t > 0 and trailing[t - 1]:
            t -= 1
        if not finite_steps[:t].all():
            j = int(np.argmin(finite_steps[:t]))
            raise DataError(f"{where}: sample {i} has a non-finite value at step {j}")
        if t < 2:
            raise DataError(f"{where}: sample {i} has {t} finite steps; a sample needs >= 2")
        out.append(a[:, :t])
    n = {a.shape[0] for a in out}
    if len(n) != 1:
        raise DataError(f"{where}: samples have different numbers of series: {sorted(n)}")
    return out


def resample(sample: np.ndarray, length: int) -> np.ndarray:
    """Linear resampling of ``sample [N, T]`` to ``[N, length]`` over its own span."""
    t = sample.shape[1]
    if t == length:
        return sample
    src = np.linspace(0.0, 1.0, t)
    dst = np.linspace(0.0, 1.0, length)
    return np.stack([np.interp(dst, src, row) for row in sample])


def _labels(y: Any, where: str, n: int) -> np.ndarray:
    y = np.asarray(y)
    if y.ndim != 1 or len(y) != n:
        raise DataError(f"{where}: {len(y) if y.ndim == 1 else y.shape} labels for {n} samples")
    return y.astype(str)


def sample_fingerprint(
    name: str, classes: Sequence[str], arrays: Sequence[np.ndarray], labels: Sequence[np.ndarray]
) -> str:
    """``"sha256:<24 hex>"`` of a sample task's name, classes, shapes, values and labels."""
    h = hashlib.sha256()
    h.update(name.encode("utf-8"))
    h.update("\x1f".join(classes).encode("utf-8"))
    for a in (*arrays, *labels):
        a = np.ascontiguousarray(a)
        h.update(repr((a.shape, a.dtype.str)).encode("ascii"))
        h.update(a.tobytes())
    return "sha256:" + h.hexdigest()[:24]


def from_samples(
    name: str,
    x_train: Any,
    y_train: Any,
    x_test: Any,
    y_test: Any,
    *,
    source: str = "array",
    max_length: int = MAX_SAMPLE_LENGTH,
) -> SampleTask:
    """Build a :class:`SampleTask` (length rule in the module docstring).

    Args:
        name: task name.
        x_train, x_test: ``[S, N, T]`` arrays, or lists of ``[N, T_i]`` arrays (unequal lengths).
        y_train, y_test: ``[S]`` labels of any type (compared as strings).
        source: provenance, for messages.
        max_length: longest ``L`` kept.

    Raises:
        DataError: wrong shapes, non-numeric or non-finite values, label counts that do not
            match, fewer than 2 classes in train, or a test class never seen in train.
    """
    where = source if source and source != "array" else name
    if max_length < 2:
        raise DataError(f"{where}: max_length must be >= 2, got {max_length}")
    tr = _as_samples(x_train, f"{where} train")
    te = _as_samples(x_test, f"{where} test")
    if tr[0].shape[0] != te[0].shape[0]:
        raise DataError(
            f"{where}: train samples have {tr[0].shape[0]} series, test samples {te[0].shape[0]}"
        )
    ytr = _labels(y_train, f"{where} train", len(tr))
    yte = _labels(y_test, f"{where} test", len(te))
    classes = tuple(sorted(set(ytr.tolist())))
    if len(classes) < 2:
        raise DataError(f"{where}: train has {len(classes)} class; a classifier needs >= 2")
    unseen = sorted(set(yte.tolist()) - set(classes))
    if unseen:
        raise DataError(f"{where}: test classes never seen in train: {unseen[:5]}")
    lengths = {k: [a.shape[1] for a in v] for k, v in (("train", tr), ("test", te))}
    length = min(max(lengths["train"]), int(max_length))
    report = {
        "length": length,
        "train_lengths": [min(lengths["train"]), max(lengths["train"])],
        "test_lengths": [min(lengths["test"]), max(lengths["test"])],
        "train_resampled": sum(t != length for t in lengths["train"]),
        "test_resampled": sum(t != length for t in lengths["test"]),
    }
    xtr = np.stack([resample(a, length) for a in tr]).astype(np.float32)  # [S, N, L]
    xte = np.stack([resample(a, length) for a in te]).astype(np.float32)  # [S, N, L]
    index = {c: k for k, c in enumerate(classes)}
    ytr_i = np.array([index[c] for c in ytr], dtype=np.int64)
    yte_i = np.array([index[c] for c in yte], dtype=np.int64)
    for a in (xtr, xte, ytr_i, yte_i):
        a.setflags(write=False)
    return SampleTask(
        name=name,
        x_train=xtr,
        y_train=ytr_i,
        x_test=xte,
        y_test=yte_i,
        classes=classes,
        fingerprint=sample_fingerprint(name, classes, (xtr, xte), (ytr_i, yte_i)),
        source=source,
        report=report,
    )


def _aeon_data_dir() -> Path:
    try:
        import aeon.datasets as ads
    except ImportError as err:
        raise DataError(
            "aeon datasets need the optional package aeon: pip install 'ctsnas[cls]'"
        ) from err
    return Path(ads.__file__).parent / "data"


def bundled_aeon() -> list[str]:
    """Names of the classification datasets shipped inside the installed aeon wheel."""
    root = _aeon_data_dir()
    names = []
    for folder in sorted(p for p in root.iterdir() if p.is_dir()):
        train = folder / f"{folder.name}_TRAIN.ts"
        if train.exists() and (folder / f"{folder.name}_TEST.ts").exists():
            head = train.read_text(encoding="utf-8", errors="replace")[:4096].lower()
            if "@classlabel true" in head:
                names.append(folder.name)
    return names


def load_aeon(name: str, *, max_length: int = MAX_SAMPLE_LENGTH) -> SampleTask:
    """A classification dataset bundled inside the installed aeon wheel (never downloads).

    Reads ``aeon/datasets/data/<name>/<name>_{TRAIN,TEST}.ts`` with aeon's ``.ts`` reader and
    keeps the dataset's own split.

    Raises:
        DataError: aeon is not installed, ``name`` is not a bundled classification dataset
            (the message lists those that are), or the data break a rule of :func:`from_samples`.
    """
    root = _aeon_data_dir()
    from aeon.datasets import load_from_ts_file

    folder = root / name
    paths = {sp: folder / f"{name}_{sp}.ts" for sp in ("TRAIN", "TEST")}
    if not all(p.exists() for p in paths.values()) or name not in bundled_aeon():
        raise DataError(
            f"aeon dataset {name!r} is not a classification dataset bundled with the installed "
            f"aeon (nothing is downloaded); bundled: {', '.join(bundled_aeon())}"
        )
    loaded = {}
    for sp, path in paths.items():
        try:
            loaded[sp] = load_from_ts_file(str(path))
        except Exception as err:  # aeon raises several types for a malformed file
            raise DataError(f"{path.name}: cannot read ({type(err).__name__}: {err})") from err
    (xtr, ytr), (xte, yte) = loaded["TRAIN"], loaded["TEST"]
    return from_samples(name, xtr, ytr, xte, yte, source=f"aeon:{name}", max_length=max_length)
