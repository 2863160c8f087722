"""Few-shot fine-tuning of the protocols keeps the zero-shot weights unless it helps."""

import numpy as np
import pytest

from benchmarks.protocols import ProtocolConfig, finetune
from predictor.comparator import Comparator, ComparatorConfig
from predictor.metrics import kendall_tau

from ..predictor.toyspace import TOY, toy_label

FEATS = {"t": np.array([1.0], np.float32)}


def _unique(n, seed):
    seen = {}
    for a in TOY.sample(n, seed):
        seen.setdefault(TOY.arch_hash(a), a)
    return list(seen.values())


@pytest.fixture(scope="module")
def archs():
    return _unique(400, 0)


def _fit(archs, epochs):
    comp = Comparator(TOY, ComparatorConfig.tiny(epochs=epochs, lr=1e-2, patience=epochs))
    comp.fit([{"arch": a, "task": "t", "label": toy_label(a, 0)} for a in archs], FEATS)
    return comp


@pytest.mark.parametrize("check", ["cv", "probes"])
def test_probes_the_model_already_orders_keep_the_start(archs, check):
    comp = _fit(archs[:60], 20)
    probes = archs[60:72]
    own = comp.score(probes, "t")  # labels = the model's own order: nothing left to improve
    recs = [{"arch": a, "task": "t", "label": -s} for a, s in zip(probes, own, strict=True)]
    cfg = ProtocolConfig(finetune_epochs=5, finetune_check=check)
    ft, kept = finetune(comp, recs, FEATS, cfg, seed=1)
    assert kept and ft is not comp
    rest = archs[72:]
    assert np.array_equal(ft.score(rest, FEATS["t"]), comp.score(rest, FEATS["t"]))


def test_helpful_probes_are_used(archs):
    comp = _fit(archs[:8], 1)  # barely trained
    recs = [{"arch": a, "task": "t", "label": toy_label(a, 0)} for a in archs[8:48]]
    cfg = ProtocolConfig(finetune_epochs=10, finetune_check="cv")
    ft, kept = finetune(comp, recs, FEATS, cfg, seed=0)
    assert not kept
    rest = archs[48:]
    labels = np.array([toy_label(a, 0) for a in rest])
    assert kendall_tau(ft.score(rest, "t"), labels) > kendall_tau(comp.score(rest, "t"), labels)
