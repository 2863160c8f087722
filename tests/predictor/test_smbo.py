import json

import numpy as np
import pandas as pd
import pytest

from contrastive.store import LabelStore
from predictor import search as search_cli
from predictor.smbo import LoopConfig, StoreSlot, best_so_far, smbo
from predictor.surrogates import make_surrogate

from .toyspace import TOY, toy_label, unique_archs


class Interrupt(Exception):
    """Stands in for Ctrl-C in the middle of a run."""


def _label_fn(calls, stop_after=None):
    def fn(arch):
        if stop_after is not None and len(calls) >= stop_after:
            raise Interrupt
        calls.append(TOY.arch_hash(arch))
        return {"status": "ok", "label": toy_label(arch)}

    return fn


def _run(tmp_path, name, cfg, calls, stop_after=None, pool=None):
    pool = pool if pool is not None else unique_archs(200, 5)[:30]
    slot = StoreSlot(LabelStore(tmp_path / f"{name}.sqlite"), "toy", 0, cfg.seed)
    surrogate = make_surrogate("rf", TOY, seed=cfg.seed, trees=20)
    return smbo(TOY, surrogate, _label_fn(calls, stop_after), pool, cfg, slot)


def test_loop_spends_exactly_the_budget_on_distinct_archs(tmp_path):
    calls = []
    trials, timings = _run(tmp_path, "a", LoopConfig(trials=9, batch=3, mutations=4), calls)
    assert [t.trial for t in trials] == list(range(1, 10))
    assert len(calls) == 9 and len(set(calls)) == 9
    assert timings["refits"] == 3
    assert timings["loop_s"] + timings["label_s"] == pytest.approx(timings["wall_s"])
    curve = best_so_far(trials)
    assert curve == sorted(curve, reverse=True) and curve[-1] == min(t.label for t in trials)
    assert any(t.source.startswith("mutation of trial") for t in trials)
    stored = LabelStore(tmp_path / "a.sqlite").records(task="toy")
    assert sorted(r["metrics"]["smbo_trial"] for r in stored) == list(range(1, 10))


def test_a_stopped_run_continues_where_it_stopped(tmp_path):
    cfg = LoopConfig(trials=8, batch=2, mutations=4, seed=1)
    whole_calls = []
    whole, _ = _run(tmp_path, "whole", cfg, whole_calls)
    calls = []
    with pytest.raises(Interrupt):  # stopped at a batch boundary
        _run(tmp_path, "cut", cfg, calls, stop_after=4)
    with pytest.raises(Interrupt):  # and in the middle of a batch
        _run(tmp_path, "cut", cfg, calls, stop_after=5)
    resumed, _ = _run(tmp_path, "cut", cfg, calls)
    assert len(calls) == 8 and len(set(calls)) == 8  # nothing labelled twice
    assert [t.trial for t in resumed] == list(range(1, 9))
    # Up to the batch boundary the interrupted run chose exactly what the whole run did.
    assert [t.hash for t in resumed[:4]] == [t.hash for t in whole[:4]]
    again, timings = _run(tmp_path, "cut", cfg, calls)  # a finished run does nothing more
    assert len(calls) == 8 and timings["refits"] == 0 and len(again) == 8


def test_time_limit_and_bad_budgets(tmp_path):
    calls = []
    trials, _ = _run(tmp_path, "t", LoopConfig(trials=5, batch=1, minutes=1e-9), calls)
    assert trials == [] and calls == []
    with pytest.raises(ValueError, match="--trials and --batch"):
        _run(tmp_path, "t", LoopConfig(trials=0), calls)


def test_failed_trials_count_and_do_not_stop_the_loop(tmp_path):
    pool = unique_archs(200, 5)[:20]

    def fn(arch):
        if arch["k"] == 2:
            return {"status": "failed", "error": "MemoryError: too big", "label": float("nan")}
        return {"status": "ok", "label": toy_label(arch)}

    slot = StoreSlot(LabelStore(tmp_path / "f.sqlite"), "toy", 0, 0)
    trials, _ = smbo(
        TOY, make_surrogate("random", TOY), fn, pool, LoopConfig(6, 2, mutations=0), slot
    )
    assert len(trials) == 6
    assert all(t.ok == (t.arch["k"] != 2) for t in trials)


def test_search_cli_trials_end_to_end(tmp_path, capsys):
    """Real training, tiny: two trials of the shipped comparator's picks on a tiny CSV."""
    rng = np.random.default_rng(0)
    csv = tmp_path / "tiny.csv"
    pd.DataFrame(rng.normal(size=(300, 2)).cumsum(0), columns=["a", "b"]).to_csv(csv, index=False)
    argv = ["--data", str(csv), "--trials", "2", "--batch", "1", "--n", "40"]
    argv += ["--train-steps", "2", "--out-dir", str(tmp_path / "run"), "--draw", str(tmp_path)]
    assert search_cli.main(argv) == 0
    out = capsys.readouterr().out
    assert "trial   2/2" in out and "ts2vec preset" in out and "raw lags 48" in out
    doc = json.loads((tmp_path / "run" / "result.json").read_text())
    assert [t["trial"] for t in doc["trials"]] == [1, 2]
    assert doc["chosen"]["label"] == min(t["label"] for t in doc["trials"])
    assert 0 <= doc["timings"]["overhead_fraction"] < 1
    assert (tmp_path / "trials_best.png").is_file() and (tmp_path / "trials_curve.png").is_file()
    from contrastive.model import ContrastiveEncoder

    enc = ContrastiveEncoder.load(doc["encoder"], device="cpu")
    assert enc.encode(rng.normal(size=(64, 2)), last=True).shape[0] == 2
    # Rerun: everything is in the store (trials and preset), nothing is trained again.
    assert search_cli.main(argv) == 0
    assert "continuing: 2 trials already stored" in capsys.readouterr().out
    store = LabelStore(tmp_path / "run" / "trials.sqlite")
    assert store.count() == 3  # 2 trials + the preset


def test_search_cli_trials_usage_errors(tmp_path):
    with pytest.raises(SystemExit) as err:
        search_cli.main(["--trials", "2", "--train-best"])
    assert err.value.code == 2


def test_flag_names_match_the_surrogates():
    from predictor import smbo, surrogates

    assert smbo.SURROGATES == surrogates.SURROGATES
