"""Every committed benchmark table regenerates unchanged from its committed JSON.

Each benchmark renders its Markdown from its result document alone; these tests render every
committed ``benchmarks/results/*.md`` again, through today's report code, from the ``.json``
beside it and compare the text byte for byte. So a change to the report code that would alter a
published table fails here, and the tables stay true to their numbers.

Not listed, on purpose (history, written by older report code and kept as written; see
``benchmarks/results/README.md``): ``corpus_loto_51archs.md`` and ``corpus_loto_84archs.md``
(intervals in square brackets, a hand-added note), ``corpus_loto_same_rows_{knn,ridge}.md``
(their column head said "val MSE" for every label kind); ``predictor_nbgraph.md`` (its
script is removed); ``label_protocol.md`` (a hand-written document, not a rendering of ``label_protocol.json``);
``search_sim_{corpus,nbgraph}.md`` (a hand-added note on how the partial runs were made).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
RESULTS = ROOT / "benchmarks" / "results"


def _run(doc: dict, stem: str) -> str:
    from benchmarks import run

    return run.speed_markdown(doc) if doc["suite"] == "speed" else run.markdown(doc)


def _module(name: str) -> Callable[[dict, str], str]:
    def render(doc: dict, stem: str) -> str:
        import importlib

        return importlib.import_module(f"benchmarks.{name}").markdown(doc)

    return render


def _nbgraph_intask(doc: dict, stem: str) -> str:
    from benchmarks import nbgraph_intask

    notes = RESULTS / f"{stem}_notes.md"  # the hand-written verdict `--notes` inserts
    return nbgraph_intask.markdown(doc, notes.read_text() if notes.is_file() else "")


CASES: dict[str, Callable[[dict, str], str]] = {
    "nbgraph": _run,
    "custom": _run,
    "custom_finetune_cv": _run,
    "speed": _run,
    "nbgraph_parts/nbgraph_tr_finetune_cv": _run,
    "nbgraph_parts/nbgraph_tr_finetune_probes": _run,
    "encode_speed": _module("encode_speed"),
    "predictor_search_speed": _module("predictor_search_speed"),
    "label_repeatability": _module("label_repeatability"),
    "label_knn/cpu": _module("label_knn"),
    "label_knn/gpu": _module("label_knn"),
    "label_knn/cosine": _module("label_knn"),
    "task_agreement_v1_knn": _module("task_agreement"),
    "task_agreement_v1_ridge": _module("task_agreement"),
    "width_memory": _module("width"),
    "width_speed": _module("width"),
    "width_csv": _module("width"),
    "nbgraph_intask": _nbgraph_intask,
    "nbgraph_intask_extra": _nbgraph_intask,
    "nbgraph_intask_baselines": _nbgraph_intask,
    **{
        f"corpus_loto{s}": _module("corpus_loto")
        for s in (
            "",
            "_knn",
            "_ridge_judged_knn",
            *(f"_seedmean_{r}{k}" for r in ("none", "drop", "weight") for k in ("", "_knn")),
        )
    },
    "../../corpus/CARD": _module("corpus_card"),
    "../../corpus/CARD_v1": _module("corpus_card"),
    "predictor_multifidelity": _module("predictor_multifidelity"),
    "predictor_synthetic_speed": _module("predictor_synthetic_speed"),
    "predictor_synthetic_speed_w32": _module("predictor_synthetic_speed"),
    "robustness_cli": _module("robustness_cli"),
    "search_sim_custom": _module("search_sim"),
    "search_sim_corpus_v2": _module("search_sim"),
    "search_sim_corpus_v2_unseen": _module("search_sim"),
    "search_real": _module("search_real"),
    "width_spatial_real": _module("width_spatial"),
    "width_spatial_synth": _module("width_spatial"),
    "family_transfer_v2": _module("family_transfer"),
    "family_transfer_v2_unseen": _module("family_transfer"),
    "family_transfer_v2_val0": _module("family_transfer"),
    "family_transfer_v2_val0_unseen": _module("family_transfer"),
    "family_transfer_v2_within_tahc5": _module("family_transfer"),
    "family_transfer_v2_within_ep300": _module("family_transfer"),
    "family_transfer_v2_within_weight": _module("family_transfer"),
    "family_transfer_v2_within_drop": _module("family_transfer"),
    "family_transfer_v2_within_w128": _module("family_transfer"),
}


@pytest.mark.parametrize("stem", sorted(CASES))
def test_committed_markdown_regenerates_from_its_json(stem):
    doc = json.loads((RESULTS / f"{stem}.json").read_text(encoding="utf-8"))
    want = (RESULTS / f"{stem}.md").read_text(encoding="utf-8")
    assert CASES[stem](doc, stem) == want


def test_every_committed_table_with_a_json_is_checked_or_named_as_history():
    """A new result pair must join :data:`CASES` (or the history list in the module doc)."""
    history = {
        "label_protocol",  # a hand-written document beside its summary JSON
        "predictor_nbgraph",  # its script is removed (see the results README)
        "search_sim_corpus",  # a note on how the partial run was made, added by hand
        "search_sim_nbgraph",  # the same
        "search_sim_corpus_priorgp",  # the same
        "search_sim_nbgraph_priorgp",  # the same
        "search_halving",  # its markdown needs the run's arguments, not only the JSON
        "corpus_loto_51archs",
        "corpus_loto_84archs",
        "corpus_loto_same_rows_knn",
        "corpus_loto_same_rows_ridge",
    }
    pairs = {
        str(md.relative_to(RESULTS).with_suffix(""))
        for md in RESULTS.rglob("*.md")
        if md.with_suffix(".json").is_file()
    }
    assert pairs - history - set(CASES) == set()
