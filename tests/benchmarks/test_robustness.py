"""``python -m benchmarks.robustness`` on a few cases: the figures' shape and their goal (0)."""

import json

import pytest

from benchmarks.robustness import main


def _run(tmp_path, *extra):
    out = tmp_path / "robustness.json"
    argv = ["--arch-cases", "25", "--data-seeds", "1", "--memory-archs", "1", *extra]
    code = main([*argv, "--out", str(out)])
    return code, json.loads(out.read_text())


def test_robustness_figures_without_sweep_processes(tmp_path):
    code, doc = _run(tmp_path, "--kills", "0")
    assert code == 0 and doc["anything_else"] == 0
    assert doc["command"].startswith("python -m benchmarks.robustness --arch-cases 25")
    arch = doc["arch_fuzz"]["entry_points"]
    assert set(arch) == {"validate", "encode", "ContrastiveNet", "Comparator.score"}
    assert all(e["tried"] == 25 and e["worked"] + e["clean_errors"] == 25 for e in arch.values())
    data = doc["data_fuzz"]["entry_points"]
    assert data["from_csv"]["tried"] == 15 and data["from_csv"]["other"] == 0
    assert data["label"]["tried"] == data["from_csv"]["worked"]
    mem = doc["memory_bounds"]
    assert mem["label_over_cap"]["error"].startswith("ResourceError")
    assert "CSV parsing" in mem["csv_over_cap"]
    faulty = doc["fault_injection"]["raising_or_nan_label_fn"]
    assert faulty["done"] == faulty["jobs"] == faulty["ok"] + faulty["failed"]
    assert "kill_9" not in doc["fault_injection"] and "cpus" in doc["machine"]


@pytest.mark.slow
def test_robustness_kill_9(tmp_path):
    code, doc = _run(tmp_path, "--kills", "2")
    k = doc["fault_injection"]["kill_9"]
    assert code == 0 and k["kills"] == 2 and k["labels_finished_before_the_last_kill"] > 0
    assert (k["lost"], k["changed"], k["duplicated"]) == (0, 0, 0)
    assert k["rows"] == k["expected_rows"] and k["integrity_check"] == "ok"
    both = doc["fault_injection"]["two_sweeps_at_once"]
    assert both["exit_codes"] == [0, 0] and both["rows"] == both["expected_rows"]
