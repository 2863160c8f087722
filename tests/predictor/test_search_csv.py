"""The three kinds of CSV a newcomer brings (returns, trending levels, a weather table whose
``day`` column is not first) through ``predictor.search --data ... --train-best`` and the saved
encoder, as the README shows; and the run-directory rules."""

import json
from pathlib import Path

import numpy as np
import pytest

from contrastive.model import ContrastiveEncoder
from predictor import search as search_cli

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
CASES = {
    "weather": (["--time-col", "day", "--drop-columns", "station"], 3, False),
    "returns": ([], 4, False),
    "levels": ([], 4, True),
}


@pytest.mark.parametrize(
    "name",
    ["weather", *(pytest.param(n, marks=pytest.mark.slow) for n in ("returns", "levels"))],
)
def test_example_csv_search_train_best_and_encode(name, tmp_path, capsys):
    flags, n_series, trending = CASES[name]
    out = tmp_path / "run"
    argv = ["--data", str(EXAMPLES / f"{name}.csv"), *flags, "--n", "200", "--top", "2"]
    argv += ["--train-best", "--train-steps", "1", "--out-dir", str(out)]
    assert search_cli.main(argv) == 0
    captured = capsys.readouterr()
    assert f"data: {name}.csv: 500 steps x {n_series} series" in captured.err
    assert ("warning: looks non-stationary" in captured.err) == trending
    assert "\nverdict: the kept arch (rank 1), knn_val_mse " in captured.out
    doc = json.loads((out / "result.json").read_text())
    enc = ContrastiveEncoder.load(doc["train_best"]["encoder"])
    z = enc.encode(str(EXAMPLES / f"{name}.csv"))  # the file as it is, date column and all
    assert z.shape == (500, n_series, enc.repr_dim) and np.isfinite(z).all()


def test_each_run_gets_its_own_directory(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    first = search_cli.new_run_dir("my data")
    assert first.parent == Path("runs") / "search" and first.name.startswith("my_data-")
    first.mkdir(parents=True)
    second = search_cli.new_run_dir("my data")
    assert second != first and second.name == first.name + "-2"
