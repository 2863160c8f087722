"""benchmarks.family_transfer: protocols, agreement, ceiling and goals on a tiny store."""

import json

import numpy as np
import pytest

from archgraph import CTS_SPACE, sample
from benchmarks.family_transfer import (
    FamilyConfig,
    family_map,
    load,
    main,
    noise_ceiling,
    paired_difference,
    read_stores,
    seed_ensemble_scores,
    sources_for,
)
from contrastive.store import LabelStore

# Real task names (their task features are computed), fake labels.
A, B, C = "india_power_north", "india_power_west", "aus_livestock_nsw"


def _store(path, tasks, n=24, seeds=(0, 1), budget=30):
    archs = sample(n, seed=0)
    with LabelStore(path) as s:
        for i, a in enumerate(archs):
            h = CTS_SPACE.arch_hash(a)
            for task, sign in tasks:
                for seed in seeds:
                    v = sign * i + 0.01 * seed
                    s.put((h, task, budget, seed), a, {"status": "ok", "label": float(v)})
    return archs


def test_sources_and_families():
    tasks = [A, B, C, "x"]
    fam = family_map("corpus_v2", tasks)
    assert fam == {A: "power", B: "power", C: "livestock", "x": "x"}
    assert sources_for("within", A, tasks, fam) == [B]
    assert sources_for("across", A, tasks, fam) == [C, "x"]
    assert sources_for("all", A, tasks, fam) == [B, C, "x"]
    assert sources_for("within", C, tasks, fam) == []
    with pytest.raises(ValueError, match="unknown protocol 'nope'"):
        sources_for("nope", A, tasks, fam)
    assert family_map("f=x", ["x", A]) == {"x": "f", A: A}


def test_noise_ceiling_exact():
    # two seeds in the same order: split-half tau 1, so the mean's reliability is 1
    per = {f"h{i}": {0: float(i), 1: float(i) + 0.5} for i in range(6)}
    c = noise_ceiling(per)
    assert c["split_tau"] == pytest.approx(1.0) and c["tau_at_k"] == pytest.approx(1.0)
    assert c["n_archs"] == 6 and c["seeds"] == [0, 1] and c["ceiling"] == pytest.approx(1.0)
    assert noise_ceiling({"h0": {0: 1.0}}) is None  # no repeat seeds
    # one arch with a stray seed set is left out, not every arch cut to the seeds it shares
    stray = {**per, "odd": {0: 9.0, 2: 9.0}}
    assert noise_ceiling(stray)["n_archs"] == 6 and noise_ceiling(stray)["seeds"] == [0, 1]
    # a perfect ranker against a mean of reliability tau_at_k: sqrt of its correlation
    half = {f"h{i}": {0: float(i), 1: float((i * 7) % 11)} for i in range(11)}
    c = noise_ceiling(half)
    r = np.sin(np.pi * c["tau_at_k"] / 2)
    assert c["ceiling"] == pytest.approx(2 / np.pi * np.arcsin(np.sqrt(r)))
    assert c["ceiling"] > c["tau_at_k"]


def test_first_store_owns_a_task(tmp_path):
    first, second = tmp_path / "a.sqlite", tmp_path / "b.sqlite"
    _store(first, [(A, 1)], n=6)
    _store(second, [(A, -1), (C, 1)], n=6, seeds=(0,))
    means, per_seed = read_stores([str(first), str(second)])
    a = sorted(r["label"] for r in means if r["task"] == A)
    assert a == pytest.approx([i + 0.005 for i in range(6)])  # A from the first store only
    assert {r["k"] for r in means if r["task"] == A} == {2}
    assert {r["k"] for r in means if r["task"] == C} == {1}
    assert set(per_seed) == {A, C}
    with pytest.raises(ValueError, match="no such label store"):
        read_stores([str(tmp_path / "missing.sqlite")])


def test_cli_protocols_exact(tmp_path):
    path = tmp_path / "l.sqlite"
    _store(path, [(A, 1), (B, 1), (C, -1)])
    out = tmp_path / "fam"
    argv = ["--stores", str(path), "--out", str(out), "--variants", "gin:none"]
    argv += ["--epochs", "2", "--width", "8", "--n-boot", "0", "--min-archs", "10"]
    assert main(argv) == 0
    doc = json.loads(out.with_suffix(".json").read_text())
    assert doc["tasks"] == sorted([A, B, C])
    assert doc["family"] == {A: "power", B: "power", C: "livestock"}

    def tau(protocol, task, method):
        (r,) = [
            r
            for r in doc["rows"]
            if (r["protocol"], r["task"], r["method"]) == (protocol, task, method)
        ]
        return r

    # within power: the other task holds the same order; across: the livestock task reversed
    w = tau("within", A, "avg_rank")
    assert w["sources"] == [B] and w["agreement"] == pytest.approx(1.0)
    assert w["metrics"]["kendall_tau"]["value"] == pytest.approx(1.0)
    assert w["pick_percentile"] == 0.0 and w["top5_percentile"] == 0.0
    assert w["consensus_tau"] == pytest.approx(1.0)  # average rank is the consensus itself
    x = tau("across", A, "avg_rank")
    assert x["sources"] == [C] and x["agreement"] == pytest.approx(-1.0)
    assert x["metrics"]["kendall_tau"]["value"] == pytest.approx(-1.0)
    assert not [r for r in doc["rows"] if r["protocol"] == "within" and r["task"] == C]
    # A and B hold the same order over the same archs: random draws anew for each held-out task
    ra, rb = (tau("within", t, "random")["metrics"]["kendall_tau"]["value"] for t in (A, B))
    assert ra != rb
    methods = {r["method"] for r in doc["rows"]}
    assert methods == {"random", "avg_rank", "rf", "gp", "tahc_gin:none"}
    assert doc["agreement"]["summary"]["within_mean_tau"] == pytest.approx(1.0)
    assert doc["agreement"]["summary"]["across_mean_tau"] == pytest.approx(-1.0)
    assert all(c["tau_at_k"] == pytest.approx(1.0) for c in doc["noise_ceiling"].values())
    assert all(c["ceiling"] == pytest.approx(1.0) for c in doc["noise_ceiling"].values())
    (g,) = [x for x in doc["goals"] if x["goal"].startswith("split-half reliability")]
    assert g["met"] is True and g["figure"].startswith("3/3 tasks; below: none")
    md = out.with_suffix(".md").read_text()
    assert "## Protocol `within`" in md and "| split-half tau" in md
    assert "tau with sources' avg rank" in md
    assert out.with_suffix(".png").stat().st_size > 1000
    np.testing.assert_equal(len(doc["rows"]), 5 * (2 + 3 + 3))  # within 2 tasks, across 3, all 3


def test_tahc_seeds_average_the_ranks_of_seeded_comparators(tmp_path):
    from scipy.stats import rankdata

    path = tmp_path / "l.sqlite"
    _store(path, [(A, 1), (B, 1)], n=12)
    cfg = FamilyConfig(stores=str(path), epochs=2, width=8, min_archs=10, seed=3)
    corpus = load(cfg)
    archs = [corpus.data.archs[i] for i in corpus.data.labelled(A)]

    def scores(k, seed=3):
        c = FamilyConfig(**{**cfg.__dict__, "tahc_seeds": k, "seed": seed})
        return seed_ensemble_scores(corpus.data, [B], "gin:none", c, corpus.means, archs, None)

    one = scores(1)
    assert one.shape == (12,) and np.allclose(one, scores(1))  # seeded: same scores again
    both = scores(2)
    expect = (rankdata(scores(1, 3)) + rankdata(scores(1, 4))) / 2
    np.testing.assert_allclose(both, expect)
    with pytest.raises(ValueError, match="--tahc-seeds: expected >= 1, got 0"):
        scores(0)


def test_paired_difference_exact():
    def row(task, method, tau, protocol="within"):
        m = {"kendall_tau": {"value": tau}}
        return {"protocol": protocol, "task": task, "method": method, "metrics": m}

    rows = [row("t1", "a", 0.5), row("t1", "b", 0.3), row("t2", "a", 0.2), row("t2", "b", 0.2)]
    rows += [row("t3", "a", 0.1), row("t3", "b", 0.4), row("t4", "a", 0.9)]  # t4: b missing
    rows += [row("t1", "a", -1.0, "across"), row("t1", "b", 1.0, "across")]
    p = paired_difference(rows, "within", "a", "b")
    assert p["mean"] == pytest.approx((0.2 + 0.0 - 0.3) / 3)
    assert (p["ahead"], p["tied"], p["behind"], p["tasks"]) == (1, 1, 1, 3)
    lo, hi = p["ci95"]
    assert -0.3 - 1e-12 <= lo <= p["mean"] <= hi <= 0.2 + 1e-12
    assert p == paired_difference(rows, "within", "a", "b")  # seeded
    assert paired_difference(rows, "within", "a", "c") is None


def test_bad_flags(tmp_path):
    path = tmp_path / "l.sqlite"
    _store(path, [(A, 1), (B, 1)], n=6)
    with pytest.raises(ValueError, match="unknown protocol 'sideways'"):
        main(["--stores", str(path), "--protocols", "sideways", "--out", str(tmp_path / "o")])
    with pytest.raises(ValueError, match="--ship writes one comparator; --tahc-seeds 2"):
        main(["--stores", str(path), "--ship", str(tmp_path / "c.pt"), "--tahc-seeds", "2"])
    with pytest.raises(ValueError, match="no task has >= 20"):
        main(["--stores", str(path), "--out", str(tmp_path / "o")])


def test_drop_rule_and_preset_percentile(tmp_path):
    from contrastive.presets import preset

    path = tmp_path / "l.sqlite"
    archs = _store(path, [(A, 1), (B, 1), (C, -1)])
    D = "india_power_south"
    with LabelStore(path) as s:
        for i, a in enumerate(archs):  # seed 1 reverses seed 0: the label does not repeat
            h = CTS_SPACE.arch_hash(a)
            s.put((h, D, 30, 0), a, {"status": "ok", "label": float(i)})
            s.put((h, D, 30, 1), a, {"status": "ok", "label": float(-i)})
        p = preset("ts2vec")
        for seed in (0, 1):
            s.put((CTS_SPACE.arch_hash(p), A, 30, seed), p, {"status": "ok", "label": 5.5})
    out = tmp_path / "fam"
    argv = ["--stores", str(path), "--out", str(out), "--variants", "gin:none", "--epochs", "1"]
    argv += ["--width", "8", "--n-boot", "0", "--min-archs", "10", "--protocols", "within"]
    argv += ["--baselines", "avg_rank"]
    assert main(argv) == 0
    doc = json.loads(out.with_suffix(".json").read_text())
    assert D not in doc["tasks"] and doc["dropped"][D]["split_tau"] == pytest.approx(-1.0)
    assert doc["dropped"][D]["tau_at_seeds"] < 0.6 and doc["dropped"][D]["at_seeds"] == 4
    assert doc["preset_percentile"] == {A: pytest.approx(6 / 24)}  # archs 0-5 beat 5.5
    assert doc["preset_label"][A] == pytest.approx(5.5)
    md = out.with_suffix(".md").read_text()
    assert f"- {D}: dropped, its mean over 4 seeds is predicted to repeat with tau" in md


def test_unseen_archs_are_judged_alone(tmp_path):
    from benchmarks.protocols import unseen_split

    np.testing.assert_array_equal(unseen_split(4, 0.0, 0), [0, 1, 2, 3])
    half = unseen_split(24, 0.5, 0)
    assert len(half) == 12 and (np.diff(half) > 0).all()
    np.testing.assert_array_equal(half, unseen_split(24, 0.5, 0))  # seeded
    path = tmp_path / "l.sqlite"
    _store(path, [(A, 1), (B, 1), (C, -1)])
    out = tmp_path / "fam"
    argv = ["--stores", str(path), "--out", str(out), "--variants", "gin:none", "--epochs", "1"]
    argv += ["--width", "8", "--n-boot", "0", "--min-archs", "10", "--protocols", "within"]
    argv += ["--baselines", "avg_rank,rf", "--unseen-archs", "0.5"]
    assert main(argv) == 0
    doc = json.loads(out.with_suffix(".json").read_text())
    rows = {r["method"]: r for r in doc["rows"] if r["task"] == A}
    assert {r["n"] for r in rows.values()} == {12}
    # no source labels an unseen arch: average rank gives them all the same score
    assert rows["avg_rank"]["metrics"]["kendall_tau"]["value"] == pytest.approx(0.0)
    assert "Unseen archs: a seeded 50% of the archs" in out.with_suffix(".md").read_text()
    with pytest.raises(ValueError, match="--unseen-archs: expected a share in"):
        main([*argv[:-1], "1.0"])
    # agreement is measured over the judged archs only: B agrees with A there, not elsewhere
    from benchmarks.protocols import TaskSet

    order = TaskSet.from_records(CTS_SPACE, read_stores([str(path)])[0]).archs  # load's order
    judged_h = {CTS_SPACE.arch_hash(order[i]) for i in half}
    archs = sample(24, seed=0)
    rank = {i for i, a in enumerate(archs) if CTS_SPACE.arch_hash(a) in judged_h}
    odd = tmp_path / "odd.sqlite"
    with LabelStore(odd) as st:
        for i, a in enumerate(archs):
            h = CTS_SPACE.arch_hash(a)
            b = float(i) if i in rank else float(100 - i)
            for seed in (0, 1):
                for task, v in ((A, float(i)), (B, b), (C, -float(i))):
                    st.put((h, task, 30, seed), a, {"status": "ok", "label": v + 0.01 * seed})
    assert main([*argv[:1], str(odd), *argv[2:]]) == 0
    doc = json.loads(out.with_suffix(".json").read_text())
    (w,) = [r for r in doc["rows"] if r["task"] == A and r["method"] == "avg_rank"]
    assert w["agreement"] == pytest.approx(1.0)


def test_too_few_judged_archs_skip_the_task(tmp_path):
    path = tmp_path / "l.sqlite"
    _store(path, [(A, 1), (B, 1)], n=12)
    out = tmp_path / "fam"
    argv = ["--stores", str(path), "--out", str(out), "--variants", "", "--n-boot", "0"]
    argv += ["--min-archs", "10", "--protocols", "within", "--baselines", "avg_rank"]
    assert main([*argv, "--unseen-archs", "0.5"]) == 0  # 6 judged archs per task
    doc = json.loads(out.with_suffix(".json").read_text())
    assert doc["rows"] == [] and doc["skipped"] == [["within", A, 6], ["within", B, 6]]
    assert f"- {A}: not held out under `within` (6 judged archs < 10)" in (
        out.with_suffix(".md").read_text()
    )


def test_ship_trains_on_all_but_the_holdout(tmp_path):
    from predictor.comparator import Comparator

    path = tmp_path / "l.sqlite"
    _store(path, [(A, 1), (B, 1), (C, -1)], n=12)
    out, ck = tmp_path / "fam", tmp_path / "ck" / "default.pt"
    argv = ["--stores", str(path), "--out", str(out), "--variants", "gin:film,gin:none"]
    argv += ["--epochs", "2", "--width", "8", "--n-boot", "0", "--min-archs", "10"]
    argv += ["--protocols", "across", "--baselines", "avg_rank"]
    argv += ["--ship", str(ck), "--ship-holdout", C]
    assert main(argv) == 0
    doc = json.loads(out.with_suffix(".json").read_text())
    summ = doc["summary"]["across"]
    best = max(("gin:film", "gin:none"), key=lambda v: summ[f"tahc_{v}"]["mean_tau"])
    assert doc["chosen"] == best
    sh = doc["ship"]
    assert sh["tasks"] == sorted([A, B]) and sh["holdout"] == C
    assert sh["shipped"] and sh["incumbent"] is None and sh["reason"] == "no checkpoint there"
    assert sh["candidate"]["n"] == 12 and -1 <= sh["candidate"]["kendall_tau"] <= 1
    side = json.loads((tmp_path / "ck" / "default.pt.json").read_text())
    assert C not in side["tasks"] and side["config"]["width"] == 8
    comp = Comparator.load(ck)
    assert comp.score(sample(3, seed=1), None).shape == (3,)
    assert "## Shipped" in out.with_suffix(".md").read_text()
    with pytest.raises(ValueError, match="--ship-holdout 'nope' not in"):
        main([*argv[:-1], "nope"])


def test_ship_gate_keeps_a_checkpoint_that_ranks_the_holdout_better(tmp_path, monkeypatch):
    import benchmarks.corpus_loto as cl

    path = tmp_path / "l.sqlite"
    _store(path, [(A, 1), (B, 1), (C, -1)], n=12)
    out, ck = tmp_path / "fam", tmp_path / "default.pt"
    argv = ["--stores", str(path), "--out", str(out), "--variants", "gin:none"]
    argv += ["--epochs", "2", "--width", "8", "--n-boot", "0", "--min-archs", "10"]
    argv += ["--protocols", "across", "--baselines", "avg_rank", "--ship", str(ck)]
    argv += ["--ship-holdout", C]
    assert main([*argv, "--ship-variant", "gin:film"]) == 0  # the incumbent: a film comparator
    before = ck.read_bytes()
    real = cl.holdout_eval

    def fake(comp, data, task):  # the incumbent (film) ranks the holdout better
        return {
            **real(comp, data, task),
            "kendall_tau": 0.5 if comp.config.fusion == "film" else 0.1,
        }

    monkeypatch.setattr(cl, "holdout_eval", fake)
    assert main(argv) == 0
    sh = json.loads(out.with_suffix(".json").read_text())["ship"]
    assert not sh["shipped"] and ck.read_bytes() == before
    assert sh["incumbent"]["variant"] == "gin:film" and sh["incumbent"]["kendall_tau"] == 0.5
    md = out.with_suffix(".md").read_text()
    assert "## Not shipped" in md and "(tau 0.500 vs 0.100); kept it" in md
    assert main([*argv, "--no-ship-gate"]) == 0  # written regardless
    sh = json.loads(out.with_suffix(".json").read_text())["ship"]
    assert sh["shipped"] and sh["reason"] == "--no-ship-gate" and ck.read_bytes() != before
