"""Data fuzzing: malformed CSVs end in a DataError naming the file, or in a documented clean-up.

Each case is a small CSV written by a generator seeded per case (``benchmarks.fuzz``). A loaded
task must then label (tiny budget) to an ok or failed record: nothing else may escape.
"""

import pytest

from benchmarks.fuzz import DATA_CASES, data_outcomes
from contrastive.config import TrainConfig


def test_there_are_at_least_50_cases():
    assert len(DATA_CASES) >= 50


@pytest.mark.parametrize(("kind", "seed"), DATA_CASES)
def test_malformed_csv(kind, seed, tmp_path):
    cfg = TrainConfig.tiny() if seed == 0 else None  # one real (tiny) label per kind that loads
    out = data_outcomes(kind, seed, tmp_path, cfg)
    outcome, detail = out["from_csv"]
    assert outcome in ("clean", "worked"), f"{kind}: {detail}"
    if outcome == "worked" and cfg is not None:
        assert out["label"][0] in ("clean", "worked"), f"{kind}: {out['label'][1]}"
