"""The seeded synthetic traffic generator and its tasks, at N = 17."""

from __future__ import annotations

import numpy as np
import pytest

from contrastive import data
from contrastive.synthetic import NEIGHBOURS, STEPS_PER_DAY, synthetic_traffic


def test_generator_is_seeded_and_shaped():
    a, adj, cols = synthetic_traffic(17, 7 * STEPS_PER_DAY, seed=3)
    b, adj_b, _ = synthetic_traffic(17, 7 * STEPS_PER_DAY, seed=3)
    c, _, _ = synthetic_traffic(17, 7 * STEPS_PER_DAY, seed=4)
    assert a.shape == (7 * STEPS_PER_DAY, 17) and adj.shape == (17, 17)
    assert cols[0] == "sensor_000" and len(cols) == 17
    np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(adj, adj_b)
    assert not np.array_equal(np.nan_to_num(a), np.nan_to_num(c))
    assert np.isnan(a).any() and np.nanmin(a) >= 0  # outages, non-negative flows
    assert np.all(np.diag(adj) == 0) and np.all((adj > 0).sum(axis=1) == NEIGHBOURS)
    assert np.all((adj >= 0) & (adj <= 1))


def test_daily_and_weekly_seasonality():
    x, _, _ = synthetic_traffic(20, 14 * STEPS_PER_DAY, seed=0)
    days = np.nanmean(x, axis=1).reshape(14, STEPS_PER_DAY)  # [day, step of day]
    night, rush = days[:, 3 * 12], days[:, 8 * 12]  # 03:00 and 08:00
    assert np.all(rush[days.mean(1) > np.median(days.mean(1))] > 2 * night.mean())
    totals = days.mean(axis=1)
    assert np.sort(totals)[:4].mean() < 0.9 * np.sort(totals)[-10:].mean()  # weekends are lower


def test_too_small_is_refused():
    with pytest.raises(ValueError, match="needs >= 2 sensors"):
        synthetic_traffic(1, STEPS_PER_DAY)


def test_synthetic_tasks_are_named_so_and_carry_their_graph():
    assert all(
        (data.BUNDLED[n].family == "synthetic") == n.startswith("synth_") for n in data.BUNDLED
    )
    task = data.load_task("synth_traffic_50")
    assert task.shape == data.BUNDLED["synth_traffic_50"].shape == (8640, 50)
    assert task.adjacency.shape == (50, 50) and task.report["family"] == "synthetic"
    assert "SYNTHETIC" in data.BUNDLED["synth_traffic_50"].note
    assert task.domain.endswith("(synthetic)")
