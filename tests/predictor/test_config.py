"""predictor.config: one list of choices per comparator setting; predictor.train's flags."""

import json
from typing import get_args

import pytest

from predictor.config import ComparatorConfig, Fusion, Gnn, Head, Readout
from predictor.train import ComparatorTrainConfig, build_parser


def test_choices_are_the_model_registries():
    from predictor.models import FUSIONS, GNNS, HEADS, READOUTS

    assert (set(GNNS), set(READOUTS), set(FUSIONS), set(HEADS)) == tuple(
        set(get_args(t)) for t in (Gnn, Readout, Fusion, Head)
    )


def test_train_flags_are_the_comparator_fields(tmp_path):
    parser = build_parser()
    cfg = parser.parse(["--gnn", "sage", "--holdout-tasks", "a,b", "--nbgraph", "cora"])
    assert (cfg.gnn, cfg.holdout_tasks, cfg.nbgraph) == ("sage", ("a", "b"), ("cora",))
    assert cfg.comparator_config() == ComparatorConfig(gnn="sage")
    path = tmp_path / "c.json"
    path.write_text(json.dumps({"gnn": "gat", "width": 8, "pair_rule": "drop"}))
    assert parser.parse(["--config", str(path), "--width", "16"]).comparator_config() == (
        ComparatorConfig(gnn="gat", width=16, pair_rule="drop")
    )


def test_tiny_keeps_its_values_where_no_flag_changed_them():
    cfg = ComparatorTrainConfig(tiny=True, epochs=2, gnn="gcn")
    assert cfg.comparator_config() == ComparatorConfig.tiny(epochs=2, gnn="gcn")
    assert ComparatorTrainConfig(tiny=True).comparator_config().epochs == 30


@pytest.mark.parametrize(
    "argv, expected",
    [
        (["--model", "gin"], "unrecognized arguments: --model gin"),
        (["--gnn", "mlp"], "argument --gnn: invalid choice: 'mlp'"),
        (["--pair-z", "0"], "error: pair_z must be > 0, got 0.0"),
    ],
)
def test_train_usage_errors(capsys, argv, expected):
    with pytest.raises(SystemExit) as info:
        build_parser().parse(argv)
    assert info.value.code == 2
    assert expected in capsys.readouterr().err
