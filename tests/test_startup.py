"""Every command answers --help and usage errors before torch, PyG or pandas load."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
HEAVY = ("torch", "torch_geometric", "pandas", "sklearn")


@pytest.mark.parametrize(
    "argv",
    [
        ["predictor.search", "--help"],
        ["predictor.search", "--n", "0"],
        ["predictor.train", "--help"],
        ["contrastive.train", "--help"],
        ["contrastive.train", "--preset", "ts2vec", "--task", "pedestrian", "--steps", "0"],
        ["contrastive.label", "--help"],
        ["archgraph", "--help"],
        ["archgraph", "sample", "-n", "0"],
        ["benchmarks.width_spatial", "--help"],
        ["benchmarks.width_spatial", "--archs", "many"],
        ["benchmarks.search_real", "--help"],
        ["benchmarks.task_agreement", "--help"],
    ],
)
def test_help_and_usage_errors_do_not_import_heavy_modules(argv):
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", *argv],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    assert done.returncode == (0 if "--help" in argv else 2), done.stderr[-2000:]
    imported = set(re.findall(r"\|\s+(\w+)$", done.stderr, flags=re.M))
    assert not imported & set(HEAVY), sorted(imported & set(HEAVY))
    if "--help" in argv and argv[0] != "archgraph":
        assert "(default: " in done.stdout  # defaults are shown
