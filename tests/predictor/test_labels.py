"""The one reader of label records: JSONL / CSV files, store exports, NAS-Bench-Graph files."""

import json
import os
import pickle
from pathlib import Path

import pytest

from archgraph.cts import CTS_SPACE
from archgraph.generic import load_space
from archgraph.nbgraph import NBGRAPH_PROTEINS_SPACE
from predictor.labels import (
    bench_path,
    from_file,
    from_nbgraph,
    from_store,
    nbgraph_labels,
    parse_bench_bytes,
    read_bench,
)

EXAMPLE = Path(__file__).resolve().parents[2] / "benchmarks" / "examples" / "cell_spec.json"


@pytest.fixture(scope="module")
def space():
    return load_space(EXAMPLE)


# --- JSONL / CSV -----------------------------------------------------------------------------


def test_from_file_jsonl_and_csv(space, tmp_path):
    a, b = space.sample(2, seed=9)
    jl = tmp_path / "l.jsonl"
    jl.write_text(
        "\n".join(
            json.dumps(r)
            for r in [
                {"arch": a, "task": "t1", "value": 0.2},
                {"arch": json.dumps(b), "task": "t2", "value": 0.9, "higher_is_better": True},
            ]
        )
        + "\n"
    )
    recs = from_file(jl, space)
    assert [r["label"] for r in recs] == [0.2, -0.9]
    assert recs[1]["arch"] == space.canonical(b)
    csv = tmp_path / "l.csv"
    csv.write_text(
        'arch,task,value,higher_is_better\n"'
        + json.dumps(a).replace('"', '""')
        + '",t1,0.5,false\n'
    )
    assert from_file(csv, space)[0]["label"] == 0.5


def test_from_file_errors_name_line_and_field(space, tmp_path):
    a = space.sample(1, seed=9)[0]
    bad = json.loads(json.dumps(a))
    bad["nodes"][1]["op"] = "lstm"
    f = tmp_path / "l.jsonl"
    f.write_text(
        json.dumps({"arch": a, "task": "t", "value": 1})
        + "\n"
        + json.dumps({"arch": bad, "task": "t", "value": 1})
        + "\n"
    )
    with pytest.raises(ValueError, match=r"l\.jsonl:2: arch\.nodes\[1\]\.op"):
        from_file(f, space)
    f.write_text(json.dumps({"arch": a, "task": "t", "value": "x"}) + "\n")
    with pytest.raises(ValueError, match=r":1: value"):
        from_file(f, space)
    f.write_text(
        json.dumps({"arch": a, "task": "t", "value": 1})
        + "\n"
        + json.dumps({"arch": a, "task": "t", "value": 1, "higher_is_better": True})
        + "\n"
    )
    with pytest.raises(ValueError, match="mixes both directions"):
        from_file(f, space)
    f.write_text(json.dumps({"task": "t", "value": 1}) + "\n")
    with pytest.raises(ValueError, match=r":1: arch: missing"):
        from_file(f, space)


def test_example_labels_are_valid_and_complete(space):
    recs = from_file(EXAMPLE.parent / "labels.jsonl", space)
    tasks = {r["task"] for r in recs}
    assert tasks == {"smooth", "periodic", "noisy"} and len(recs) == 600


def test_from_file_refuses_what_is_not_a_small_regular_file(space, tmp_path):
    with pytest.raises(ValueError, match="cannot read label file: it is a directory"):
        from_file(tmp_path, space)
    fifo = tmp_path / "pipe.jsonl"
    os.mkfifo(fifo)
    with pytest.raises(ValueError, match="not a regular file"):
        from_file(fifo, space)  # refused unread: opening a fifo would block
    big = tmp_path / "big.jsonl"
    big.write_text(" " * 2000)
    with pytest.raises(ValueError, match="larger than 1000 bytes"):
        from_file(big, space, max_bytes=1000)
    dup = tmp_path / "dup.jsonl"
    dup.write_text('{"arch": {}, "task": "t", "task": "u", "value": 1}\n')
    with pytest.raises(ValueError, match=r"dup\.jsonl:1: duplicate key 'task'"):
        from_file(dup, space)
    a = space.sample(1, seed=9)[0]
    seed = tmp_path / "seed.jsonl"
    seed.write_text(json.dumps({"arch": a, "task": "t", "value": 1, "seed": 1.5}) + "\n")
    with pytest.raises(ValueError, match=r"seed\.jsonl:1: seed: expected an integer, got 1\.5"):
        from_file(seed, space)
    empty = tmp_path / "empty.csv"
    empty.write_text("arch,task,value\n")
    with pytest.raises(ValueError, match="empty.csv: no label rows"):
        from_file(empty, space)


# --- the store and its export ----------------------------------------------------------------


@pytest.fixture
def store_path(tmp_path):
    from contrastive.store import LabelStore

    a, b = CTS_SPACE.sample(2, seed=3)
    path = tmp_path / "labels.sqlite"
    with LabelStore(path) as store:
        for arch, task, budget, seed, label in (
            (a, "t1", 30, 0, 0.5),
            (a, "t1", 30, 1, 0.7),
            (b, "t1", 30, 0, 0.25),
            (b, "t2", 100, 0, 1.5),
        ):
            key = (CTS_SPACE.arch_hash(arch), task, budget, seed)
            store.put(key, arch, {"label": label}, space_version=CTS_SPACE.version)
        store.put((CTS_SPACE.arch_hash(b), "t2", 100, 1), b, {"status": "failed", "error": "oom"})
    return path


@pytest.mark.parametrize("suffix", [".jsonl", ".csv"])
def test_a_store_export_reads_back_as_the_store(store_path, tmp_path, suffix):
    from contrastive.store import LabelStore

    out = tmp_path / f"export{suffix}"
    with LabelStore(store_path, readonly=True) as store:
        assert store.export(out, status=None) == 5  # the failed row too: the reader skips it
    stored = from_store(str(store_path))
    assert len(stored) == 4 and stored[0]["budget"] == 30
    assert from_file(out, CTS_SPACE) == stored


def test_an_export_of_another_space_version_or_label_kind_is_refused(store_path, tmp_path):
    from contrastive.store import LabelStore

    out = tmp_path / "export.jsonl"
    with LabelStore(store_path, readonly=True) as store:
        store.export(out)
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    rows[2]["space_version"] = "cts-0"
    out.write_text("".join(json.dumps(r) + "\n" for r in rows))
    with pytest.raises(ValueError, match=r"export\.jsonl:3: space_version: labelled in 'cts-0'"):
        from_file(out, CTS_SPACE)
    rows[2] = {**rows[2], "space_version": CTS_SPACE.version, "label": None}
    out.write_text("".join(json.dumps(r) + "\n" for r in rows))
    with pytest.raises(ValueError, match=r"export\.jsonl:3: label: missing"):
        from_file(out, CTS_SPACE)
    rows[2] = {**rows[2], "label": 0.5, "metrics": {"label_kind": "knn_val_mse"}}
    out.write_text("".join(json.dumps(r) + "\n" for r in rows))
    with pytest.raises(ValueError, match=r"different kinds \['\?', 'knn_val_mse'\]"):
        from_file(out, CTS_SPACE)


# --- NAS-Bench-Graph -------------------------------------------------------------------------


def test_safe_reader_matches_the_package_reader():
    pytest.importorskip("nas_bench_graph")
    ours = read_bench("proteins")
    with open(bench_path("proteins"), "rb") as fh:
        ref = pickle.load(fh)  # the package's own way, only here as the reference
    assert set(ours) == set(ref) and len(ours) == 2021
    k = next(iter(ref))
    assert ours[k] == {m: float(v) for m, v in ref[k].items()}


def test_reader_refuses_other_globals():
    evil = pickle.dumps({1: {"perf": 0.5}}, protocol=3).replace(b"}", b"cos\nsystem\n)\x85R}", 1)
    with pytest.raises(ValueError, match="global|opcode"):
        parse_bench_bytes(evil)


def test_nbgraph_labels_direction_and_keys():
    pytest.importorskip("nas_bench_graph")
    archs, labels = nbgraph_labels("proteins")
    bench = read_bench("proteins")
    assert len(archs) == 2021
    k = NBGRAPH_PROTEINS_SPACE.key(archs[0])
    assert labels[0] == pytest.approx(1 - bench[k]["perf"])
    _, lat = nbgraph_labels("proteins", "latency")
    assert lat[0] == pytest.approx(bench[k]["latency"])
    assert NBGRAPH_PROTEINS_SPACE.from_key(k) == archs[0]


def test_from_nbgraph_records():
    pytest.importorskip("nas_bench_graph")
    recs = from_nbgraph(["proteins"], "latency")
    archs, lat = nbgraph_labels("proteins", "latency")
    assert len(recs) == 2021 and recs[5] == {
        "arch": archs[5], "task": "proteins", "label": lat[5], "budget": None, "seed": 0,
    }  # fmt: skip
    assert NBGRAPH_PROTEINS_SPACE.canonical(recs[5]["arch"]) == recs[5]["arch"]
    with pytest.raises(ValueError, match="unknown metric 'acc'"):
        nbgraph_labels("proteins", "acc")
    with pytest.raises(ValueError, match="unknown NAS-Bench-Graph dataset 'mnist'"):
        nbgraph_labels("mnist")
