import numpy as np
import pandas as pd
import pytest


@pytest.fixture
def tiny_csv(tmp_path):
    """A 320-step, 2-series random-walk CSV (own generator, seed 0)."""
    rng = np.random.default_rng(0)
    path = tmp_path / "tiny.csv"
    pd.DataFrame(rng.normal(size=(320, 2)).cumsum(0), columns=["a", "b"]).to_csv(path, index=False)
    return path
