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
    assert len(rows) == 2 * len(search_sim.SURROGATES) * 2  # tasks x methods x seeds
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
    with pytest.raises(SystemExit) as err:
        search_sim.main(["--suites", "imagenet"])
    assert err.value.code == 2
    assert "unknown method or suite ['imagenet']" in capsys.readouterr().err


def test_bad_count_and_config_key_are_usage_errors(tmp_path, capsys):
    with pytest.raises(SystemExit) as err:
        search_sim.main(["--trials", "0"])
    assert err.value.code == 2
    assert "--trials, --batch and --seeds must be >= 1" in capsys.readouterr().err
    bad = tmp_path / "c.json"
    bad.write_text('{"trials": 1.5}')
    with pytest.raises(SystemExit) as err:
        search_sim.main(["--config", str(bad)])
    assert err.value.code == 2
    assert "key 'trials': expected an integer, got float 1.5" in capsys.readouterr().err


def test_config_file_sets_fields_and_flags_win(tmp_path):
    conf = tmp_path / "c.toml"
    conf.write_text('methods = "random,gp"\nseeds = 3\nprior-cache = "runs/p"\n')
    cfg = search_sim.build_parser().parse(["--config", str(conf), "--seeds", "4"])
    assert (cfg.methods, cfg.seeds, cfg.prior_cache) == ("random,gp", 4, "runs/p")
    assert cfg.trials == 50 and cfg.suites == "corpus,nbgraph,custom"


def test_search_real_flags(tmp_path):
    from benchmarks import search_real

    parser = search_real.build_parser()
    assert parser.parse([]) == search_real.RealConfig()
    conf = tmp_path / "c.json"
    conf.write_text('{"tasks": "pedestrian", "low-steps": 5}')
    cfg = parser.parse(["--config", str(conf), "--eta", "2"])
    assert (cfg.tasks, cfg.low_steps, cfg.eta, cfg.trials) == ("pedestrian", 5, 2, 20)


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


def test_a_new_method_joins_the_stored_parts_with_the_cached_prior(tmp_path):
    out, cache = tmp_path / "sim", tmp_path / "priors"
    argv = ["--quick", "--suites", "custom", "--tasks", "smooth", "--out", str(out)]
    argv += ["--seeds", "2", "--trials", "6", "--prior-cache", str(cache)]
    assert search_sim.main(argv + ["--methods", "random,zeroshot"]) == 0
    first = json.loads(out.with_suffix(".json").read_text())["suites"][0]["rows"]
    (prior,) = cache.glob("custom_smooth_*.pt")
    stamp = prior.stat().st_mtime_ns
    assert search_sim.main(argv + ["--methods", "random,zeroshot,comparator"]) == 0
    rows = json.loads(out.with_suffix(".json").read_text())["suites"][0]["rows"]
    assert [r for r in rows if r["method"] != "comparator"] == first  # reused, not rerun
    c = [r for r in rows if r["method"] == "comparator"]
    z = [r for r in rows if r["method"] == "zeroshot"]
    assert len(c) == 2 and [r["percentile"][:4] for r in c] == [r["percentile"][:4] for r in z]
    assert prior.stat().st_mtime_ns == stamp  # the prior was read from the cache
    part = json.loads((tmp_path / "sim.parts" / "custom_smooth.json").read_text())
    assert part["signature"]["methods"] == ["comparator", "random", "zeroshot"]


def test_corpus_v2_suite_priors_from_the_family(tmp_path):
    from archgraph import CTS_SPACE, sample
    from contrastive.store import LabelStore

    a, b, c = "india_power_north", "india_power_west", "aus_livestock_nsw"
    store = tmp_path / "v2.sqlite"
    with LabelStore(store) as s:
        for i, arch in enumerate(sample(12, seed=0)):
            h = CTS_SPACE.arch_hash(arch)
            for task, v in ((a, i), (b, i), (c, -i)):
                for seed in (0, 1):
                    s.put((h, task, 30, seed), arch, {"status": "ok", "label": v + 0.1 * seed})
    cfg = search_sim.build_parser().parse(
        ["--v2-stores", str(store), "--v2-min-archs", "5", "--prior-sources", "within"]
    )
    data = search_sim.suite_data("corpus_v2", cfg)
    assert data.tasks == sorted([a, b, c])
    np.testing.assert_allclose(np.sort(data.labels[data.tasks.index(a)]), np.arange(12) + 0.05)
    assert search_sim.prior_sources(data, a, cfg) == [b]
    with pytest.raises(ValueError, match=f"{c} has no source task"):
        search_sim.prior_sources(data, c, cfg)
    cfg.prior_sources = "across"
    assert search_sim.prior_sources(data, a, cfg) == [c]
    out = tmp_path / "sim"
    argv = ["--quick", "--suites", "corpus_v2", "--v2-stores", str(store), "--v2-min-archs", "5"]
    argv += ["--prior-sources", "within", "--methods", "random,zeroshot"]
    assert search_sim.main(argv + ["--trials", "6", "--out", str(out)]) == 0
    (suite,) = json.loads(out.with_suffix(".json").read_text())["suites"]
    assert suite["suite"] == "corpus_v2" and suite["tasks"] == [a, b]
    assert suite["tasks_without_sources"] == [c]  # alone in its family: skipped, listed
    assert suite["pool_sizes"] == {a: 12, b: 12}
    part = json.loads((tmp_path / "sim.parts" / f"corpus_v2_{a}_within.json").read_text())
    assert part["signature"]["prior_sources"] == "within"
    assert part["signature"]["v2_stores"] == str(store)
    assert part["signature"]["v2_data"] == search_sim.data_fingerprint(data)
    # the store grows (a sweep): the stored part no longer matches and is computed again
    with LabelStore(store) as s:
        extra = sample(13, seed=0)[12]
        for task in (a, b, c):
            s.put((CTS_SPACE.arch_hash(extra), task, 30, 0), extra, {"status": "ok", "label": 0.5})
    assert search_sim.main(argv + ["--trials", "6", "--out", str(out)]) == 0
    (suite,) = json.loads(out.with_suffix(".json").read_text())["suites"]
    assert suite["pool_sizes"] == {a: 13, b: 13}
    assert {r["pool"] for r in suite["rows"]} == {13}  # searched again, not read back
    # --unseen-pool: the held-out task searches a seeded half no prior trained on
    cfg = search_sim.build_parser().parse(
        ["--v2-stores", str(store), "--v2-min-archs", "5", "--prior-sources", "within"]
        + ["--unseen-pool", "0.5"]
    )
    data = search_sim.suite_data("corpus_v2", cfg)
    pool = search_sim.search_pool(data, a, cfg)
    assert len(pool) == 6 and set(pool) <= set(data.labelled(a))
    trained = {CTS_SPACE.arch_hash(r["arch"]) for r in search_sim.prior_records(data, a, cfg)}
    assert len(trained) == 7 and not trained & {CTS_SPACE.arch_hash(data.archs[i]) for i in pool}
    assert search_sim.main(argv + ["--trials", "6", "--out", str(out), "--unseen-pool", "0.5"]) == 0
    doc = json.loads(out.with_suffix(".json").read_text())
    assert doc["suites"][0]["pool_sizes"] == {a: 6, b: 6}
    assert {r["pool"] for r in doc["suites"][0]["rows"]} == {6}
    assert (
        "Unseen pool: each held-out task searches a seeded 50%"
        in out.with_suffix(".md").read_text()
    )
