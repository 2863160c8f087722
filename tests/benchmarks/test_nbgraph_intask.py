"""`python -m benchmarks.nbgraph_intask` on one dataset with tiny settings (seconds)."""

import json

import pytest

from benchmarks import nbgraph_intask as B


def test_permutation_split_is_the_first_sweeps_split():
    import numpy as np

    from benchmarks.protocols import permutation_split

    tr, te = permutation_split(50, 10, seed=1)
    perm = np.random.default_rng(1).permutation(50)
    assert list(tr) == list(perm[:10]) and list(te) == list(perm[10:])
    bigger, _ = permutation_split(50, 20, seed=1)  # a larger training set extends a smaller one
    assert list(bigger[:10]) == list(tr)
    with pytest.raises(ValueError, match="n_train must be in"):
        permutation_split(5, 6, seed=0)


def test_structure_row_counts_ops_by_depth_and_role():
    from predictor.features import nbgraph_structure_row as structure_row

    ops = ("gat", "gcn", "gin", "cheb", "sage", "arma", "graph", "fc", "skip")
    # input -> gcn(0) -> gcn(1) -> sage(2); skip(3) reads op 0; leaves: ops 2 and 3.
    row = structure_row({"link": [0, 1, 2, 1], "ops": ["gcn", "gcn", "sage", "skip"]})
    assert row.shape == (65,)
    count, by_depth = row[:9], row[9:45].reshape(9, 4)
    by_role, shape = row[45:63].reshape(9, 2), row[63:]
    g, s, k = ops.index("gcn"), ops.index("sage"), ops.index("skip")
    assert count[g] == 2 and count[s] == 1 and count[k] == 1 and count.sum() == 4
    assert list(by_depth[g]) == [1, 1, 0, 0]
    assert list(by_depth[s]) == [0, 0, 1, 0] and list(by_depth[k]) == [0, 1, 0, 0]
    assert list(by_role[g]) == [2, 0] and list(by_role[s]) == [0, 1]
    assert list(by_role[k]) == [0, 1]
    assert list(shape) == [3, 2]
    flat = structure_row({"link": [0, 0, 0, 0], "ops": ["fc"] * 4})
    assert flat[ops.index("fc")] == 4 and list(flat[63:]) == [1, 4]


def test_first_reaching_and_rank_baselines():
    import numpy as np

    assert B.first_reaching({100: 0.4, 200: 0.45, 400: 0.52}, 0.5) == 400
    assert B.first_reaching({400: 0.52, 100: 0.6}, 0.5) == 100
    assert B.first_reaching({100: 0.4}, 0.5) is None
    from benchmarks.baselines import forest_scores, gp_scores, rank_targets

    assert list(rank_targets(np.array([0.3, 0.1, 0.2, 0.9]))) == [0.75, 0.25, 0.5, 1.0]
    rng = np.random.default_rng(0)
    x = rng.integers(0, 2, size=(60, 6)).astype(float)
    labels = x @ np.array([3.0, -2.0, 1.0, 0.0, 0.0, 0.5]) + 0.01 * rng.standard_normal(60)
    tr, te = np.arange(40), np.arange(40, 60)
    for s in (
        forest_scores(x[tr], labels[tr], x[te], 0, target="rank"),
        forest_scores(x[tr], labels[tr], x[te], 0),
        gp_scores(x[tr], labels[tr], x[te], 0),
    ):
        assert s.shape == (20,)
        # scores are higher-is-better, labels lower-is-better: a clean signal ranks well.
        assert B.kendall_tau(s, labels[te]) > 0.6
    with pytest.raises(ValueError, match="target must be"):
        forest_scores(x[tr], labels[tr], x[te], 0, target="z")


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
        "--curve",
        "40,80",
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
    assert {"rf-rank-onehot", "gp-onehot-struct", "rf-onehot-n40", "rf-onehot-n80"} <= names
    need = doc["rf_labels_to_reach_goal_line"]["cora"]
    assert need is None or need in (20, 40, 80)
    assert set(doc["margin_vs_rf"]) >= {"gin-mse-ens5", "gin-mse-ens5-side", "gin-mse-ens5+rf"}
    cv = [r["cv_tau"] for r in doc["rows"] if "cv_tau" in r]
    assert cv and all(-1.0 <= v <= 1.0 for v in cv)
    md = out.with_suffix(".md").read_text()
    assert md == B.markdown(doc, notes.read_text())  # the Markdown is a function of the JSON
    assert doc["machine"]["torch_threads"] == 1 and doc["curve"] == [40, 80]
    assert md.startswith("# NAS-Bench-Graph") and "Hand-written notes." in md
    assert "| gin-mse-ens5-side | 0 |" in md
    assert "| gp-onehot-struct | 0 |" in md and "Labels the forest itself needs" in md
    # A baseline never stands in for the GNN in the goal line.
    assert "Best variant `gin-mse-ens5" in md


def test_unknown_variant_is_a_usage_error(tmp_path, capsys):
    with pytest.raises(SystemExit) as err:
        B.main(["--variants", "gin-nope", "--out", str(tmp_path / "x")])
    assert err.value.code == 2 and "unknown variant(s) ['gin-nope']" in capsys.readouterr().err
    with pytest.raises(SystemExit) as err:
        B.main(["--curve", "200,10000", "--out", str(tmp_path / "x")])
    assert err.value.code == 2 and "repeats --ceiling-n 10000" in capsys.readouterr().err
