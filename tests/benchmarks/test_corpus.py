"""The corpus card and the leave-one-task-out helpers, on hand-made rows."""

import json
import math

import numpy as np
import pytest

from archgraph import CTS_SPACE, sample
from benchmarks.corpus_card import markdown, task_card
from benchmarks.corpus_loto import (
    _pick_stats,
    avg_rank_all,
    parse_variant,
    random_top_k_percentile,
)
from benchmarks.protocols import TaskSet


def _row(h: str, seed: int, label: float, gain: float = 0.9, status: str = "ok") -> dict:
    return {
        "arch_hash": h,
        "seed": seed,
        "label": label,
        "status": status,
        "metrics": {"gain": gain},
    }


def test_task_card_counts_distribution_and_noise():
    rows = [
        _row("a", 0, 1.0, 0.5),
        _row("b", 0, 2.0, 1.5),
        _row("c", 0, 4.0, 0.9),
        _row("a", 1, 1.2),
        _row("b", 1, 1.8),
        _row("c", 1, 4.4),
        _row("d", 0, None, status="failed"),
    ]
    card = task_card(rows, {"raw_short": 0.5}, {"task": "t", "shape": [10, 2]})
    assert card["archs_ok"] == 3 and card["failed"] == 1 and card["rows"] == 7
    assert (card["label_min"], card["label_median"], card["label_max"]) == (1.0, 2.0, 4.0)
    assert card["share_training_helped"] == pytest.approx(2 / 3)
    assert card["repeat_archs"] == 3 and card["seed_tau"] == pytest.approx(1.0)
    # relative diffs .2/1.1, .2/1.9, .4/4.2 -> median .2/1.9
    assert card["seed_median_rel_diff"] == pytest.approx(0.2 / 1.9)
    text = markdown(
        {"store": "s", "rows": 7, "ok": 6, "failed": 1, "distinct_archs": 4, "tasks": [card]}
    )
    assert "| t |" in text and "10x2" in text and "14.3%" in text
    assert "Label (`val_mse`) = val MSE of a ridge probe" in text  # a card without label_kind
    knn = markdown(
        {"store": "s", "rows": 7, "ok": 6, "failed": 1, "distinct_archs": 4, "tasks": [card]}
        | {"label_kind": "knn_val_mse", "out": "c/v2/CARD"}
    )
    assert "Label (`knn_val_mse`) = val MSE of a fit-free cosine k-nearest" in knn
    assert "--store s --out c/v2/CARD`" in knn


def test_pick_stats_and_avg_rank():
    y = np.array([3.0, 1.0, 2.0, 4.0])
    s = _pick_stats(np.array([0.0, 0.0, 5.0, 1.0]), y)  # picks the second best
    assert s["pick_label"] == 2.0 and s["pick_percentile"] == 0.25 and not s["pick_in_top10"]
    assert s["relative_regret"] == pytest.approx(1.0)
    # top 3 = labels 2, 4, then the first of the tied 3.0 / 1.0 (stable order): best 2.0 -> .25
    assert s["top3_percentile"] == 0.25 and s["top5_percentile"] == 0.0
    y10 = np.arange(1.0, 11.0)  # arch i has label i + 1: arch 0 is best
    s10 = _pick_stats(-np.abs(y10 - 7), y10)  # ranks arch 6, then 5 and 7, then 4 and 8, ...
    assert s10["pick_percentile"] == 0.6 and s10["top3_percentile"] == 0.5
    assert s10["top5_percentile"] == 0.4 and s10["top10_percentile"] == 0.0
    # the best of k of n random archs: exact expectation, checked by enumeration for n = 4
    from itertools import combinations

    for k in (1, 2, 3):
        exact = np.mean([min(c) / 4 for c in combinations(range(4), k)])
        assert random_top_k_percentile(4, k) == pytest.approx(exact)
    archs = sample(4, seed=0)
    recs = [
        {"arch": a, "task": t, "label": v}
        for t, vals in (("s1", [1, 2, 3, 4]), ("s2", [2, 1, 3, 4]), ("h", [4, 3, 2, 1]))
        for a, v in zip(archs, vals, strict=True)
    ]
    data = TaskSet.from_records(CTS_SPACE, recs)
    ids = data.labelled("h")
    scores = avg_rank_all(data, [data.tasks.index("s1"), data.tasks.index("s2")], ids)
    order = [CTS_SPACE.arch_hash(data.archs[i]) for i in ids[np.argsort(-scores)]]
    assert order[-1] == CTS_SPACE.arch_hash(archs[3])  # worst on both sources
    with pytest.raises(ValueError, match="gnn:fusion"):
        parse_variant("gin")


def test_seed_noise_is_the_kendall_tau_between_seeds_on_common_archs():
    from types import SimpleNamespace

    from benchmarks.corpus_loto import seed_noise

    space = SimpleNamespace(arch_hash=lambda a: a["id"])
    s0 = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0]
    s1 = [1.0, 2.0, 3.0, 4.0, 6.0, 5.0]  # one swapped pair of 15: tau = (14 - 1) / 15
    recs = [{"task": "a", "seed": 0, "arch": {"id": i}, "label": v} for i, v in enumerate(s0)]
    recs += [{"task": "a", "seed": 1, "arch": {"id": i}, "label": v} for i, v in enumerate(s1)]
    recs += [{"task": "a", "seed": 0, "arch": {"id": 99}, "label": 0.5}]  # no seed-1 twin
    recs += [{"task": "b", "seed": 0, "arch": {"id": i}, "label": 1.0 * i} for i in range(6)]
    out = seed_noise(recs, space)
    assert set(out) == {"a"}  # b has no seed-1 labels
    assert out["a"]["n_archs"] == 6
    assert out["a"]["tau"] == pytest.approx(13 / 15)


def test_store_label_kind_names_the_kind_the_picks_are_scored_by(tmp_path):
    from benchmarks.corpus_loto import store_label_kind
    from contrastive.store import LabelStore

    path = tmp_path / "l.sqlite"
    arch = sample(1, seed=0)[0]
    ok = {"status": "ok", "error": None, "label": 0.5, "seconds": 1.0}
    with LabelStore(path) as s:
        s.put(("h1", "t", 30, 0), arch, {**ok, "label_kind": "val_mse", "knn_val_mse": 0.7})
    assert store_label_kind(str(path)) == "val_mse"
    with LabelStore(path) as s:
        s.put(("h2", "t", 30, 0), arch, {**ok, "label_kind": "knn_val_mse"})
    with pytest.raises(ValueError, match="expected one label kind"):
        store_label_kind(str(path))


def _opened_read_only(monkeypatch) -> list[bool]:
    """Record the ``readonly`` flag of every LabelStore opened from now on."""
    from contrastive import store as store_mod

    flags: list[bool] = []
    init = store_mod.LabelStore.__init__

    def spy(self, path, timeout=60.0, readonly=False):
        flags.append(readonly)
        init(self, path, timeout, readonly)

    monkeypatch.setattr(store_mod.LabelStore, "__init__", spy)
    return flags


def test_the_corpus_benchmarks_open_a_store_read_only(tmp_path, monkeypatch):
    from benchmarks.corpus_card import build
    from benchmarks.corpus_loto import store_label_kind
    from contrastive.store import LabelStore

    path = tmp_path / "l.sqlite"
    archs = sample(3, seed=0)
    with LabelStore(path) as s:
        for i, a in enumerate(archs):
            for seed in (0, 1):
                rec = {
                    "status": "ok",
                    "error": None,
                    "label": 1.0 + i + 0.1 * seed,
                    "label_kind": "val_mse",
                }
                s.put((f"h{i}", "t", 30, seed), a, {**rec, "seconds": 1.0})
    before = path.read_bytes()
    flags = _opened_read_only(monkeypatch)
    card = build(str(path))
    assert card["rows"] == 6 and card["tasks"][0]["repeat_archs"] == 3
    assert card["tasks"][0]["seed_tau"] == pytest.approx(1.0)
    assert card["label_kind"] == "val_mse"
    assert store_label_kind(str(path)) == "val_mse"
    assert flags == [True, True] and path.read_bytes() == before


def test_judged_aligns_another_label_kind_by_arch():
    from benchmarks.corpus_loto import judged

    archs = sample(3, seed=1)
    ridge = [{"arch": a, "task": "t", "label": v} for a, v in zip(archs, [1, 2, 3], strict=True)]
    knn = [{"arch": a, "task": "t", "label": v} for a, v in zip(archs, [30, 10, 20], strict=True)]
    data = TaskSet.from_records(CTS_SPACE, ridge)
    judge = TaskSet.from_records(CTS_SPACE, knn[::-1])  # other order inside the set
    out = judged(data, judge)
    by_hash = {CTS_SPACE.arch_hash(a): v for a, v in zip(archs, [30, 10, 20], strict=True)}
    assert [out.labels[0, i] for i in range(3)] == [
        by_hash[CTS_SPACE.arch_hash(a)] for a in data.archs
    ]
    assert out.archs is data.archs and out.tasks == data.tasks
    with pytest.raises(ValueError, match="lack the judge label"):
        judged(data, TaskSet.from_records(CTS_SPACE, knn[:2]))


def test_corpus_loto_ship_writes_then_the_gate_compares(tmp_path):
    from benchmarks.corpus_loto import main
    from contrastive.store import LabelStore

    store = tmp_path / "l.sqlite"
    tasks = [("india_power_north", 1), ("india_power_west", 1), ("pedestrian", -1)]
    with LabelStore(store) as s:
        for i, a in enumerate(sample(12, seed=0)):
            for task, sign in tasks:
                key = (CTS_SPACE.arch_hash(a), task, 30, 0)
                s.put(key, a, {"status": "ok", "label": float(sign * (i + 1))})
    out, ck = tmp_path / "loto", tmp_path / "default.pt"
    argv = ["--store", str(store), "--out", str(out), "--variants", "gin:none"]
    argv += ["--epochs", "2", "--width", "8", "--n-boot", "0", "--ship", str(ck)]
    assert main(argv) == 0
    doc = json.loads(out.with_suffix(".json").read_text())
    assert doc["ship"]["shipped"] and doc["ship"]["reason"] == "no checkpoint there"
    assert doc["ship"]["candidate"]["n"] == 12 and ck.exists()
    assert main(argv) == 0  # the same seed trains the same comparator: ties ship
    doc = json.loads(out.with_suffix(".json").read_text())
    tau = doc["ship"]["candidate"]["kendall_tau"]
    assert doc["ship"]["incumbent"]["kendall_tau"] == tau and doc["ship"]["shipped"]
    assert (
        doc["shipped"].startswith(f"wrote `{ck}`: gin:none")
        and "at least as well" in doc["shipped"]
    )


def test_task_card_seed_mean_repeatability():
    # 5 archs x 4 seeds: halves (seeds 0, 2) and (1, 3); half means rank 1 2 3 4 5 vs 1 2 3 5 4
    half_a, half_b = [1.0, 2.0, 3.0, 4.0, 5.0], [1.0, 2.0, 3.0, 5.0, 4.0]
    rows = [
        _row(h, seed, (half_a if seed % 2 == 0 else half_b)[i])
        for i, h in enumerate("abcde")
        for seed in range(4)
    ]
    card = task_card(rows, {}, {"task": "t", "family": "f", "shape": [10, 2]})
    assert card["mean_seeds"] == 4 and card["mean_archs"] == 5
    r_half = math.sin(math.pi / 2 * 0.8)  # split tau .8 as a Pearson r
    r_8 = 2 * r_half / (1 + r_half)  # Spearman-Brown from 2 seeds to 4 seeds per mean
    assert card["mean_reliability"] == pytest.approx(2 / math.pi * math.asin(r_8))
    assert card["seeds_for_08"] == 2  # one seed per half already predicts tau >= .8
    text = markdown(
        {"store": "s", "rows": 20, "ok": 20, "failed": 0, "distinct_archs": 5, "tasks": [card]}
    )
    assert "| t | f |" in text and "split-half tau of the k-seed mean" in text
    assert f"| 4 | {card['mean_reliability']:.2f} (5 archs) | 2 |" in text
    # one seed per arch: no repeatability columns
    single = task_card([_row(h, 0, 1.0) for h in "abcde"], {}, {"task": "u", "shape": None})
    assert "mean_seeds" not in single
