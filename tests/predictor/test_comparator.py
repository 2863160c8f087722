import copy
import json
from dataclasses import replace

import numpy as np
import pytest
import torch

from predictor.comparator import Comparator, ComparatorConfig
from predictor.graphs import GraphTable
from predictor.metrics import kendall_tau, pairwise_accuracy
from predictor.models import FUSIONS, GNNS, HEADS, READOUTS
from predictor.rank import autocts_rank

from .toyspace import TOY, toy_label, unique_archs


@pytest.fixture(scope="module")
def split():
    archs = unique_archs(600, 0)
    rng = np.random.default_rng(0)
    perm = rng.permutation(len(archs))
    train = [archs[i] for i in perm[:100]]
    test = [archs[i] for i in perm[100:]]
    return train, test


def _records(archs, tasks=("t0",)):
    return [
        {"arch": a, "task": t, "label": toy_label(a, i)} for i, t in enumerate(tasks) for a in archs
    ]


FEATS = {"t0": np.array([0.0, 1.0], np.float32), "t1": np.array([1.0, 0.0], np.float32)}


@pytest.fixture(scope="module")
def trained(split):
    train, _ = split
    comp = Comparator(
        TOY, ComparatorConfig.tiny(epochs=50, patience=50, lr=1e-2, fusion="film", width=32)
    )
    comp.fit(_records(train, ("t0", "t1")), FEATS)
    return comp


def test_synthetic_label_learned_on_unseen_archs(trained, split):
    _, test = split
    for i, task in enumerate(("t0", "t1")):
        labels = np.array([toy_label(a, i) for a in test])
        tau = kendall_tau(trained.score(test, task), labels)
        assert tau > 0.8, (task, tau)


def test_score_head_exactly_antisymmetric(trained, split):
    _, test = split
    a, b = test[0], test[1]
    e = trained.embeddings([a, b], "t0")
    i, j = torch.tensor([0]), torch.tensor([1])
    assert torch.equal(
        trained.net.head.pair_logits(e, i, j), -trained.net.head.pair_logits(e, j, i)
    )
    p, q = trained.compare(a, b, "t0"), trained.compare(b, a, "t0")
    assert abs(p + q - 1.0) < 1e-12
    assert trained.compare(a, a, "t0") == 0.5
    s = trained.score([a, b], "t0")
    assert (p > 0.5) == (s[0] > s[1])


def test_score_is_deterministic_and_batched(trained, split):
    _, test = split
    s1 = trained.score(test[:50], "t0")
    s2 = trained.score(test[:50], "t0")
    assert np.array_equal(s1, s2)
    assert s1.shape == (50,) and s1.dtype == np.float64
    assert np.allclose(trained.score(test[:5], "t0"), s1[:5], atol=1e-5)


def test_save_load_roundtrip(trained, split, tmp_path):
    _, test = split
    path = trained.save(tmp_path / "c.pt")
    meta = json.loads((tmp_path / "c.pt.json").read_text())
    assert meta["space_version"] == "toy-1" and meta["config"]["fusion"] == "film"
    loaded = Comparator.load(path, space=TOY)
    assert np.array_equal(loaded.score(test[:20], "t1"), trained.score(test[:20], "t1"))


def test_load_refuses_other_space_version(trained, tmp_path):
    path = trained.save(tmp_path / "c.pt")

    class Toy2(type(TOY)):
        version = "toy-2"

    with pytest.raises(ValueError, match="version 'toy-1'.*'toy-2'"):
        Comparator.load(path, space=Toy2())
    (tmp_path / "bad.pt").write_bytes(b"not a checkpoint")
    with pytest.raises(ValueError, match="not a readable comparator checkpoint"):
        Comparator.load(tmp_path / "bad.pt", space=TOY)


def test_unknown_task_and_variant_errors(trained, split):
    with pytest.raises(ValueError, match="unknown task 'nope'"):
        trained.score(split[1][:3], "nope")
    with pytest.raises(ValueError, match="unknown gnn 'mlp'"):
        ComparatorConfig(gnn="mlp")
    with pytest.raises(ValueError, match="not trained"):
        Comparator(TOY).score(split[1][:3])


@pytest.mark.parametrize(
    "gnn,readout,fusion,head",
    [
        ("gcn", "mean", "concat", "concat"),
        ("gat", "attention", "attention", "score"),
        ("sage", "sum", "none", "concat"),
        ("gin", "mean", "film", "score"),
    ],
)
def test_variants_train_and_score(gnn, readout, fusion, head, split):
    train, test = split
    cfg = ComparatorConfig.tiny(gnn=gnn, readout=readout, fusion=fusion, head=head, epochs=2)
    comp = Comparator(TOY, cfg)
    hist = comp.fit(_records(train[:40]), FEATS)
    assert hist["best_epoch"] >= 1
    s = comp.score(test[:30], "t0")
    assert s.shape == (30,) and np.isfinite(s).all()
    assert 0.0 <= comp.compare(test[0], test[1], "t0") <= 1.0


def test_task_agnostic_comparator_ignores_task_features(split):
    """fusion "none" reads no task: features given in fit, a name it never saw and a stats
    vector of any length all score as no task does (as a shipped checkpoint does for --data)."""
    train, test = split
    comp = Comparator(TOY, ComparatorConfig.tiny(fusion="none", epochs=2))
    comp.fit(_records(train[:40], ("t0", "t1")), FEATS)
    assert comp.dims == (0, 0)
    base = comp.score(test[:20])
    for task in ("t0", "never-seen", np.arange(12, dtype=np.float32)):
        np.testing.assert_array_equal(comp.score(test[:20], task), base)
    comp.fit(_records(train[:40], ("t0",)), FEATS, warm_start=True)  # fine-tuning keeps it so
    assert comp.dims == (0, 0) and np.isfinite(comp.score(test[:20], "t0")).all()


def test_registries_cover_the_issue():
    assert set(GNNS) == {"gcn", "gin", "gat", "sage"}
    assert set(READOUTS) == {"mean", "sum", "attention"}
    assert {"concat", "film", "attention"} <= set(FUSIONS)
    assert set(HEADS) == {"score", "concat"}


def test_fit_is_seeded(split):
    train, test = split
    runs = []
    for _ in range(2):
        comp = Comparator(TOY, ComparatorConfig.tiny(epochs=3))
        comp.fit(_records(train[:40]), FEATS)
        runs.append(comp.score(test[:20], "t0"))
    assert np.array_equal(*runs)


def test_noise_threshold_drops_close_pairs(split):
    train, _ = split
    recs = [{"arch": a, "task": "t0", "label": float(i // 20)} for i, a in enumerate(train[:40])]
    comp = Comparator(TOY, ComparatorConfig.tiny(epochs=2, noise=1.5))
    with pytest.raises(ValueError, match="no training pair"):  # every pair is dropped
        comp.fit(recs, FEATS)
    comp = Comparator(TOY, ComparatorConfig.tiny(epochs=2, noise=0.5))  # pairs across groups stay
    assert comp.fit(recs, FEATS)["noise"] == 0.5


def test_two_stage_training(split):
    train, test = split
    high = _records(train[:60])
    low = [
        {**r, "label": r["label"] + np.random.default_rng(i).normal(0, 0.5)}
        for i, r in enumerate(_records(train))
    ]
    comp = Comparator(TOY, ComparatorConfig.tiny(epochs=20))
    hist = comp.fit_two_stage(low, high, FEATS, finetune_epochs=5)
    assert set(hist) == {"stage1", "stage2"}
    assert hist["stage2"]["n_train_archs"] < hist["stage1"]["n_train_archs"]


def _finetune(comp, records, val_records, keep_start, lr):
    ft = copy.deepcopy(comp)
    ft.config = replace(ft.config, epochs=8, eval_every=1, patience=8, lr=lr)
    ft.fit(records, FEATS, val_records=val_records, warm_start=True, keep_start=keep_start)
    return ft


def test_keep_start_survives_adversarial_finetuning(trained, split):
    train, test = split
    val, held_out = test[:25], test[25:]
    reversed_labels = [{"arch": a, "task": "t0", "label": -toy_label(a, 0)} for a in train]
    kept = _finetune(trained, reversed_labels, _records(val), keep_start=True, lr=3e-2)
    hist = kept.history
    assert hist["best_epoch"] == 0 and hist["best_val_acc"] == hist["start_val_acc"]
    assert np.array_equal(kept.score(held_out, "t0"), trained.score(held_out, "t0"))
    # The same fine-tuning without the option ends far below the start: the test has teeth.
    plain = _finetune(trained, reversed_labels, _records(val), keep_start=False, lr=3e-2)
    assert plain.history["best_val_acc"] < hist["start_val_acc"] - 0.3


def test_keep_start_lets_helpful_finetuning_through(split):
    train, test = split
    start = Comparator(TOY, ComparatorConfig.tiny(epochs=1, lr=1e-3))
    start.fit(_records(train[:20]), FEATS)
    ft = _finetune(start, _records(train), _records(test[:60]), keep_start=True, lr=1e-2)
    assert ft.history["best_epoch"] > 0
    assert ft.history["best_val_acc"] > ft.history["start_val_acc"]


def test_graph_table_select_matches_encode_many(split):
    archs = split[1][:12]
    table = GraphTable(TOY, archs)
    idx = torch.tensor([5, 0, 11, 5])
    x, ei, batch = table.select(idx)
    ref = TOY.encode_many([archs[i] for i in idx.tolist()])
    assert (
        torch.equal(x, ref.x) and torch.equal(ei, ref.edge_index) and torch.equal(batch, ref.batch)
    )


def test_autocts_rank_finds_true_order():
    true = np.random.default_rng(0).permutation(500).astype(float)  # higher is better
    t = torch.from_numpy(true)

    def prob(ia, ib):
        return torch.sigmoid(5 * (t[ia] - t[ib]))

    order, win = autocts_rank(500, prob, top=10, slice_size=32, max_final=40)
    assert list(true[order[:10]]) == list(range(499, 489, -1))
    assert np.all(np.diff(win) <= 0)


def test_metrics_hand_computed():
    scores = np.array([3.0, 2.0, 1.0, 0.0])
    labels = np.array([0.1, 0.2, 0.4, 0.3])  # lower is better: one swapped pair of six
    assert pairwise_accuracy(scores, labels) == pytest.approx(5 / 6)
    assert kendall_tau(scores, labels) == pytest.approx(4 / 6)
    assert pairwise_accuracy(scores, labels, noise=0.15) == pytest.approx(1.0)  # pairs > 0.15 apart


def test_concat_head_projection_equals_concat():
    from predictor.models import ConcatPairHead

    torch.manual_seed(0)
    head = ConcatPairHead(6, 8)
    e = torch.randn(5, 6)
    ia, ib = torch.tensor([0, 3, 4]), torch.tensor([1, 1, 0])
    ref = head.f(torch.cat([e[ia], e[ib]], dim=1)).squeeze(1)
    assert torch.allclose(head.pair_logits(e, ia, ib), ref, atol=1e-6)


def test_store_adapter_and_aggregate(monkeypatch, split):
    import sys
    import types

    from predictor.labels import aggregate, from_store

    archs = split[0][:3]

    class FakeStore:
        def __init__(self, path, readonly=False):
            assert readonly  # from_store only reads
            self.path = path

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            pass

        def kind(self, i):
            return "val_mse"

        def records(self, task=None, budget=None, status="ok"):
            return [
                {
                    "arch_hash": TOY.arch_hash(a),
                    "task": "t0",
                    "budget": 1.0,
                    "seed": s,
                    "arch": a,
                    "label": float(i) + 0.1 * s,
                    "metrics": {
                        "knn_val_mse": 5.0 - i,
                        "partial": 1.0 if i else None,
                        "label_kind": self.kind(i),
                    },
                }
                for i, a in enumerate(archs)
                for s in (0, 1)
            ]

    monkeypatch.setitem(
        sys.modules, "contrastive.store", types.SimpleNamespace(LabelStore=FakeStore)
    )
    recs = from_store("labels.sqlite")
    assert len(recs) == 6 and set(recs[0]) == {"arch", "task", "label", "budget", "seed"}
    grouped, noise = aggregate(TOY, recs)
    a, labels = grouped["t0"]
    assert sorted(labels.tolist()) == pytest.approx([0.05, 1.05, 2.05])
    assert noise == pytest.approx(np.std([0.0, 0.1], ddof=1))
    by_knn = from_store("labels.sqlite", kind="knn_val_mse")
    assert [r["label"] for r in by_knn] == [5.0, 5.0, 4.0, 4.0, 3.0, 3.0]
    with pytest.raises(ValueError, match="2 of 6 ok rows have no finite metric 'partial'"):
        from_store("labels.sqlite", kind="partial")
    both = from_store("labels.sqlite", kind="partial", having="partial")  # rows 1 and 2 only
    assert [r["label"] for r in both] == [1.0] * 4
    ridge_same_rows = from_store("labels.sqlite", having="partial")
    assert [r["label"] for r in ridge_same_rows] == pytest.approx([1.0, 1.1, 2.0, 2.1])
    FakeStore.kind = lambda self, i: "knn_val_mse" if i == 2 else "val_mse"
    with pytest.raises(ValueError, match=r"different kinds \['knn_val_mse', 'val_mse'\]"):
        from_store("labels.sqlite")


def test_set_encoder_task_branch(split, tmp_path):
    from predictor.tasks import TaskFeatures

    rng = np.random.default_rng(0)
    feats = {
        t: TaskFeatures(
            np.array([i, 1.0 - i], np.float32),
            rng.standard_normal((5, 3)).astype(np.float32),
            np.zeros(3, np.float32),
        )
        for i, t in enumerate(("t0", "t1"))
    }
    comp = Comparator(TOY, ComparatorConfig.tiny(task_inputs="both", fusion="attention", epochs=2))
    comp.fit(_records(split[0][:30], ("t0", "t1")), feats)
    s0, s1 = comp.score(split[1][:10], "t0"), comp.score(split[1][:10], feats["t1"])
    assert s0.shape == s1.shape == (10,) and not np.array_equal(s0, s1)
    loaded = Comparator.load(comp.save(tmp_path / "c.pt"), space=TOY)
    assert np.array_equal(loaded.score(split[1][:10], "t1"), s1)
