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
    for argv in (
        ["--trials", "2", "--train-best"],
        ["--low-steps", "5"],
        ["--trials", "2", "--eta", "1"],
    ):
        with pytest.raises(SystemExit) as err:
            search_cli.main(argv)
        assert err.value.code == 2


def test_search_cli_successive_halving_end_to_end(tmp_path, capsys):
    """Real training, tiny: 2 full trials of 2 steps, each the best of 2 labels at 1 step."""
    rng = np.random.default_rng(1)
    csv = tmp_path / "tiny.csv"
    pd.DataFrame(rng.normal(size=(300, 2)).cumsum(0), columns=["a", "b"]).to_csv(csv, index=False)
    argv = ["--data", str(csv), "--trials", "2", "--batch", "1", "--n", "40", "--eta", "2"]
    argv += ["--train-steps", "2", "--low-steps", "1", "--out-dir", str(tmp_path / "run")]
    assert search_cli.main(argv) == 0
    out = capsys.readouterr().out
    assert "successive halving: 2 x 1 labels at 1 steps first" in out and "trial   2/2" in out
    doc = json.loads((tmp_path / "run" / "result.json").read_text())
    sh = doc["successive_halving"]
    assert sh["low_steps"] == 1 and sh["eta"] == 2 and len(sh["low_trials"]) == 4
    assert [t["trial"] for t in doc["trials"]] == [1, 2]
    assert {t["hash"] for t in doc["trials"]} <= {t["hash"] for t in sh["low_trials"]}
    store = LabelStore(tmp_path / "run" / "trials.sqlite")
    budgets = sorted(r["budget"] for r in store.records())
    assert budgets == [1, 1, 1, 1, 2, 2, 2]  # 4 low labels; 2 trials + the preset
    assert doc["timings"]["training_s"] >= doc["timings"]["low_label_s"] > 0
    # Rerun: nothing is trained again, low labels included.
    assert search_cli.main(argv) == 0
    assert "low   " not in capsys.readouterr().out and store.count() == 7
    bad = argv[:-2] + ["--out-dir", str(tmp_path / "bad")]
    bad[bad.index("--low-steps") + 1] = "2"
    with pytest.raises(ValueError, match="--low-steps 2: the low fidelity must be 1..1"):
        search_cli.main(bad)  # run_main turns it into exit code 1


def test_flag_names_match_the_surrogates():
    from predictor import smbo, surrogates

    assert smbo.SURROGATES == surrogates.SURROGATES


def _halving(tmp_path, name, cfg, calls, low_calls, stop_after=None):
    """RF-SMBO on 30 toy archs with successive halving; the low label is the arch's ``k``
    alone (a cheap, partly informative fidelity). ``stop_after``: interrupt before the label
    (low or full) that would make that many in all."""
    pool = unique_archs(200, 5)[:30]
    store = LabelStore(tmp_path / f"{name}.sqlite")
    slot = StoreSlot(store, "toy", 30, cfg.seed)
    low_slot = StoreSlot(store, "toy", 10, cfg.seed, index_key="smbo_low_trial")

    def stop():
        if stop_after is not None and len(low_calls) + len(calls) >= stop_after:
            raise Interrupt

    def low_fn(arch):
        stop()
        low_calls.append(TOY.arch_hash(arch))
        return {"status": "ok", "label": float(arch["k"])}

    def full_fn(arch):
        stop()
        calls.append(TOY.arch_hash(arch))
        return {"status": "ok", "label": toy_label(arch)}

    surrogate = make_surrogate("rf", TOY, seed=cfg.seed, trees=20)
    out = smbo(TOY, surrogate, full_fn, pool, cfg, slot, low_fn=low_fn, low_slot=low_slot)
    return out, store


def test_successive_halving_promotes_the_best_low_labels_and_stores_them_apart(tmp_path):
    calls, low_calls = [], []
    cfg = LoopConfig(trials=6, batch=2, mutations=0, eta=3)
    (trials, timings), store = _halving(tmp_path, "sh", cfg, calls, low_calls)
    assert [t.trial for t in trials] == list(range(1, 7)) and len(set(calls)) == 6
    # 3 rounds of 2 x 3 low labels; a candidate labelled low in an earlier round is not again
    assert 6 < len(low_calls) == timings["low_labels"] <= 18 and len(set(low_calls)) == len(
        low_calls
    )
    assert set(calls) <= set(low_calls)  # every full trial was labelled low first
    rows = store.records(task="toy")
    low_rows = [r for r in rows if r["budget"] == 10]
    assert len(low_rows) == len(low_calls) and len(rows) == len(low_rows) + 6
    assert all(
        "smbo_low_trial" in r["metrics"] and "smbo_trial" not in r["metrics"] for r in low_rows
    )
    low = {r["arch_hash"]: r["label"] for r in low_rows}
    # The first round promotes the 2 lowest low labels of its 6 candidates.
    assert sorted(low[h] for h in calls[:2]) == sorted(low[h] for h in low_calls[:6])[:2]
    assert trials[0].source.endswith("1 of 6 at low fidelity")
    assert all("at low fidelity" in t.source for t in trials)
    assert len(StoreSlot(store, "toy", 30, 0).trials()) == 6  # full slot: full trials only
    assert len(StoreSlot(store, "toy", 10, 0).trials()) == 0  # no smbo_trial at budget 10
    total = timings["loop_s"] + timings["label_s"] + timings["low_label_s"]
    assert total == pytest.approx(timings["wall_s"])


def test_successive_halving_resumes_without_labelling_twice(tmp_path):
    cfg = LoopConfig(trials=6, batch=2, mutations=0, eta=2, seed=3)
    whole_calls, whole_low = [], []
    (whole, _), _ = _halving(tmp_path, "whole", cfg, whole_calls, whole_low)
    calls, low_calls = [], []
    for stop in (3, 7, 9):  # inside a low rung, between full trials, later
        with pytest.raises(Interrupt):
            _halving(tmp_path, "cut", cfg, calls, low_calls, stop_after=stop)
    (resumed, timings), _ = _halving(tmp_path, "cut", cfg, calls, low_calls)
    assert calls == whole_calls and low_calls == whole_low  # same labels, none twice
    assert [t.hash for t in resumed] == [t.hash for t in whole]
    (again, timings), _ = _halving(tmp_path, "cut", cfg, calls, low_calls)
    assert len(again) == 6 and timings["low_labels"] == 0 and timings["refits"] == 0


def test_successive_halving_refuses_a_shared_budget(tmp_path):
    store = LabelStore(tmp_path / "x.sqlite")
    slot = StoreSlot(store, "toy", 30, 0)
    pool = unique_archs(200, 5)[:10]
    rnd = make_surrogate("random", TOY)
    fn = _label_fn([])
    same_budget = StoreSlot(store, "toy", 30, 0, index_key="smbo_low_trial")
    same_index = StoreSlot(store, "toy", 10, 0)
    for low in (same_budget, same_index):
        with pytest.raises(ValueError, match="own budget and index"):
            smbo(TOY, rnd, fn, pool, LoopConfig(2, 1), slot, low_fn=fn, low_slot=low)
    with pytest.raises(ValueError, match="needs a low_slot"):
        smbo(TOY, rnd, fn, pool, LoopConfig(2, 1), slot, low_fn=fn)
    with pytest.raises(ValueError, match="--eta must be >= 2"):
        smbo(TOY, rnd, fn, pool, LoopConfig(2, 1, eta=1), slot)
