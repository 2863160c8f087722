"""How benchmarks.robustness_cli classifies a command's outcome (on fast stdlib commands)."""

import os

from benchmarks.robustness_cli import run_case, scrub


def _case(cmd, names, unchanged=()):
    return {"category": "c", "case": "x", "cmd": cmd, "names": names, "unchanged": unchanged}


def test_clean_traceback_and_timeout_are_told_apart(tmp_path):
    missing = str(tmp_path / "missing.json")
    r = run_case(_case(["json.tool", missing], missing), timeout=60, cwd=tmp_path)
    assert r["outcome"] == "clean" and r["exit"] == 2 and r["names_file"]
    deep = tmp_path / "deep.json"
    deep.write_text("[" * 100_000)
    r = run_case(_case(["json.tool", str(deep)], str(deep)), timeout=60, cwd=tmp_path)
    assert r["outcome"] == "traceback"  # the stdlib tool has no depth bound: RecursionError
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    r = run_case(_case(["json.tool", str(fifo)], str(fifo)), timeout=2, cwd=tmp_path)
    assert r["outcome"] == "timeout" and r["exit"] is None


def test_a_changed_file_is_not_clean(tmp_path):
    target = tmp_path / "t.txt"
    (tmp_path / "touches.py").write_text(
        "import sys\n"
        f"if '--write' in sys.argv: open({str(target)!r}, 'w').write('b')\n"
        f"sys.exit('error: {target}: refused')\n"
    )
    target.write_text("a")
    case = _case(["touches"], str(target), unchanged=[str(target)])
    assert run_case(case, timeout=60, cwd=tmp_path)["outcome"] == "clean"
    r = run_case({**case, "cmd": ["touches", "--write"]}, timeout=60, cwd=tmp_path)
    assert r["outcome"] == "unclear" and r["changed_files"] == [str(target)]


def test_scrub_hides_the_scratch_folder_everywhere():
    doc = {"a": "x /t/robust-1/y.csv: bad", "b": [("/t/robust-1", 3)], "c": 1.5}
    assert scrub(doc, "/t/robust-1") == {"a": "x <tmp>/y.csv: bad", "b": [["<tmp>", 3]], "c": 1.5}
