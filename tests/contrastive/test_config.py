"""The label protocol's config."""

from __future__ import annotations

import pytest

from contrastive.config import TrainConfig


def test_config_check():
    with pytest.raises(ValueError, match="label_kind"):
        TrainConfig(label_kind="nope").check()
    with pytest.raises(ValueError, match="schedule"):
        TrainConfig(schedule="step").check()
    with pytest.raises(ValueError, match="probe_cv"):
        TrainConfig(probe_cv="kfold").check()
    with pytest.raises(ValueError, match="knn_k"):
        TrainConfig(knn_k=0).check()
