"""`python -m benchmarks.run` in --quick mode (seconds): custom, speed, merge, skips, errors."""

import json
from pathlib import Path

import pytest

from benchmarks import run as R

EXAMPLES = Path(__file__).resolve().parents[2] / "benchmarks" / "examples"
CUSTOM = [
    "--suite",
    "custom",
    "--space",
    str(EXAMPLES / "cell_spec.json"),
    "--labels",
    str(EXAMPLES / "labels.jsonl"),
    "--quick",
    "--n-boot",
    "5",
]


@pytest.fixture(scope="module")
def custom_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("custom")
    argv = [
        *CUSTOM,
        "--task-features",
        str(EXAMPLES / "task_features.json"),
        "--tasks",
        "periodic",
        "--out",
        str(out),
    ]
    assert R.main(argv) == 0
    return out, json.loads((out / "custom_quick.json").read_text())


def test_custom_suite_runs_every_protocol_with_baselines(custom_run):
    out, report = custom_run
    methods = {(r["protocol"], r["method"]) for r in report["rows"]}
    for m in ("random", "avg_rank", "rf", "gb", "mlp", "tahc"):
        assert ("in_task", m) in methods
    for m in (
        "random",
        "avg_rank",
        "best_source_hindsight",
        "rf",
        "gb",
        "mlp",
        "tahc",
        "tahc_notask",
    ):
        assert ("zero_shot", m) in methods
    for m in (
        "best_source_probe",
        "rf_probes",
        "tahc_ft",
        "tahc_notask_ft",
        "best_source_hindsight",
    ):
        assert ("few_shot", m) in methods
    assert {r["k"] for r in report["rows"] if r["protocol"] == "few_shot"} == {5, 10}
    # A fine-tuned comparator that kept its zero-shot weights ranks exactly as zero-shot.
    zero = {
        (r["task"], r["seed"], r["method"]): r["metrics"]["kendall_tau"]["value"]
        for r in report["rows"]
        if r["protocol"] == "zero_shot"
    }
    for r in report["rows"]:
        if r["method"].endswith("_ft"):
            assert isinstance(r["kept"], bool)
            if r["kept"]:
                tau = r["metrics"]["kendall_tau"]["value"]
                assert tau == zero[(r["task"], r["seed"], r["method"][: -len("_ft")])]
    assert {r["n"] for r in report["rows"] if r["protocol"] == "in_task"} == {0, 20, 50}
    tau = [r["metrics"]["kendall_tau"]["value"] for r in report["rows"]]
    assert all(-1 <= t <= 1 for t in tau)
    assert report["command"].startswith("python -m benchmarks.run --suite custom")
    assert "loadavg_1m" in report["machine"]
    md = (out / "custom_quick.md").read_text()
    assert "## In-task" in md and "## Zero-shot" in md and "## Few-shot, K = 10" in md
    assert (out / "custom_quick_tau_vs_n.png").stat().st_size > 1000
    assert (out / "custom_quick_scatter.png").stat().st_size > 1000


def test_the_known_function_is_learnable(custom_run):
    # The example labels are a smooth function of the arch: the best in-task model at n=50 must
    # rank clearly better than chance (a pipeline bug, e.g. flipped labels, would fail this).
    _, report = custom_run
    best = max(
        r["metrics"]["kendall_tau"]["value"]
        for r in report["rows"]
        if r["protocol"] == "in_task" and r["n"] == 50
    )
    assert best > 0.3


def test_merge_builds_one_report(custom_run, tmp_path):
    out, _ = custom_run
    part = str(out / "custom_quick.json")
    assert (
        R.main(
            ["--suite", "custom", "--merge", f"{part},{part}", "--out", str(tmp_path), "--tag", "m"]
        )
        == 0
    )
    merged = json.loads((tmp_path / "custom_m.json").read_text())
    assert len(merged["rows"]) == 2 * len(json.loads(Path(part).read_text())["rows"])


def test_custom_without_task_features_skips_the_task_branch(tmp_path):
    argv = [*CUSTOM, "--tasks", "smooth", "--protocols", "zero_shot", "--out", str(tmp_path)]
    assert R.main(argv) == 0
    report = json.loads((tmp_path / "custom_quick.json").read_text())
    methods = {r["method"] for r in report["rows"]}
    assert "tahc_notask" in methods and "tahc" not in methods
    assert any("no task features" in n for n in report["notes"])


def test_speed_suite_quick(tmp_path):
    assert R.main(["--suite", "speed", "--quick", "--speed-n", "200", "--out", str(tmp_path)]) == 0
    report = json.loads((tmp_path / "speed_quick.json").read_text())
    stages = report["results"][0]["stages"]
    for s in ("sample", "encode", "score_score_head", "search_score_head", "score_concat_head"):
        assert stages[s]["archs_per_s"] > 0
    assert report["results"][0]["train"]["score"]["labels"] == 100
    assert "| encode |" in (tmp_path / "speed_quick.md").read_text()


def test_corpus_without_store_is_skipped(capsys, tmp_path):
    assert R.main(["--suite", "corpus", "--out", str(tmp_path)]) == 0
    assert "corpus suite skipped" in capsys.readouterr().out
    assert not list(tmp_path.iterdir())


def test_errors(tmp_path):
    with pytest.raises(SystemExit) as err:
        R.main(["--suite", "nope"])
    assert err.value.code == 2
    with pytest.raises(ValueError, match="--space"):
        R.main(["--suite", "custom", "--out", str(tmp_path)])
    bad = tmp_path / "spec.json"
    bad.write_text(json.dumps({"name": "x", "nodes": 2, "ops": {"a": {"k": [1, 1]}}}))
    with pytest.raises(ValueError, match=r"spec\.ops\.a\.k"):
        R.main(
            ["--suite", "custom", "--space", str(bad), "--labels", str(EXAMPLES / "labels.jsonl")]
        )
    with pytest.raises(ValueError, match="unknown protocols"):
        R.main([*CUSTOM, "--protocols", "in_task,bogus", "--out", str(tmp_path)])
    with pytest.raises(ValueError, match="--tasks"):
        R.main([*CUSTOM, "--tasks", "nope", "--out", str(tmp_path)])


def test_example_labels_regenerate_exactly(tmp_path):
    from benchmarks.examples import make_labels

    assert make_labels.main(["--out", str(tmp_path)]) == 0
    assert (tmp_path / "labels.jsonl").read_bytes() == (EXAMPLES / "labels.jsonl").read_bytes()
    assert (tmp_path / "task_features.json").read_bytes() == (
        EXAMPLES / "task_features.json"
    ).read_bytes()


def test_nbgraph_quick(tmp_path):
    pytest.importorskip("nas_bench_graph")
    argv = [
        "--suite",
        "nbgraph",
        "--quick",
        "--datasets",
        "cora,citeseer",
        "--tasks",
        "cora",
        "--n-grid",
        "20",
        "--k-grid",
        "5",
        "--n-boot",
        "3",
        "--out",
        str(tmp_path),
    ]
    assert R.main(argv) == 0
    report = json.loads((tmp_path / "nbgraph_quick.json").read_text())
    assert {r["protocol"] for r in report["rows"]} == {"in_task", "zero_shot", "few_shot"}
    assert {r["task"] for r in report["rows"]} == {"cora"}
    assert "meta-features" in report["notes"][0]


def test_corpus_data_from_a_store(monkeypatch, tmp_path):
    # The label store lives on another branch; its adapter's output is stood in for here.
    import predictor.labels as L
    from archgraph import CTS_SPACE

    recs = L.synthetic_records(CTS_SPACE, 30, tasks=("a", "b"), seed=1)
    cheap = [{**r, "budget": 1, "label": 0.0} for r in recs]  # a low budget, must be ignored
    monkeypatch.setattr(L, "from_store", lambda path: [{**r, "budget": 5} for r in recs] + cheap)
    store = tmp_path / "labels.sqlite"
    store.write_bytes(b"")
    data, note = R.corpus_data(str(store))
    assert data.tasks == ["a", "b"] and data.labels.shape == (2, 30)
    assert float(data.labels.std()) > 0  # the full-budget labels, not the constant cheap ones
    assert "task features" in note
    with pytest.raises(ValueError, match="no such label store"):
        R.corpus_data(str(tmp_path / "missing.sqlite"))
