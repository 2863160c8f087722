"""The references a label is compared with."""

from __future__ import annotations

import math

from contrastive.config import TrainConfig
from contrastive.references import raw_probe, references

from .tiny import CS, sample_task, series_task


def test_references_hold_raw_lag_and_untrained_preset_probes():
    cfg = TrainConfig.tiny(long_lags=400)
    refs = references(series_task(), cfg)
    assert refs["raw_short"]["lags"] == cfg.short_lags
    assert refs["raw_long"]["lags"] == 40 - max(cfg.horizons)  # capped to what fits the val split
    for key in ("raw_short", "raw_long", "untrained_preset"):
        assert math.isfinite(refs[key]["val_mse"]) and math.isfinite(refs[key]["scarce_test_mse"])


def test_raw_probe_separates_the_tiny_task():
    r = raw_probe(sample_task(), CS)
    assert r["test_acc"] == 1.0 and r["cv_acc"] == 1.0
