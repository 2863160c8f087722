"""Deterministic stand-ins for ``contrastive.protocol.label`` used by the sweep tests.

They live in an importable module because worker processes (spawn, Ray) import the label
function by reference.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from typing import Any


def _score(arch: dict, task: Any, cfg: Any) -> float:
    text = json.dumps(arch, sort_keys=True) + task.name + str(getattr(cfg, "seed", 0))
    return int(hashlib.sha256(text.encode()).hexdigest()[:8], 16) / 0xFFFFFFFF


def quick_label(arch: dict, task: Any, cfg: Any) -> dict:
    """A label in a few milliseconds, a pure function of (arch, task, seed)."""
    v = _score(arch, task, cfg)
    return {"status": "ok", "label": v, "val_mse": v, "steps": getattr(cfg, "steps", 0)}


def slow_label(arch: dict, task: Any, cfg: Any) -> dict:
    """Like :func:`quick_label` but takes ``CTSNAS_TEST_SLEEP`` seconds (default 0.15)."""
    time.sleep(float(os.environ.get("CTSNAS_TEST_SLEEP", "0.15")))
    return quick_label(arch, task, cfg)


def flaky_label(arch: dict, task: Any, cfg: Any) -> dict:
    """Raises for about a third of the archs, returns NaN for some, else a label."""
    v = _score(arch, task, cfg)
    if v < 0.33:
        raise RuntimeError(f"injected fault {v:.3f}")
    if v < 0.45:
        return {"status": "ok", "label": float("nan")}
    return quick_label(arch, task, cfg)


def crash_label(arch: dict, task: Any, cfg: Any) -> dict:
    """Kills its own worker process for training seed 1 (as a segfault or OOM kill would)."""
    if getattr(cfg, "seed", 0) == 1:
        os._exit(13)
    return quick_label(arch, task, cfg)


def quick_references(task: Any, cfg: Any) -> dict:
    """References shaped like ``contrastive.references.references``'s, instantly."""
    return {
        "raw_short": {"lags": 4, "val_mse": 0.5, "test_mse": 0.6},
        "raw_long": {"lags": 8, "val_mse": 0.4, "test_mse": 0.5},
        "untrained_preset": {"context": 16, "val_mse": 0.7},
        "seconds": 0.0,
    }


def warn_label(arch: dict, task: Any, cfg: Any) -> dict:
    """Warns twice (like an ill-conditioned ridge solve), then labels."""
    import warnings

    for _ in range(2):
        warnings.warn("ill-conditioned matrix", RuntimeWarning, stacklevel=1)
    return quick_label(arch, task, cfg)


def richer_label(arch: dict, task: Any, cfg: Any) -> dict:
    """:func:`quick_label` plus a metric the older double lacked (a store upgrade)."""
    return {**quick_label(arch, task, cfg), "knn_val_mse": 2.0, "val_mse": -1.0}


def drifted_label(arch: dict, task: Any, cfg: Any) -> dict:
    """:func:`richer_label` whose label moved (another device or code version)."""
    rec = richer_label(arch, task, cfg)
    return {**rec, "label": rec["label"] + 1e-9}


def kind_label(arch: dict, task: Any, cfg: Any) -> dict:
    """:func:`quick_label` that records its config's ``label_kind``, as the real one does."""
    return {**quick_label(arch, task, cfg), "label_kind": cfg.label_kind}


def seedless_label(arch: dict, task: Any, cfg: Any) -> dict:
    """A label that does not depend on the training seed (a perfectly repeatable label)."""
    v = _score(arch, task, type("Cfg", (), {"seed": 0})())
    return {"status": "ok", "label": v, "val_mse": v}


def counted_label(arch: dict, task: Any, cfg: Any) -> dict:
    """Like :func:`slow_label`, and appends one line per computation to the file named by
    ``CTSNAS_TEST_COUNT`` (so a test can count how often each label was computed)."""
    out = slow_label(arch, task, cfg)
    with open(os.environ["CTSNAS_TEST_COUNT"], "a", encoding="utf-8") as fh:
        fh.write(f"{out['label']:.12f}\n")
    return out
