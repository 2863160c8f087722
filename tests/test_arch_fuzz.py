"""Arch fuzzing through every entry point: validate, encode, ContrastiveNet, Comparator.score.

Each of >= 1,000 corrupted archs per run (``benchmarks.fuzz.arch_cases``: wrong types, missing
and extra keys, out-of-range and non-finite values, huge lists, deep nesting, unicode keys,
near-miss numbers, random encoder wirings) must work in every entry point or raise ``ArchError``
with a field path in every one, the same path everywhere (``Comparator.score`` prefixes it with
``archs[0]``). Valid archs also round-trip through encode/decode and take a training step.
"""

from collections import Counter

import pytest
import torch
from hypothesis import HealthCheck, given, settings

import archgraph as ag
from benchmarks import fuzz as fz

N_CASES = 1100


@pytest.fixture(scope="module")
def comparator():
    return fz.tiny_comparator(seed=0)


@pytest.fixture
def one_thread():
    """Tiny nets run fastest on one thread (and do not fight a busy machine's other jobs);
    flush-denormal mode (left on by contrastive.protocol.label) would stop hypothesis's floats."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    torch.set_flush_denormal(False)
    yield
    torch.set_num_threads(threads)


def test_corrupted_archs_work_or_raise_arch_error_everywhere(comparator, one_thread):
    entries = fz.entry_points(comparator)
    counts: Counter = Counter()

    @settings(max_examples=N_CASES, deadline=None, suppress_health_check=list(HealthCheck))
    @given(arch=fz.arch_cases())
    def case(arch):
        results = {name: fz.outcome(fn, arch) for name, fn in entries.items()}
        for name, (kind, detail) in results.items():
            counts[name, kind] += 1
            assert kind != "other", f"{name}: {detail}"
        kind, path = results["validate"]
        for name, (other_kind, other_path) in results.items():
            assert other_kind == kind, f"validate {kind} but {name} {other_kind}: {other_path}"
        if kind == "clean":
            assert results["encode"][1] == results["ContrastiveNet"][1] == path
            prefix = "archs[0]" + ("" if path == "arch" else f".{path}")
            assert results["Comparator.score"][1] == prefix
        else:
            assert ag.decode(ag.encode(arch)) == ag.canonical(arch)

    case()
    for name in entries:
        tried = counts[name, "worked"] + counts[name, "clean"]
        assert tried >= 1000, (name, dict(counts))
        assert counts[name, "worked"] >= 10  # valid archs do reach the net and the comparator
