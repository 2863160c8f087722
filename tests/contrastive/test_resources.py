"""Resource bounds: jobs over the memory cap are refused up front, with what, how much and why."""

import copy

import numpy as np
import pytest
import torch

import archgraph as ag
from contrastive import resources as rs
from contrastive import sweep as sw
from contrastive.config import TrainConfig
from contrastive.data import DataError, from_array, from_csv
from contrastive.net import ContrastiveNet
from contrastive.presets import preset
from contrastive.protocol import label
from contrastive.store import LabelStore


@pytest.fixture(scope="module")
def task():
    rng = np.random.default_rng(0)
    return from_array(rng.normal(size=(400, 3)).cumsum(0), "walk")


def test_param_count_is_exact():
    for arch in ag.sample(25, seed=3):
        for n, c in ((3, 1), (7, 2)):
            net = ContrastiveNet(arch, n_series=n, in_channels=c)
            assert rs.param_count(arch, n, c) == sum(p.numel() for p in net.parameters())


def test_cap_parsing():
    assert rs.cap_bytes(None) is None and rs.cap_bytes(0) is None
    assert rs.cap_bytes(1.5) == int(1.5 * rs.GIB)
    for bad in (-1.0, float("nan"), float("inf")):
        with pytest.raises(ValueError, match="max_memory_gb"):
            rs.cap_bytes(bad)
    with pytest.raises(ValueError, match="max_memory_gb"):
        TrainConfig(max_memory_gb=-2).check()
    assert rs.format_bytes(1536) == "1.5 KiB" and rs.format_bytes(3 * rs.GIB) == "3.0 GiB"


def test_instance_contrast_grows_with_batch_squared():
    arch = copy.deepcopy(preset("ts2vec"))
    arch["contrastive"]["PairCell"].update(temporal=False, instance=True)
    arch["contrastive"]["LossCell"]["loss"] = "NTXent"
    small = rs.train_step_bytes(arch, 64, 16, batch_size=16).parts["instance contrast"]
    big = rs.train_step_bytes(arch, 64, 16, batch_size=64).parts["instance contrast"]
    assert big == pytest.approx(16 * small)
    est = rs.train_step_bytes(arch, 512, 256, batch_size=32)
    assert est.largest()[0] == "instance contrast" and est.total > 64 * rs.GIB


def test_tiny_cap_makes_a_failed_label_with_the_reason(task):
    arch = preset("ts2vec")
    rec = label(arch, task, TrainConfig.tiny(max_memory_gb=1e-4))
    assert rec["status"] == "failed" and rec["steps"] == 0
    err = rec["error"]
    assert err.startswith("ResourceError: label of arch " + ag.arch_hash(arch))
    for part in ("hyper.batch_size 8", "400 steps x 3 series", "MiB", "max_memory_gb=0.0001"):
        assert part in err, (part, err)
    assert "largest part: encoder activations" in err and "lower hyper.batch_size" in err
    # The task alone over the cap: a DataError naming the task.
    rec = label(arch, task, TrainConfig.tiny(max_memory_gb=1e-6))
    assert rec["error"].startswith("DataError: task 'walk' from array (400 steps x 3 series")
    assert label(arch, task, TrainConfig.tiny(max_memory_gb=0))["status"] == "ok"


def test_from_csv_refuses_a_file_over_the_cap(tiny_csv):
    with pytest.raises(DataError) as info:
        from_csv(tiny_csv, max_memory_gb=1e-6)
    msg = str(info.value)
    assert msg.startswith(str(tiny_csv)) and "CSV parsing" in msg and "KiB" in msg
    assert "max_memory_gb=1e-06" in msg
    assert from_csv(tiny_csv).shape == (320, 2)  # the default cap lets it through


def test_sweep_stores_an_over_cap_label_as_failed(tmp_path, tiny_csv):
    tiny = TrainConfig.tiny()
    over = {k: getattr(tiny, k) for k in ("window", "horizons", "probe_windows")}
    spec = sw.TaskSpec("tiny", str(tiny_csv))
    archs = {"tiny": [preset("ts2vec")]}
    jobs = sw.plan_jobs([spec], archs, budget=2, config={**over, "max_memory_gb": 1e-4})
    with LabelStore(tmp_path / "s.sqlite") as store:
        s = sw.sweep(jobs, store, workers=0, progress=False)
        (rec,) = store.records(status="failed")
        assert s.failed == 1 and s.exit_code == sw.EXIT_FAILED
        assert rec["error"].startswith("ResourceError:") and "max_memory_gb" in rec["error"]


def test_cli_flags(tmp_path, tiny_csv, capsys):
    from contrastive.label import main as label_main
    from contrastive.train import main as train_main

    argv = ["--preset", "ts2vec", "--data", str(tiny_csv), "--steps", "1", "--device", "cpu"]
    assert train_main([*argv, "--max-memory-gb", "0.001"]) == 1
    assert "ResourceError: label of arch" in capsys.readouterr().err
    with pytest.raises(DataError, match="CSV parsing"):
        train_main([*argv, "--max-memory-gb", "0.000001"])
    store = tmp_path / "s.sqlite"
    args = ["--data", str(tiny_csv), "--n-archs", "2", "--budget", "1", "--store", str(store)]
    args += ["--workers", "0", "--no-references", "--no-progress", "--max-memory-gb", "0.001"]
    assert label_main(args) == sw.EXIT_FAILED
    with LabelStore(store) as s:
        assert s.count("failed") == 2
        assert all("ResourceError" in r["error"] for r in s.records(status="failed"))
    with pytest.raises(SystemExit) as info:
        label_main([*args[:-1], "-1"])
    assert info.value.code == 2


def _measured(fn):
    out, peak = rs.peak_rss(fn)
    if peak is None:
        pytest.skip("peak resident memory is only measured on Linux")
    return out, peak


def test_step_estimate_is_near_the_measured_peak():
    """One real training step of ~100-200 MB: the estimate is within a loose factor of the
    peak resident memory the kernel measured (calibrated within 0.7..1.6 on 34 archs)."""
    torch.manual_seed(0)
    gen = torch.Generator().manual_seed(0)
    arch = preset("ts2vec")  # hidden 64, 2 cells of 3 nodes, batch 8, instance + temporal
    n, t = 8, 64

    def step():
        net = ContrastiveNet(arch, n_series=n)
        opt = torch.optim.AdamW(net.parameters())
        loss, _ = net.loss(torch.randn(8, 1, n, t, generator=gen), gen)
        loss.backward()
        opt.step()

    _, peak = _measured(step)
    est = rs.train_step_bytes(arch, n, t).total
    assert peak > 20 * 2**20, peak  # big enough to dwarf allocator noise
    assert 0.4 < est / peak < 2.5, (est, peak)


def test_csv_estimate_is_near_the_measured_peak(tmp_path):
    rng = np.random.default_rng(1)
    path = tmp_path / "wide.csv"
    x = rng.normal(size=(40_000, 12))
    np.savetxt(path, x, delimiter=",", fmt="%.5f", header=",".join("abcdefghijkl"), comments="")
    task, peak = _measured(lambda: from_csv(path, max_series=None, max_length=None))
    assert task.shape == (40_000, 12)
    est = rs.csv_bytes(path).total
    assert 0.4 < est / peak < 2.5, (est, peak)
