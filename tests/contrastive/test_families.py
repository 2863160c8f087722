"""Corpus v2 task families: disjoint groups of one many-series source."""

import pytest

from contrastive import data

SOURCE = {
    "retail": "aus_retail_all",
    "employment": "us_employment_all",
    "power": "india_power_all",
    "livestock": "aus_livestock_all",
}


def test_families_are_named_bundled_tasks():
    fams = data.CORPUS_V2_FAMILIES
    assert len([f for f, ts in fams.items() if len(ts) >= 3]) == 6
    assert set(data.CORPUS_V2_TASKS) <= set(data.BUNDLED)
    assert len(data.CORPUS_V2_TASKS) == len(set(data.CORPUS_V2_TASKS)) == 25
    assert data.TASK_SETS["family:power"] == (
        "india_power_north",
        "india_power_west",
        "india_power_south",
        "india_power_east",
    )
    assert all(data.BUNDLED[t].family == "synthetic" for t in fams["traffic"])
    assert set(fams["v1"]) <= set(data.LEGACY_TASKS)


def _check_family(family: str) -> None:
    full = data.load_task(SOURCE[family])
    seen: set[str] = set()
    for name in data.CORPUS_V2_FAMILIES[family]:
        task = data.load_task(name)
        cols = set(task.columns)
        assert task.shape[1] >= 6 and cols.isdisjoint(seen), name
        seen |= cols
        # the group's columns hold the same values as in the whole dataset
        idx = [full.columns.index(c) for c in task.columns if c in full.columns]
        assert len(idx) == len(task.columns)
        assert (full.values[-task.shape[0] :, idx] == task.values).all()


def test_power_regions_are_disjoint_groups_of_the_whole():
    _check_family("power")
    assert data.load_task("india_power_north").shape == (508, 9)


@pytest.mark.slow
@pytest.mark.parametrize("family", ["retail", "employment", "livestock"])
def test_family_is_disjoint_groups_of_the_whole(family):
    _check_family(family)
