"""Data fuzzing: malformed CSVs end in a DataError naming the file, or in a documented clean-up.

Each case is a small CSV written by a generator seeded per case. A loaded task must then label
(tiny budget) to an ok or failed record: nothing else may escape.
"""

import numpy as np
import pytest

from contrastive.data import DataError, from_csv
from contrastive.train import TrainConfig, label
from tests.archgraph.conftest import EXAMPLE

T = 400  # long enough for the default window + horizon (48 + 12) in every split


def _series(rng, n=2, t=T):
    return rng.normal(size=(t, n)).cumsum(0)


def _write(path, header, rows, sep=","):
    lines = [sep.join(header)] + [sep.join(str(v) for v in row) for row in rows]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def _case(kind: str, seed: int, path):
    """Write one malformed CSV of ``kind``; return what must happen: 'error' or 'load'."""
    rng = np.random.default_rng(seed)
    x = _series(rng, n=int(rng.integers(1, 4)))
    cols = [f"s{i}" for i in range(x.shape[1])]
    if kind == "empty_file":
        path.write_text("")
        return "error"
    if kind == "header_only":
        _write(path, cols, [])
        return "error"
    if kind == "too_short":
        _write(path, cols, x[: int(rng.integers(2, 40))])
        return "error"
    if kind == "all_text":
        _write(path, cols, [["abc"] * len(cols) for _ in range(T)])
        return "error"
    if kind == "all_nan":
        _write(path, cols, [["nan"] * len(cols) for _ in range(T)])
        return "error"
    if kind == "constant":
        _write(path, cols, np.full_like(x, float(rng.normal())))
        return "error"
    if kind == "wrong_delimiter":
        _write(path, cols, x, sep=";" if len(cols) > 1 else "\t")
        return "either"  # one text column ("a;b") is not numeric, or a single column loads
    if kind == "nan_runs":
        y = x.copy()
        start = int(rng.integers(10, T - 30))
        y[start : start + int(rng.integers(1, 20)), 0] = np.nan
        _write(path, cols, y)
        return "load"
    if kind == "one_column":
        _write(path, ["only"], x[:, :1])
        return "load"
    if kind == "text_cells":
        rows = [list(r) for r in x]
        for i in rng.choice(T, size=3, replace=False):
            rows[i][0] = "n/a?"
        _write(path, cols, rows)
        return "either"  # a few junk cells become gaps, or the column is refused as non-numeric
    if kind == "mixed_types":
        rows = [[*r, "label"] for r in x]
        _write(path, [*cols, "kind"], rows)
        return "either"
    if kind == "duplicated_timestamps":
        times = [f"2020-01-{1 + i // 24:02d} {i % 24:02d}:00" for i in range(T)]
        times[50] = times[49]
        _write(path, ["time", *cols], [[t, *r] for t, r in zip(times, x, strict=True)])
        return "either"
    if kind == "huge_values":
        _write(path, cols, x * 1e300)
        return "either"
    if kind == "inf_cells":
        y = x.copy()
        y[int(rng.integers(0, T)), 0] = np.inf
        _write(path, cols, y)
        return "either"
    if kind == "duplicate_columns":
        _write(path, [*cols, "copy"], np.column_stack([x, x[:, 0]]))
        return "load"
    raise AssertionError(kind)


KINDS = [
    "empty_file",
    "header_only",
    "too_short",
    "all_text",
    "all_nan",
    "constant",
    "wrong_delimiter",
    "nan_runs",
    "one_column",
    "text_cells",
    "mixed_types",
    "duplicated_timestamps",
    "huge_values",
    "inf_cells",
    "duplicate_columns",
]
CASES = [(kind, seed) for kind in KINDS for seed in range(4)]  # 60 malformed datasets


def test_there_are_at_least_50_cases():
    assert len(CASES) >= 50


@pytest.mark.parametrize(("kind", "seed"), CASES)
def test_malformed_csv(kind, seed, tmp_path):
    path = tmp_path / f"{kind}_{seed}.csv"
    expect = _case(kind, seed, path)
    time_col = "time" if kind == "duplicated_timestamps" else None
    try:
        task = from_csv(str(path), time_col=time_col)
    except DataError as err:
        assert expect in ("error", "either"), f"{kind}: refused but should load: {err}"
        assert path.name in str(err)
        return
    assert expect in ("load", "either"), f"{kind}: loaded but should be refused"
    assert task.values.ndim == 2 and np.isfinite(task.values).all()
    splits = task.splits()
    assert all(np.isfinite(v).all() for v in splits.values())
    if seed == 0:  # one real (tiny) label per kind that loads
        rec = label(EXAMPLE, task, TrainConfig.tiny())
        assert rec["status"] in ("ok", "failed")
        if rec["status"] == "failed":
            assert rec["error"]
