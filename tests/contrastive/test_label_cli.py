"""``python -m contrastive.label``: flags, config file, resume, exit codes, export."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from contrastive.data import DataError
from contrastive.label import main
from contrastive.store import LabelStore
from contrastive.sweep import EXIT_FAILED, EXIT_OK
from predictor.labels import from_store

DOUBLES = "tests.contrastive.sweep_doubles"


def _args(tmp_path, csv, *extra: str, fn: str = "quick_label") -> list[str]:
    return [
        "--data", str(csv), "--n-archs", "4", "--seed", "1", "--budget", "3",
        "--store", str(tmp_path / "l.sqlite"), "--workers", "0", "--no-progress",
        "--label-fn", f"{DOUBLES}:{fn}", "--references-fn", f"{DOUBLES}:quick_references",
        *extra,
    ]  # fmt: skip


def test_sweep_then_rerun_skips(tmp_path, tiny_csv, capsys):
    assert main(_args(tmp_path, tiny_csv, "--seeds", "0,1")) == EXIT_OK
    out = capsys.readouterr().out
    assert "done 8 (ok 8, failed 0), skipped 0" in out and "median" in out
    assert "stored references of 1 task(s)" in out
    assert main(_args(tmp_path, tiny_csv, "--seeds", "0,1")) == EXIT_OK
    assert "done 0 (ok 0, failed 0), skipped 8" in capsys.readouterr().out
    with LabelStore(tmp_path / "l.sqlite") as s:
        refs = {r["kind"]: r["label"] for r in s.references("tiny")}
        assert refs == {"raw_short": 0.5, "raw_long": 0.4, "untrained_preset": 0.7}
        recs = s.records()
        assert len(recs) == 8 and {r["task"] for r in recs} == {"tiny"}
        assert {r["budget"] for r in recs} == {3} and {r["seed"] for r in recs} == {0, 1}
        assert all(r["code_version"].endswith(f"{DOUBLES}:quick_label") for r in recs)
    # More archs with the same seed extend the same list: only the new ones run.
    assert main(_args(tmp_path, tiny_csv, "--n-archs", "6")) == EXIT_OK
    assert "done 2 (ok 2, failed 0), skipped 4" in capsys.readouterr().out


def test_failures_exit_3_and_export(tmp_path, tiny_csv, capsys):
    out_file = tmp_path / "rows.jsonl"
    code = main(_args(tmp_path, tiny_csv, "--n-archs", "12", "--export", str(out_file),
                      fn="flaky_label"))  # fmt: skip
    assert code == EXIT_FAILED
    captured = capsys.readouterr()
    assert "failed:" in captured.err and f"exported 12 rows to {out_file}" in captured.out
    rows = [json.loads(x) for x in out_file.read_text().splitlines()]
    assert {r["status"] for r in rows} == {"ok", "failed"}
    # A rerun skips the failed ones but still reports them; --retry-failed fixes them.
    assert main(_args(tmp_path, tiny_csv, "--n-archs", "12", fn="flaky_label")) == EXIT_FAILED
    assert main(_args(tmp_path, tiny_csv, "--n-archs", "12", "--retry-failed")) == EXIT_OK


def test_config_file_and_flag_override(tmp_path, tiny_csv, capsys):
    cfg = tmp_path / "sweep.json"
    cfg.write_text(json.dumps({"n-archs": 2, "budget": 9, "seeds": "0,1"}))
    assert main([*_args(tmp_path, tiny_csv), "--config", str(cfg), "--n-archs", "3"]) == 0
    with LabelStore(tmp_path / "l.sqlite") as s:
        # Flags (--n-archs 3, --budget 3) win over the file; the file's seeds apply.
        assert s.count() == 6 and {r["budget"] for r in s.records()} == {3}
        assert {r["seed"] for r in s.records()} == {0, 1}


def test_bundled_and_csv_tasks_together_with_shared_archs(tmp_path, tiny_csv):
    args = _args(tmp_path, tiny_csv, "--tasks", "delhi_climate", "--n-shared", "2",
                 "--task-name", "mine")  # fmt: skip
    assert main(args) == EXIT_OK
    with LabelStore(tmp_path / "l.sqlite") as s:
        by_task = {
            t: {r["arch_hash"] for r in s.records(task=t)} for t in ("delhi_climate", "mine")
        }
    assert len(by_task["mine"]) == len(by_task["delhi_climate"]) == 4
    assert len(by_task["mine"] & by_task["delhi_climate"]) == 2


def test_archs_file(tmp_path, tiny_csv):
    import archgraph

    path = tmp_path / "archs.jsonl"
    path.write_text("\n".join(json.dumps(a) for a in archgraph.sample(2, 42)) + "\n")
    assert main(_args(tmp_path, tiny_csv, "--archs", str(path))) == EXIT_OK
    with LabelStore(tmp_path / "l.sqlite") as s:
        assert {r["arch_hash"] for r in s.records()} == {
            archgraph.arch_hash(a) for a in archgraph.sample(2, 42)
        }


def test_errors(tmp_path, tiny_csv, capsys):
    with pytest.raises(DataError, match="unknown task 'nope'"):
        main(_args(tmp_path, tiny_csv, "--tasks", "nope"))
    with pytest.raises(SystemExit) as exc:
        main(["--store", str(tmp_path / "x.sqlite")])  # no task at all
    assert exc.value.code == 2
    with pytest.raises(SystemExit) as exc:
        main(_args(tmp_path, tiny_csv, "--backend", "spark"))
    assert exc.value.code == 2
    with pytest.raises(ValueError, match="cannot import"):
        main(_args(tmp_path, tiny_csv, fn="no_such_function"))
    short = tmp_path / "short.csv"
    pd.DataFrame({"a": np.arange(50.0)}).to_csv(short, index=False)
    with pytest.raises(DataError, match="short.csv: too short"):
        main(_args(tmp_path, short))
    capsys.readouterr()


def test_a_store_holds_one_label_kind(tmp_path, tiny_csv, capsys):
    assert main(_args(tmp_path, tiny_csv, "--label-kind", "val_mse", fn="kind_label")) == EXIT_OK
    with LabelStore(tmp_path / "l.sqlite") as s:
        assert s.label_kinds() == {"val_mse"}
    with pytest.raises(
        ValueError, match=r"labels are of kind \['val_mse'\], this sweep's are 'knn_val_mse'"
    ):
        main(
            _args(
                tmp_path, tiny_csv, "--label-kind", "knn_val_mse", "--n-archs", "6", fn="kind_label"
            )
        )
    with pytest.raises(ValueError, match="label_kind 'nope' not in"):
        main(_args(tmp_path, tiny_csv, "--label-kind", "nope", fn="kind_label"))
    with LabelStore(tmp_path / "l.sqlite") as s:
        assert s.count() == 4  # nothing written by the refused sweeps
    capsys.readouterr()


def test_list_tasks(capsys):
    assert main(["--list-tasks"]) == EXIT_OK
    out = capsys.readouterr().out
    for name in ("pedestrian", "epf_fr_be", "aus_retail", "gafa_stock"):
        assert name in out


def test_data_flags_reach_every_label(tmp_path, capsys):
    """--time-col/--drop-columns/--max-series shape the task that the labels are measured on."""
    from pathlib import Path

    weather = Path(__file__).resolve().parents[2] / "examples" / "weather.csv"
    argv = _args(tmp_path, weather, "--n-archs", "2", "--time-col", "day", "--task-name", "w")
    argv += ["--drop-columns", "station", "--max-series", "2"]
    assert main(argv) == EXIT_OK
    assert "data: weather.csv: 500 steps x 2 series" in capsys.readouterr().err
    with LabelStore(tmp_path / "l.sqlite") as s:
        assert {r["task"] for r in s.records()} == {"w"} and len(s.records()) == 2
    with pytest.raises(SystemExit) as err:
        main(_args(tmp_path, weather, "--columns", "a", "--drop-columns", "a"))
    assert err.value.code == 2


def test_n_seeds_fixed_and_auto(tmp_path, tiny_csv, capsys):
    assert main(_args(tmp_path, tiny_csv, "--n-seeds", "3", "--n-archs", "5")) == EXIT_OK
    with LabelStore(tmp_path / "l.sqlite") as s:
        assert {r["seed"] for r in s.records()} == {0, 1, 2} and s.count() == 15
        assert {r["k"] for r in from_store(str(s.path), seeds="mean")} == {3}
    # independent seeds (tau ~ 0): auto goes to the cap
    auto = ["--n-seeds", "auto", "--n-archs", "6", "--max-seeds", "4"]
    assert main(_args(tmp_path / "a", tiny_csv, *auto)) == EXIT_OK
    out = capsys.readouterr().out
    assert "tiny: split-half tau" in out and "(capped)" in out
    with LabelStore(tmp_path / "a" / "l.sqlite") as s:
        assert {r["k"] for r in from_store(str(s.path), seeds="mean")} == {4}
        assert s.count() == 24
        note = s.note("repeatability/tiny/3")
        assert note["seeds_needed"] == 4 and note["n_archs"] == 6 and note["seeds"] == [0, 1]
    # a rerun measures again on all 4 stored seeds and has nothing to add
    assert main(_args(tmp_path / "a", tiny_csv, *auto)) == EXIT_OK
    assert "done 0 (ok 0, failed 0), skipped 12" in capsys.readouterr().out
    # a perfectly repeatable label needs 2 seeds
    assert main(_args(tmp_path / "b", tiny_csv, *auto, fn="seedless_label")) == EXIT_OK
    assert "split-half tau 1.000" in capsys.readouterr().out
    with LabelStore(tmp_path / "b" / "l.sqlite") as s:
        assert s.count() == 12


def test_n_seeds_usage(tmp_path, tiny_csv):
    for bad in (["--n-seeds", "0"], ["--n-seeds", "x"], ["--n-seeds", "2", "--seeds", "1"],
                ["--n-seeds", "auto", "--max-seeds", "1"],
                ["--n-seeds", "auto", "--target-tau", "1.5"]):  # fmt: skip
        with pytest.raises(SystemExit) as exc:
            main(_args(tmp_path, tiny_csv, *bad))
        assert exc.value.code == 2
