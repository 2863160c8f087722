import copy

import pytest

# The K=4 example of the design issue, with every other section filled in.
EXAMPLE = {
    "contrastive": {
        "AugCell1": {"enabled_ops": ["jitter", "crop"], "params": {"jitter": 0.1, "crop": 0.3}},
        "AugCell2": {"enabled_ops": ["frequency_masking"], "params": {"frequency_masking": 0.5}},
        "EmbedCell": {"jitter": 0.0, "mask": 0.2, "norm": "l2"},
        "PairCell": {
            "instance": True,
            "temporal": True,
            "neighbor": False,
            "multiscale": True,
            "pool_type": "max",
            "kernel": 2,
        },
        "LossCell": {"loss": "InfoNCE", "sim": "dot", "temperature": 0.1},
    },
    "encoder": [[0, 2], [0, 0], [1, 0], [0, 1], [2, 1], [1, 2], [3, 3]],
    "hyper": {
        "cells": 2,
        "hidden": 32,
        "repr_dim": 64,
        "lr": 1e-3,
        "batch_size": 16,
        "dropout": 0.1,
    },
}


@pytest.fixture
def example() -> dict:
    return copy.deepcopy(EXAMPLE)


@pytest.fixture(autouse=True)
def _no_flush_denormal():
    """``contrastive.protocol.label`` turns flush-denormal mode on for the whole process, and
    hypothesis refuses to draw floats under it: run these tests in the default mode whatever
    ran before them."""
    import torch

    torch.set_flush_denormal(False)
