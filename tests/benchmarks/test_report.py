"""benchmarks.report: tables, commands, machine info and the files a benchmark writes."""

import json
import math

import numpy as np
import pytest

from benchmarks import report
from benchmarks.metrics import label_tau, shared_tau


def test_table_lines_and_empty_cells():
    lines = report.table(["task", "tau", "note"], [["a", "0.50", ""], ["b", 3, "x"]])
    assert lines == [
        "| task | tau | note |",
        "|---|---|---|",
        "| a | 0.50 | |",
        "| b | 3 | x |",
    ]
    with pytest.raises(ValueError, match="table row 1 has 2 cells, the head 3"):
        report.table(["a", "b", "c"], [[1, 2, 3], [1, 2]])


def test_command_quotes_what_a_shell_would_split():
    cmd = report.command("benchmarks.x", ["--runs", "a/b*.jsonl", "--blend", "", "--n", "3"])
    assert cmd == "python -m benchmarks.x --runs 'a/b*.jsonl' --blend '' --n 3"
    assert report.command("benchmarks.x", None) == "python -m benchmarks.x"


def test_machine_and_its_line():
    m = report.machine()
    assert {"platform", "python", "torch", "cpus", "torch_threads", "loadavg_1m"} <= set(m)
    line = report.machine_line({**m, "cpus": 2, "torch_threads": 1, "loadavg_1m": 3.14159})
    assert ", 2 CPUs, Python " in line and "1 torch threads; 1-min load average 3.14" in line


def test_write_json_and_markdown(tmp_path):
    paths = report.write(tmp_path / "sub" / "r", {"x": np.float32(0.5), "n": 2}, "# r\n")
    assert [p.name for p in paths] == ["r.json", "r.md"]
    assert json.loads(paths[0].read_text()) == {"x": 0.5, "n": 2}
    assert paths[1].read_text() == "# r\n"
    only = report.write(tmp_path / "j", [1], indent=2)
    assert [p.name for p in only] == ["j.json"] and only[0].read_text() == "[\n  1\n]\n"


def test_label_tau_and_shared_tau():
    assert label_tau([1.0, 2.0, 3.0], [1.0, 2.0, 3.0]) == 1.0
    assert label_tau([1.0, 2.0, 3.0], [3.0, 2.0, 1.0]) == -1.0  # no sign flip: same direction
    assert label_tau([1.0, 3.0, 2.0, 4.0], [1.0, 2.0, 3.0, 4.0]) == pytest.approx(2 / 3)
    assert math.isnan(label_tau([1.0, 2.0], [1.0, 2.0]))  # under min_n
    with pytest.raises(ValueError, match="differ in length"):
        label_tau([1.0, 2.0, 3.0], [1.0, 2.0])
    a = {"h1": 0.1, "h2": 0.2, "h3": 0.3, "h4": 0.4, "only_a": 9.0}
    b = {"h4": 4.0, "h3": 1.0, "h2": 3.0, "h1": 2.0, "only_b": 0.0}  # key order irrelevant
    tau, n = shared_tau(a, b)
    assert n == 4 and tau == pytest.approx(1 / 3)
    tau, n = shared_tau(a, b, min_n=5)
    assert n == 4 and math.isnan(tau)


def test_read_jsonl_globs_in_name_order_and_names_a_bad_line(tmp_path):
    (tmp_path / "b.jsonl").write_text('{"i": 2}\n\n{"i": 3}\n')
    (tmp_path / "a.jsonl").write_text('{"i": 1}\n')
    assert [r["i"] for r in report.read_jsonl(str(tmp_path / "*.jsonl"))] == [1, 2, 3]
    assert report.read_jsonl(str(tmp_path / "none*.jsonl")) == []
    (tmp_path / "c.jsonl").write_text('{"i": 4}\n{oops\n')
    with pytest.raises(ValueError, match=r"c\.jsonl: line 2: not JSON"):
        report.read_jsonl(str(tmp_path / "*.jsonl"))
