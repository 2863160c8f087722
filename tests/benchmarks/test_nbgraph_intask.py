"""`python -m benchmarks.nbgraph_intask` on one dataset with tiny settings (seconds)."""

import json

import pytest

from benchmarks import nbgraph_intask as B


def test_split_matches_predictor_nbgraph_protocol():
    import numpy as np

    tr, te = B.split(50, 10, seed=1)
    perm = np.random.default_rng(1).permutation(50)
    assert list(tr) == list(perm[:10]) and list(te) == list(perm[10:])


def test_quick_run_writes_report(tmp_path):
    pytest.importorskip("nas_bench_graph")
    out = tmp_path / "intask"
    notes = tmp_path / "notes.md"
    notes.write_text("Hand-written notes.")
    argv = [
        "--datasets",
        "cora",
        "--seeds",
        "0",
        "--n-train",
        "20",
        "--variants",
        "gin-mse-ens5,gin-mse-ens5-side",
        "--blend",
        "gin-mse-ens5",
        "--ensemble",
        "1",
        "--epochs",
        "5",
        "--ceiling-n",
        "300",
        "--pool-size",
        "600",
        "--cv",
        "--notes",
        str(notes),
        "--out",
        str(out),
    ]
    assert B.main(argv) == 0
    doc = json.loads(out.with_suffix(".json").read_text())
    names = {r["variant"] for r in doc["rows"]}
    assert {"rf-onehot", "valid-oracle", "rf-onehot-n300", "gin-mse-ens5+rf"} <= names
    assert set(doc["margin_vs_rf"]) >= {"gin-mse-ens5", "gin-mse-ens5-side", "gin-mse-ens5+rf"}
    cv = [r["cv_tau"] for r in doc["rows"] if "cv_tau" in r]
    assert cv and all(-1.0 <= v <= 1.0 for v in cv)
    md = out.with_suffix(".md").read_text()
    assert md.startswith("# NAS-Bench-Graph") and "Hand-written notes." in md
    assert "| gin-mse-ens5-side | 0 |" in md
