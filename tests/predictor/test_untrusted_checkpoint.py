"""A crafted checkpoint whose pickle would run code is refused, and the code never runs."""

import pathlib

import pytest
import torch

from predictor.comparator import Comparator


class _Payload:
    def __init__(self, marker: pathlib.Path):
        self.marker = marker

    def __reduce__(self):
        # Unpickling this with weights_only=False would create the marker file.
        return (pathlib.Path.touch, (self.marker,))


def test_crafted_pickle_checkpoint_is_refused(tmp_path):
    marker = tmp_path / "pwned"
    evil = tmp_path / "comparator.pt"
    torch.save({"meta": "{}", "state_dict": _Payload(marker)}, evil)
    with pytest.raises(ValueError, match="not a readable comparator checkpoint"):
        Comparator.load(evil)
    assert not marker.exists()


def test_checkpoint_of_other_format_is_refused(tmp_path):
    path = tmp_path / "other.pt"
    torch.save({"meta": '{"format": "something-else"}'}, path)
    with pytest.raises(ValueError, match="format 'something-else'"):
        Comparator.load(path)
