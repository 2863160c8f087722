"""benchmarks.task_agreement: the matrix, families, summary and the CLI on a tiny store."""

import json

import numpy as np
import pytest

from archgraph import CTS_SPACE, sample
from benchmarks.task_agreement import agreement, main, parse_families, summarize
from contrastive.store import LabelStore


def test_agreement_exact():
    means = {
        "a": {f"h{i}": float(i) for i in range(5)},
        "b": {f"h{i}": float(i) for i in range(5)},  # same order as a
        "c": {f"h{i}": float(-i) for i in range(5)},  # reversed
        "d": {"h0": 0.0, "h1": 1.0},  # too few shared
    }
    tasks, tau, shared = agreement(means, min_shared=3)
    assert tasks == ["a", "b", "c", "d"]
    assert tau[0, 1] == pytest.approx(1.0) and tau[0, 2] == pytest.approx(-1.0)
    assert np.isnan(tau[0, 3]) and shared[0, 3] == 2 and shared[2, 2] == 5
    fam = parse_families("ab=a,b", tasks)
    assert fam == {"a": "ab", "b": "ab", "c": "c", "d": "d"}
    s = summarize(tasks, tau, fam)
    assert s["within_mean_tau"] == pytest.approx(1.0) and s["within_pairs"] == 1
    assert s["across_mean_tau"] == pytest.approx(-1.0) and s["across_pairs"] == 2


def test_family_errors():
    with pytest.raises(ValueError, match="is not NAME=task"):
        parse_families("oops", ["a"])
    with pytest.raises(ValueError, match="not in the store"):
        parse_families("f=a,z", ["a"])
    with pytest.raises(ValueError, match="is in 'f' and 'g'"):
        parse_families("f=a;g=a", ["a"])


def test_cli_on_a_store(tmp_path):
    archs = sample(12, seed=0)
    path = tmp_path / "l.sqlite"
    with LabelStore(path) as s:
        for i, a in enumerate(archs):
            h = CTS_SPACE.arch_hash(a)
            for task, v in (("x", i), ("y", i), ("z", -i)):
                for seed in (0, 1):
                    s.put((h, task, 30, seed), a, {"status": "ok", "label": v + 0.01 * seed})
    out = tmp_path / "agree"
    assert main(["--store", str(path), "--families", "f=x,y", "--out", str(out)]) == 0
    doc = json.loads(out.with_suffix(".json").read_text())
    assert doc["tasks"] == ["x", "y", "z"] and doc["summary"]["within_mean_tau"] == pytest.approx(1)
    assert doc["summary"]["across_mean_tau"] == pytest.approx(-1)
    assert out.with_suffix(".png").stat().st_size > 1000
    assert "| x | f | 1 | 1.00 (12) | -1.00 (12) |" in out.with_suffix(".md").read_text()
