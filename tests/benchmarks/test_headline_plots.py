"""The headline plots read the committed result JSON and write their PNG files."""

import json
import shutil
from pathlib import Path

import pytest

from benchmarks import headline_plots as hp

RESULTS = Path(__file__).resolve().parents[2] / "benchmarks" / "results"
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
KEYS = [k for k, _ in hp.REPEATABILITY_SERIES]


def _tiny_repeatability() -> dict:
    return {
        "archs": {
            "b_task": dict(zip(KEYS, [0.5, 0.7, 0.25, 0.75], strict=True)),
            "a_task": dict(zip(KEYS, [0.25, 0.5, 0.5, 0.25], strict=True)),
        }
    }


def _row(task: str, method: str, tau: float) -> dict:
    return {
        "task": task,
        "method": method,
        "n": 4,
        "metrics": {"kendall_tau": {"value": tau, "lo": tau - 0.25, "hi": tau + 0.25}},
    }


def _summary(mean_tau: float) -> dict:
    return {
        "mean_tau": mean_tau,
        "mean_pick_percentile": 0.5,
        "mean_top3_percentile": 0.25,
        "mean_top5_percentile": 0.25,
        "mean_top10_percentile": 0.0,
    }


def _tiny_loto() -> dict:
    return {
        "rows": [
            _row("t1", "rf", 0.5),
            _row("t2", "rf", 0.0),
            _row("t1", "tahc_gin:film", 0.25),
            _row("t2", "tahc_gin:film", -0.25),
            _row("t1", "unknown_method", 0.9),  # not drawn
        ],
        "seed_noise": {"t1": {"tau": 0.75, "n_archs": 4}},
        "summary": {"rf": _summary(0.25), "tahc_gin:film": _summary(0.0)},
    }


def _is_png(path: Path) -> bool:
    return path.stat().st_size > 1000 and path.read_bytes()[:8] == PNG_MAGIC


def test_repeatability_table_reads_each_task_and_means_them():
    table = hp.repeatability_table(_tiny_repeatability(), "cpu.json")
    assert list(table) == ["a_task", "b_task", "mean"]
    assert table["mean"] == dict(zip(KEYS, [0.375, 0.6, 0.375, 0.5], strict=True))


def test_loto_table_per_task_tau_ceiling_and_summary():
    t = hp.loto_table(_tiny_loto(), "loto.json")
    assert t["tasks"] == ["t1", "t2"]
    assert list(t["tau"]) == ["rf", "tahc_gin:film"]  # drawing order; unknown methods dropped
    assert t["tau"]["rf"] == [0.5, 0.0]
    assert t["lo"]["tahc_gin:film"] == [0.0, -0.5]
    assert t["mean"] == {"rf": 0.25, "tahc_gin:film": 0.0}
    assert t["ceiling"][0] == 0.75 and t["ceiling"][1] != t["ceiling"][1]  # t2: no ceiling (NaN)
    assert t["ceiling_mean"] == 0.75
    assert t["topk"]["rf"] == [0.5, 0.25, 0.25, 0.0]


def test_missing_field_names_file_and_field():
    bad = _tiny_repeatability()
    del bad["archs"]["a_task"]["tau_mean2_val_mse"]
    with pytest.raises(ValueError, match=r"cpu\.json: missing field 'archs\.a_task\.tau_mean2"):
        hp.repeatability_table(bad, "cpu.json")
    loto = _tiny_loto()
    loto["rows"][1]["metrics"]["kendall_tau"]["value"] = "high"
    with pytest.raises(ValueError, match=r"loto\.json rows\[1\]: field .* must be a number"):
        hp.loto_table(loto, "loto.json")


def test_tiny_inputs_write_pngs_and_optional_inputs_may_be_missing(tmp_path, capsys):
    res = tmp_path / "results"
    (res / "label_knn").mkdir(parents=True)
    (res / "corpus_loto.json").write_text(json.dumps(_tiny_loto()))
    # No label_knn/cpu.json and no corpus_loto_knn.json: the LOTO plots alone, one panel.
    paths = hp.write_plots(res, tmp_path / "out")
    assert [p.name for p in paths] == ["headline_loto.png", "headline_loto_topk.png"]
    assert all(_is_png(p) for p in paths)
    assert "label_knn/cpu.json not found" in capsys.readouterr().err
    (res / "label_knn" / "cpu.json").write_text(json.dumps(_tiny_repeatability()))
    paths = hp.write_plots(res, tmp_path / "out")
    assert [p.name for p in paths][0] == "headline_label_repeatability.png"
    with pytest.raises(ValueError, match="none of the inputs found"):
        hp.write_plots(tmp_path / "empty", tmp_path / "out2")


def test_cli_on_committed_results(tmp_path):
    """The committed JSON still holds every field the plots read."""
    res = tmp_path / "results"
    (res / "label_knn").mkdir(parents=True)
    shutil.copy(RESULTS / "label_knn" / "cpu.json", res / "label_knn" / "cpu.json")
    for name, _ in hp.LOTO_FILES:
        shutil.copy(RESULTS / name, res / name)
    assert hp.main(["--results", str(res), "--out", str(tmp_path / "png")]) == 0
    names = sorted(p.name for p in (tmp_path / "png").iterdir())
    assert names == [
        "headline_label_repeatability.png",
        "headline_loto.png",
        "headline_loto_topk.png",
    ]
    assert all(_is_png(tmp_path / "png" / n) for n in names)
    # The numbers drawn are the file's: kNN one-seed mean tau .54, ridge LOTO rf mean .167.
    table = hp.repeatability_table(json.loads((res / "label_knn" / "cpu.json").read_text()), "x")
    assert round(table["mean"]["tau_pairs_knn_val_mse"], 2) == 0.54
    loto = hp.loto_table(json.loads((res / "corpus_loto.json").read_text()), "x")
    assert round(loto["mean"]["rf"], 3) == 0.167
    assert round(loto["ceiling_mean"], 2) == 0.46
