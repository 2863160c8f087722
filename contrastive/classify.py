"""Labelled-sample tasks and a classification label: a linear probe on frozen representations.

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

:func:`classify_label` is the classification counterpart of :func:`contrastive.train.label`:

1. Seed like ``label`` (``torch.manual_seed(cfg.seed)``, one generator for batches, views and
   noise); probe the *untrained* net first (same init), then train ``cfg.steps`` AdamW steps with
   :func:`contrastive.train.train_net` on random windows of ``min(cfg.window, L)`` steps of
   random train samples (the arch's lr and batch size), then probe again.
2. Probe: encode each whole sample with the frozen encoder (``[S, R, N, L]``), pool over time
   (``max``: the maximum over all steps, as TS2Vec does; ``last``: the last step), join the
   series (``concat``: ``[S, N * R]``; ``mean``: ``[S, R]``), standardise with the train
   features, and fit a multinomial logistic regression whose ``C`` is chosen on the train
   samples only by stratified k-fold accuracy (``k = min(5, smallest class count)``, shuffled
   with seed 0; ties go to the smaller ``C``). Reported: cross-validated train accuracy
   (``cv_acc``) and test accuracy (``test_acc``) for every time pooling.
3. ``label`` is the test error ``1 - test_acc`` of the first pooling (lower is better, as for
   every label of the project); ``acc_gain`` is trained minus untrained test accuracy (above 0:
   training helped).

:func:`raw_probe` is the reference: the same classifier on the flattened standardised samples.
"""

from __future__ import annotations

import dataclasses
import hashlib
import math
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold
from sklearn.preprocessing import StandardScaler

from archgraph import arch_hash, canonical

from . import resources
from .data import DataError
from .net import ContrastiveNet
from .train import TrainConfig, _setup, failures_recorded, train_net

# Longest sample kept (longer ones are resampled down): a label must stay cheap.
MAX_SAMPLE_LENGTH = 512
# Inverse regularisation strengths of the logistic-regression grid.
C_GRID: tuple[float, ...] = (1e-3, 1e-2, 1e-1, 1.0, 10.0, 100.0)
POOLS = ("max", "last")
KNN_K = 5  # neighbours of the kNN classifier
SERIES_JOINS = ("concat", "mean")
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
PROBE_CHUNK = 64  # samples per frozen-encoder forward


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


# ---------------------------------------------------------------------------------------------
# Probes


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


def probe_samples(
    net: ContrastiveNet,
    x_train: np.ndarray,
    y_train: np.ndarray,
    x_test: np.ndarray,
    y_test: np.ndarray,
    device: torch.device,
    pools: Sequence[str] = POOLS,
    join: str = "concat",
    cs: Sequence[float] = C_GRID,
) -> dict[str, float]:
    """Linear probe of ``net``'s frozen, pooled representations for every pooling.

    Returns:
        ``{pool}_cv_acc``, ``{pool}_test_acc``, ``{pool}_C`` for each pool of ``pools``, and
        ``{pool}_knn_test_acc`` of :func:`knn_classify` on the same features.
    """
    z_tr, z_te = encode_samples(net, x_train, device), encode_samples(net, x_test, device)
    for split, z in (("train", z_tr), ("test", z_te)):
        if not np.isfinite(z).all():
            raise FloatingPointError(f"non-finite representations of the {split} samples")
    out: dict[str, float] = {}
    for pool in pools:
        f_tr, f_te = pool_features(z_tr, pool, join), pool_features(z_te, pool, join)
        r = fit_classifier(f_tr, y_train, f_te, y_test, cs)
        out.update({f"{pool}_{k}": r[k] for k in ("cv_acc", "test_acc", "C")})
        out[f"{pool}_knn_test_acc"] = float((knn_classify(f_tr, y_train, f_te) == y_test).mean())
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


def check_memory(arch: dict, task: SampleTask, cfg: TrainConfig) -> None:
    """Refuse, before any work, a label whose estimated peak memory exceeds ``cfg.max_memory_gb``.

    The estimate is one training step on ``[B, 1, N, window]`` plus one frozen forward of
    ``PROBE_CHUNK`` whole samples and the float32 representations of every sample.
    """
    s_tr, s_te, n, length = task.shape
    hyper = arch["hyper"]
    h, r = int(hyper["hidden"]), int(hyper["repr_dim"])
    n_nodes = (len(arch["encoder"]) + 1) // 2
    forward = min(PROBE_CHUNK, s_tr + s_te) * n * length * ((n_nodes + 6) * h + 2 * r)
    est = resources.train_step_bytes(arch, n, cfg.window) + resources.Estimate(
        {
            "probe forward": forward * resources.FLOAT,
            "sample representations": (s_tr + s_te) * n * length * r * resources.FLOAT,
        }
    )
    resources.check(
        est,
        cfg.max_memory_gb,
        f"classification label of arch {arch_hash(arch)} (hyper.batch_size "
        f"{hyper['batch_size']}, hyper.hidden {h}, hyper.repr_dim {r}) on {task.source or task.name}"
        f" ({s_tr}+{s_te} samples x {n} series x {length} steps)",
    )


def classify_label(
    arch: dict,
    task: SampleTask,
    cfg: TrainConfig,
    *,
    pools: Sequence[str] = POOLS,
    join: str = "concat",
    cs: Sequence[float] = C_GRID,
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

    Returns:
        ``status``, ``error``, ``label`` (test error of the first pooling), ``test_acc``,
        ``cv_acc`` (first pooling), ``{pool}_test_acc`` / ``_cv_acc`` / ``_C`` for every pooling,
        the same prefixed ``untrained_``, ``acc_gain`` (trained minus untrained test accuracy),
        ``knn_test_acc`` / ``untrained_knn_test_acc`` / ``knn_acc_gain`` (the kNN classifier),
        ``window``, ``steps``, ``final_loss``, ``seconds``, ``cpu_seconds``, ``train_seconds``.
    """
    rec: dict[str, Any] = {"status": "failed", "error": None, "label": float("nan"), "steps": 0}
    rec["label_kind"] = "test_error"
    with failures_recorded(rec):
        if not pools or any(p not in POOLS for p in pools):
            raise ValueError(f"pools {tuple(pools)!r}: each must be one of {POOLS}")
        if join not in SERIES_JOINS:
            raise ValueError(f"join {join!r} not in {SERIES_JOINS}")
        device = _setup(cfg)
        arch = canonical(arch)
        _, _, n, length = task.shape
        tcfg = dataclasses.replace(cfg, window=min(cfg.window, length))
        check_memory(arch, task, tcfg)
        xtr, xte = task.standardised()
        torch.manual_seed(cfg.seed)
        gen = torch.Generator().manual_seed(cfg.seed)
        net = ContrastiveNet(arch, n_series=n).to(device)
        args = (xtr, task.y_train, xte, task.y_test, device, pools, join, cs)
        untrained = probe_samples(net, *args)
        t1 = time.perf_counter()
        trained = train_net(net, xtr, tcfg, gen, device)
        rec["train_seconds"] = time.perf_counter() - t1
        probed = probe_samples(net, *args)
        head = pools[0]
        rec.update(probed)
        rec.update({f"untrained_{k}": v for k, v in untrained.items()})
        rec["test_acc"], rec["cv_acc"] = probed[f"{head}_test_acc"], probed[f"{head}_cv_acc"]
        rec["untrained_test_acc"] = untrained[f"{head}_test_acc"]
        rec["untrained_cv_acc"] = untrained[f"{head}_cv_acc"]
        rec["acc_gain"] = rec["test_acc"] - rec["untrained_test_acc"]
        rec["knn_test_acc"] = probed[f"{head}_knn_test_acc"]
        rec["untrained_knn_test_acc"] = untrained[f"{head}_knn_test_acc"]
        rec["knn_acc_gain"] = rec["knn_test_acc"] - rec["untrained_knn_test_acc"]
        rec["window"], rec["steps"] = tcfg.window, cfg.steps
        rec["final_loss"] = trained["final_loss"]
        rec["label"] = 1.0 - rec["test_acc"]
        if not math.isfinite(rec["final_loss"]) and cfg.steps > 0:
            raise FloatingPointError(f"non-finite final loss {rec['final_loss']}")
        rec["status"] = "ok"
    return rec
