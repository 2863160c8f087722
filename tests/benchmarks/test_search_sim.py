import json

import numpy as np
import pytest

from benchmarks import search_sim


def test_quick_custom_suite_writes_curves_plots_and_goals(tmp_path):
    out = tmp_path / "sim"
    argv = ["--quick", "--suites", "custom", "--tasks", "smooth,noisy", "--out", str(out)]
    assert search_sim.main(argv + ["--seeds", "2", "--trials", "8"]) == 0
    doc = json.loads(out.with_suffix(".json").read_text())
    (suite,) = doc["suites"]
    assert suite["tasks"] == ["smooth", "noisy"] and suite["trials"] == 8
    assert (tmp_path / "sim_custom.png").is_file()
    assert "Best-found percentile" in out.with_suffix(".md").read_text()
    rows = suite["rows"]
    assert len(rows) == 2 * 5 * 2  # tasks x methods x seeds
    for r in rows:
        p = np.array(r["percentile"])
        assert len(p) == 8 and (np.diff(p) <= 0).all() and (p >= 0).all()  # best so far
    for metric in ("percentile", "regret"):
        for vals in suite["summary"][metric].values():
            assert all(lo <= m <= hi for m, lo, hi in vals)
    # Zero-shot and the comparator share their first batch (the zero-shot top 4).
    z = [r for r in rows if r["method"] == "zeroshot"]
    c = [r for r in rows if r["method"] == "comparator"]
    assert [r["percentile"][:4] for r in z] == [r["percentile"][:4] for r in c]
    # Each task was kept as it finished: a rerun reads them instead of searching again.
    assert sorted(p.name for p in (tmp_path / "sim.parts").iterdir()) == [
        "custom_noisy.json",
        "custom_smooth.json",
    ]
    assert search_sim.main(argv + ["--seeds", "2", "--trials", "8"]) == 0
    assert json.loads(out.with_suffix(".json").read_text())["suites"][0]["rows"] == rows
    only = ["--quick", "--suites", "custom", "--tasks", "smooth,periodic", "--out", str(out)]
    assert search_sim.main(only + ["--seeds", "2", "--trials", "8", "--parts-only"]) == 0
    (part,) = json.loads(out.with_suffix(".json").read_text())["suites"]
    assert part["tasks"] == ["smooth"] and part["tasks_not_run"] == ["periodic"]


def test_bootstrap_mean_and_interval():
    cells = np.array([0.0, 1.0, 0.0, 1.0])
    m, lo, hi = search_sim.bootstrap(cells, 200)
    assert m == 0.5 and 0.0 <= lo <= 0.5 <= hi <= 1.0


def test_bad_suite_is_a_usage_error(capsys):
    assert search_sim.main(["--suites", "imagenet"]) == 2
    assert "imagenet" in capsys.readouterr().err


@pytest.mark.slow
def test_search_real_one_tiny_task(tmp_path):
    from benchmarks import search_real

    argv = ["--tasks", "us_employment", "--trials", "2", "--batch", "1", "--n", "50"]
    argv += ["--train-steps", "2", "--runs", str(tmp_path), "--out", str(tmp_path / "s")]
    assert search_real.main(argv) == 0
    doc = json.loads((tmp_path / "s.json").read_text())
    (row,) = doc["rows"]
    assert row["trials"] == 2 and row["chosen_label"] == min(row["best_so_far"])
    assert 0 < row["timings"]["overhead_fraction"] < 1
