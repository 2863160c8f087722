import json

import pytest

from predictor import search as search_cli
from predictor import train as train_cli


@pytest.fixture(scope="module")
def ckpt(tmp_path_factory):
    out = tmp_path_factory.mktemp("run")
    argv = [
        "--nbgraph",
        "proteins",
        "--n-train",
        "40",
        "--max-test",
        "200",
        "--epochs",
        "2",
        "--tiny",
        "--fusion",
        "film",
        "--out",
        str(out),
    ]
    assert train_cli.main(argv) == 0
    return out


def test_train_writes_checkpoint_and_summary(ckpt, capsys):
    summary = json.loads((ckpt / "summary.json").read_text())
    assert summary["space"] == "nbgraph-proteins-1"
    assert "proteins" in summary["test"] and summary["test"]["proteins"]["n"] == 200
    assert (ckpt / "comparator.pt").is_file() and (ckpt / "comparator.pt.json").is_file()


def test_search_json_refine_draw(ckpt, capsys, tmp_path):
    argv = [
        "--checkpoint",
        str(ckpt / "comparator.pt"),
        "--task",
        "proteins",
        "--n",
        "300",
        "--top",
        "3",
        "--json",
        "--refine",
        "2",
        "--refine-rounds",
        "1",
        "--draw",
        str(tmp_path / "top"),
        "--out-dir",
        str(tmp_path),
    ]
    assert search_cli.main(argv) == 0
    doc = json.loads(capsys.readouterr().out)
    top = doc["top"]
    assert [r["rank"] for r in top] == [1, 2, 3]
    assert top[0]["score"] >= top[1]["score"] >= top[2]["score"]
    assert len({r["hash"] for r in top}) == 3 and set(top[0]["arch"]) == {"link", "ops"}
    assert len(list((tmp_path / "top").glob("*.png"))) == 3
    assert (tmp_path / "best.png").is_file() and doc["best_drawing"] == str(tmp_path / "best.png")
    assert json.loads((tmp_path / "result.json").read_text())["top"] == top


def test_search_errors(ckpt, tmp_path):
    base = ["--checkpoint", str(ckpt / "comparator.pt"), "--n", "10", "--out-dir", str(tmp_path)]
    with pytest.raises(ValueError, match="unknown NAS-Bench-Graph dataset 'nope'"):
        search_cli.main([*base, "--task", "nope"])
    with pytest.raises(ValueError, match="cannot read"):
        search_cli.main([*base, "--data", str(tmp_path / "missing.csv")])
    bad = tmp_path / "bad.pt"
    bad.write_bytes(b"junk")
    with pytest.raises(ValueError, match="not a readable comparator checkpoint"):
        search_cli.main(
            ["--checkpoint", str(bad), "--task", "proteins", "--out-dir", str(tmp_path)]
        )


def test_train_errors(tmp_path):
    with pytest.raises(ValueError, match="exactly one of --store or --nbgraph"):
        train_cli.main(["--out", str(tmp_path)])
    with pytest.raises(ValueError, match="unknown NAS-Bench-Graph dataset"):
        train_cli.main(["--nbgraph", "mnist", "--out", str(tmp_path)])
    with pytest.raises(ValueError, match="no such label store"):
        train_cli.main(["--store", str(tmp_path / "x.sqlite"), "--out", str(tmp_path)])


def test_default_search_uses_the_shipped_checkpoint_on_a_held_out_task(tmp_path, capsys):
    from predictor.comparator import Comparator

    shipped = Comparator.load(search_cli.DEFAULT_CHECKPOINT)
    assert search_cli.DEFAULT_TASK not in shipped.task_table  # zero-shot: never trained on it
    assert len(shipped.task_table) >= 8
    assert search_cli.main(["--n", "300", "--top", "3", "--out-dir", str(tmp_path)]) == 0
    doc = json.loads((tmp_path / "result.json").read_text())
    assert doc["task"] == search_cli.DEFAULT_TASK and doc["space"] == "cts-1"
    assert [r["rank"] for r in doc["top"]] == [1, 2, 3]
    assert (tmp_path / "best.png").is_file()
    assert "next: add --train-best" in capsys.readouterr().out
