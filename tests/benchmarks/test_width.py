"""The width benchmarks' helpers: the temporal twin of an arch and the spatial summary."""

from __future__ import annotations

import archgraph
from benchmarks.width_spatial import summarise, temporal_twin
from contrastive.presets import preset


def test_temporal_twin_swaps_spatial_ops_only():
    arch = archgraph.canonical(preset("ts2vec"))
    arch["encoder"] = [[0, 2], [0, 4], [1, 1], [1, 3], [2, 0]]
    twin = temporal_twin(arch)
    assert twin["encoder"] == [[0, 1], [0, 3], [1, 1], [1, 3], [2, 0]]
    assert twin["contrastive"] == arch["contrastive"] and twin["hyper"] == arch["hyper"]
    archgraph.validate(twin)
    assert temporal_twin(twin) is None


def test_summary_pairs_archs_with_their_twins():
    def row(kind, h, lab, untrained, spatial=None, twin=None):
        return {
            "task": "t",
            "kind": kind,
            "arch_hash": h,
            "shape": [10, 3],
            "status": "ok",
            "label": lab,
            "untrained_knn_val_mse": untrained,
            "spatial": spatial,
            "twin_hash": twin,
        }

    refs = {"raw_short": {"knn_val_mse": 0.5}, "raw_long": {"knn_val_mse": 0.4}}
    rows = [
        {"task": "t", "kind": "references", "shape": [10, 3], "refs": refs},
        row("preset", "p", 0.6, 0.7),
        row("arch", "a", 0.8, 1.0, True, "ta"),
        row("twin", "ta", 1.0, 1.0),
        row("arch", "b", 0.9, 0.8, True, "tb"),
        row("twin", "tb", 0.6, 0.7),
        row("arch", "c", 0.7, 0.9, False),
    ]
    (s,) = summarise(rows)
    assert s["raw_best"] == 0.4 and s["preset"] == 0.6 and s["archs"] == 3
    assert s["arch_best"] == 0.7 and s["arch_median"] == 0.8
    assert s["share_training_helped"] == 2 / 3
    assert s["pairs"] == 2 and s["share_spatial_better"] == 0.5
    assert s["median_spatial_over_twin"] == (0.8 + 1.5) / 2
    assert s["spatial_median"] == (0.8 + 0.9) / 2 and s["no_spatial_median"] == 0.7
