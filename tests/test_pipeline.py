"""End to end: label a few archs into a store, train a comparator on it, search and train-best."""

import json
import sqlite3

import numpy as np
import pytest

from contrastive import label as label_cli
from contrastive.data import load_task
from contrastive.model import ContrastiveEncoder
from predictor import search as search_cli
from predictor import train as train_cli


def test_label_train_search_train_best(tmp_path, capsys):
    store = tmp_path / "labels.sqlite"
    argv = [
        "--tasks",
        "us_employment,aus_retail",
        "--n-archs",
        "3",
        "--budget",
        "1",
        "--workers",
        "0",
        "--store",
        str(store),
        "--no-references",
        "--no-progress",
    ]
    assert label_cli.main(argv) == 0
    with sqlite3.connect(store) as db:
        (rows,) = db.execute("select count(*) from labels where status = 'ok'").fetchone()
    assert rows == 6
    # A rerun finds everything stored and labels nothing new.
    assert label_cli.main(argv) == 0
    assert "skipped 6" in capsys.readouterr().out.replace("\n", " ")

    run = tmp_path / "run"
    assert (
        train_cli.main(["--store", str(store), "--tiny", "--epochs", "2", "--out", str(run)]) == 0
    )
    summary = json.loads((run / "summary.json").read_text())
    assert summary["space"] == "cts-1"

    out = tmp_path / "search.json"
    argv = [
        "--checkpoint",
        str(run / "comparator.pt"),
        "--task",
        "delhi_climate",
        "--n",
        "50",
        "--top",
        "2",
        "--out",
        str(out),
        "--out-dir",
        str(tmp_path / "found"),
        "--train-best",
        "--train-steps",
        "1",
    ]
    assert search_cli.main(argv) == 0
    doc = json.loads(out.read_text())
    assert [r["rank"] for r in doc["top"]] == [1, 2]
    report = doc["train_best"]
    assert report["best"]["status"] == "ok" and report["preset"]["status"] == "ok"
    assert report["best"]["steps"] == 1
    printed = capsys.readouterr().out
    assert "\nrank 1, trained " in printed and "\nraw lags 48 " in printed
    assert "\nts2vec preset, trained " in printed and "\nrank 1, untrained " in printed
    assert "\nverdict: the kept arch (rank 1), knn_val_mse " in printed
    assert "  vs the trained ts2vec preset: " in printed and "\n  next: " in printed
    # the user keeps the winner: its trained encoder, usable on the task's raw columns
    assert report["encoder"] == str(tmp_path / "found" / "best_encoder.pt")
    enc = ContrastiveEncoder.load(report["encoder"])
    assert enc.arch == doc["top"][0]["arch"]
    raw = load_task("delhi_climate")
    z = enc.encode(raw.values[:50], last=True)
    assert z.shape == (raw.shape[1], enc.repr_dim) and np.isfinite(z).all()
    assert (tmp_path / "found" / "best.png").is_file()
    assert [c["rank"] for c in report["candidates"]] == [1] and report["best_rank"] == 1

    # Train the top 2 and keep the one with the lower validation label; --json keeps stdout JSON.
    out2 = tmp_path / "search2.json"
    argv2 = [*argv[: argv.index("--out")], "--out", str(out2), *argv[argv.index("--out") + 2 :]]
    with pytest.raises(ValueError, match=r"best\.png, .*best_encoder\.pt already exist .*--force"):
        search_cli.main(argv2)  # the first run's drawing and encoder are not overwritten silently
    argv2.append("--force")
    assert search_cli.main([*argv2, "--train-top", "2", "--json"]) == 0
    captured = capsys.readouterr()
    doc2 = json.loads(captured.out)
    assert doc2 == json.loads(out2.read_text())
    assert "rank 1, trained" in captured.err and "rank 2, trained" in captured.err
    assert "* kept: the lowest validation label (knn_val_mse) of the 2 trained" in captured.err
    rep2 = doc2["train_best"]
    labels = {c["rank"]: c["record"]["label"] for c in rep2["candidates"]}
    assert set(labels) == {1, 2} and rep2["best_rank"] == min(labels, key=labels.get)
    assert rep2["best"]["label"] == min(labels.values())
    enc2 = ContrastiveEncoder.load(rep2["encoder"])
    assert enc2.arch == doc2["top"][rep2["best_rank"] - 1]["arch"]
    # K must fit the shortlist: a usage error, nothing trained
    with pytest.raises(SystemExit) as err:
        search_cli.main([*argv2, "--train-top", "3"])
    assert err.value.code == 2
