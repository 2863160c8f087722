"""The shared data flags (--time-col, --columns, --drop-columns, --max-series) and what cleaning
reports, on the three example CSVs (returns, trending levels, a weather table with ``day``)."""

import importlib.util
import re
from pathlib import Path

import pytest

from cliconfig import ConfigParser, parser_for
from contrastive.data import DataError, cleaning_notes, from_csv, level_shift
from contrastive.dataflags import (
    GROUP,
    CsvTaskSpec,
    DataFlags,
    check_data_flags,
    load_data_task,
)

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def _parser() -> ConfigParser[DataFlags]:
    return parser_for(DataFlags, prog="x")


def _parse(argv):
    p = _parser()
    cfg = p.parse(argv)
    check_data_flags(cfg, p)
    return cfg


def test_example_csvs_are_the_seeded_script_output():
    spec = importlib.util.spec_from_file_location("make_examples", EXAMPLES / "make_examples.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    for name, df in mod.frames().items():
        assert (EXAMPLES / f"{name}.csv").read_text() == df.to_csv(index=False), name


def test_weather_day_column_not_first_with_time_col_and_drop():
    with pytest.raises(DataError, match=r"'station' is not numeric .*--drop-columns station"):
        from_csv(EXAMPLES / "weather.csv")
    cfg = _parse(
        ["--data", str(EXAMPLES / "weather.csv"), "--time-col", "day"]
        + ["--drop-columns", "station"]
    )
    task = load_data_task(cfg)
    assert task.columns == ("temp_c", "humidity", "wind_ms") and task.shape == (500, 3)
    assert task.freq == "D"
    assert task.report["gaps_by_column"] == {"temp_c": 8, "wind_ms": 4}
    assert task.report["columns_left_out"] == ["station"]
    notes = cleaning_notes(task)
    assert notes[0] == "filled 12 gaps by linear interpolation (temp_c 8, wind_ms 4)"
    assert "left out as asked: station" in notes
    assert not any("non-stationary" in n for n in notes)
    # "day" is found as the time column without --time-col too (it is not numeric)
    auto = from_csv(EXAMPLES / "weather.csv", drop_columns=["station"])
    assert auto.freq == "D" and auto.columns == task.columns


def test_columns_keep_only_those_and_unknown_names_are_listed():
    task = from_csv(EXAMPLES / "returns.csv", columns=("BBB", "DDD"))
    assert task.columns == ("BBB", "DDD") and task.report["columns_left_out"] == ["AAA", "CCC"]
    with pytest.raises(DataError, match=r"columns \['ZZZ'\] not found; the columns are"):
        from_csv(EXAMPLES / "returns.csv", columns=("ZZZ",))
    with pytest.raises(DataError, match=r"drop_columns \['ZZZ'\] not found"):
        from_csv(EXAMPLES / "returns.csv", drop_columns=("ZZZ",))


def test_max_series_passes_to_the_loader_cap():
    cfg = _parse(["--data", str(EXAMPLES / "returns.csv"), "--max-series", "2"])
    task = load_data_task(cfg)
    assert task.shape[1] == 2 and task.report["capped_from"] == 4
    assert any(n.startswith("kept 2 of 4 series") for n in cleaning_notes(task))


def test_levels_warn_non_stationary_and_returns_do_not(capsys):
    levels = load_data_task(_parse(["--data", str(EXAMPLES / "levels.csv")]))
    shift = level_shift(levels)
    assert set(shift) == set(levels.columns) and min(shift.values()) > 1.5
    err = capsys.readouterr().err
    assert "data: levels.csv: 500 steps x 4 series" in err
    assert "warning: looks non-stationary" in err and "consider returns" in err
    returns = load_data_task(_parse(["--data", str(EXAMPLES / "returns.csv")]))
    assert level_shift(returns) == {} and "non-stationary" not in capsys.readouterr().err


@pytest.mark.parametrize(
    "argv, message",
    [
        (["--task", "pedestrian", "--time-col", "day"], "--time-col shape a CSV: they need --data"),
        (["--task", "a", "--data", "b.csv"], "not both"),
        ([], "give --task NAME or --data FILE.csv"),
        (["--data", "x.csv", "--columns", "a,b", "--drop-columns", "b"], r"both name \['b'\]"),
        (["--data", "x.csv", "--columns", " , "], "--columns: no column name"),
        (["--data", "x.csv", "--max-series", "0"], "expected a whole number >= 1, got 0"),
    ],
)
def test_flag_misuse_is_a_usage_error(argv, message, capsys):
    with pytest.raises(SystemExit) as err:
        _parse(argv)
    assert err.value.code == 2
    assert re.search(message, capsys.readouterr().err), message


def test_csv_task_spec_reads_the_file_with_the_flags_in_every_worker():
    spec = CsvTaskSpec(
        "w", str(EXAMPLES / "weather.csv"), "day", None, drop_columns=("station",), max_series=2
    )
    task = spec.load()
    assert task.shape[1] == 2 and task.name == "w" and spec.load() is task  # cached per process


def test_the_data_flags_are_one_group_of_the_generated_parser():
    (group,) = [g for g in _parser()._action_groups if g.title == GROUP]
    flags = [a.option_strings[0] for a in group._group_actions]
    assert flags == [
        "--data",
        "--time-col",
        "--columns",
        "--drop-columns",
        "--max-series",
        "--task",
    ]
    assert all(a.help and a.metavar for a in group._group_actions)
    cfg = _parse(["--data", "x.csv", "--max-series", "2", "--columns", "a"])
    assert (cfg.data, cfg.max_series, cfg.columns, cfg.task) == ("x.csv", 2, "a", None)
