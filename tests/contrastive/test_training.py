"""The training loop and the settings it runs under, on tiny data."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from contrastive.config import TrainConfig
from contrastive.net import ContrastiveNet
from contrastive.protocol import label
from contrastive.references import references
from contrastive.training import (
    _lr_at,
    _window_sampler,
    compute_settings,
    resolve_device,
    train_net,
)

from .tiny import BASE, edit, series_task, tiny_series

AUG1 = "contrastive.AugCell1"
AUG2 = "contrastive.AugCell2"
MUTATIONS = {
    "AugCell1 order": edit(f"{AUG1}.enabled_ops", ["crop", "jitter"]),
    "AugCell1 strength": edit(f"{AUG1}.params", {"jitter": 0.4, "crop": 0.3}),
    "AugCell1 ops": edit(
        AUG1, {"enabled_ops": ["jitter", "resize"], "params": {"jitter": 0.2, "resize": 0.3}}
    ),
    "AugCell2 order": edit(f"{AUG2}.enabled_ops", ["rescaling", "point_masking"]),
    "AugCell2 strength": edit(f"{AUG2}.params", {"point_masking": 0.2, "rescaling": 0.1}),
    "AugCell2 ops": edit(
        AUG2, {"enabled_ops": ["frequency_masking"], "params": {"frequency_masking": 0.3}}
    ),
    "EmbedCell jitter": edit("contrastive.EmbedCell.jitter", 0.3),
    "EmbedCell mask": edit("contrastive.EmbedCell.mask", 0.3),
    "EmbedCell norm l2": edit("contrastive.EmbedCell.norm", "l2"),
    "EmbedCell norm layernorm": edit("contrastive.EmbedCell.norm", "layernorm"),
    "EmbedCell norm batchnorm": edit("contrastive.EmbedCell.norm", "batchnorm"),
    "PairCell instance": edit("contrastive.PairCell.instance", False),
    "PairCell temporal": edit("contrastive.PairCell.temporal", False),
    "PairCell neighbor": edit("contrastive.PairCell.neighbor", True),
    "PairCell multiscale": edit("contrastive.PairCell.multiscale", True),
    "PairCell pool_type": edit("contrastive.PairCell.pool_type", "max"),
    "PairCell kernel": edit("contrastive.PairCell.kernel", 3),
    "LossCell loss NTXent": edit("contrastive.LossCell.loss", "NTXent"),
    "LossCell loss Triplet": edit("contrastive.LossCell.loss", "Triplet"),
    "LossCell sim dot": edit("contrastive.LossCell.sim", "dot"),
    "LossCell sim euclidean": edit("contrastive.LossCell.sim", "euclidean"),
    "LossCell temperature": edit("contrastive.LossCell.temperature", 0.5),
    "encoder op": edit("encoder", [[0, 1], [0, 2], [1, 3], [1, 4], [2, 1]]),
    "encoder input": edit("encoder", [[0, 1], [0, 2], [1, 3], [0, 4], [2, 0]]),
    "encoder nodes": edit("encoder", [[0, 1], [0, 2], [1, 3], [1, 4], [2, 0], [1, 1], [3, 0]]),
    "hyper cells": edit("hyper.cells", 2),
    "hyper hidden": edit("hyper.hidden", 32),
    "hyper repr_dim": edit("hyper.repr_dim", 64),
    "hyper lr": edit("hyper.lr", 3e-3),
    "hyper batch_size": edit("hyper.batch_size", 16),
    "hyper dropout": edit("hyper.dropout", 0.0),
}


def run_signature(arch: dict) -> tuple:
    """Losses of 2 training steps and the trained encoder's output on a fixed input."""
    torch.manual_seed(0)
    net = ContrastiveNet(arch, n_series=3)
    cfg = TrainConfig.tiny(steps=2)
    out = train_net(
        net, tiny_series(60), cfg, torch.Generator().manual_seed(0), torch.device("cpu")
    )
    net.eval()
    with torch.no_grad():
        z = net.encode(torch.from_numpy(tiny_series(16).T.copy())[None, None])
    return tuple(out["losses"]), float(z.sum())


def test_every_arch_field_changes_the_run():
    torch.set_flush_denormal(True)
    torch.set_num_threads(1)
    base = run_signature(BASE)
    assert base == run_signature(BASE)  # the comparison below is not noise
    unchanged = [name for name, arch in MUTATIONS.items() if run_signature(arch) == base]
    assert unchanged == []


def test_lr_schedules():
    cfg = TrainConfig(steps=10, schedule="cosine", warmup=2)
    assert _lr_at(0, 1.0, cfg) == pytest.approx(0.5)
    assert _lr_at(2, 1.0, cfg) == pytest.approx(1.0)
    assert _lr_at(10, 1.0, cfg) == pytest.approx(0.1)
    assert _lr_at(7, 1.0, TrainConfig(steps=10)) == 1.0


def test_device_auto(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    assert resolve_device("auto") == torch.device("cpu")
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    assert resolve_device("auto") == torch.device("cuda")
    assert resolve_device("cpu") == torch.device("cpu")


def test_thread_counts_are_set_for_a_label_and_restored_after(monkeypatch):
    from threadpoolctl import threadpool_info

    seen = []
    real_loss = ContrastiveNet.loss

    def spy(self, *args):
        seen.append((torch.get_num_threads(), [p["num_threads"] for p in threadpool_info()]))
        return real_loss(self, *args)

    monkeypatch.setattr(ContrastiveNet, "loss", spy)
    before = torch.get_num_threads()
    try:
        torch.set_num_threads(2)
        blas = [p["num_threads"] for p in threadpool_info()]
        with compute_settings(TrainConfig(threads=1, device="cpu")) as device:
            assert device == torch.device("cpu") and torch.get_num_threads() == 1
        assert torch.get_num_threads() == 2
        rec = label(BASE, series_task(), TrainConfig.tiny(steps=2, threads=1))
        assert rec["status"] == "ok" and len(seen) == 2
        assert all(t == 1 and all(b == 1 for b in bs) for t, bs in seen)  # during the label
        assert torch.get_num_threads() == 2  # after it, the caller's counts again
        assert [p["num_threads"] for p in threadpool_info()] == blas
        failed = label(BASE, series_task(t=40), TrainConfig.tiny(threads=1))  # fails in the probe
        assert failed["status"] == "failed" and torch.get_num_threads() == 2
        refs = references(series_task(), TrainConfig.tiny(threads=1))
        assert "raw_short" in refs and torch.get_num_threads() == 2
    finally:
        torch.set_num_threads(before)


def test_sample_windows_come_from_single_samples():
    samples = np.arange(5 * 2 * 10, dtype=np.float32).reshape(5, 2, 10)  # [S, N, T]
    draw = _window_sampler(samples, 4, 16, torch.Generator().manual_seed(0))
    x = draw().numpy()  # [B, 1, N, 4]
    assert x.shape == (16, 1, 2, 4)
    for row in x[:, 0]:
        s, start = int(row[0, 0]) // 20, int(row[0, 0]) % 20
        np.testing.assert_array_equal(row, samples[s, :, start : start + 4])
    with pytest.raises(ValueError, match="window=11"):
        _window_sampler(samples, 11, 4, torch.Generator())


def test_compute_settings_without_with_is_a_process_wide_setup():
    before = torch.get_num_threads()
    try:
        torch.set_num_threads(2)
        settings = compute_settings(TrainConfig(threads=1))  # as a benchmark's one-time setup
        assert torch.get_num_threads() == 1
        settings.restore()
        assert torch.get_num_threads() == 2
        with pytest.raises(ValueError, match="label_kind"):  # the config is checked first
            compute_settings(TrainConfig(label_kind="nope"))  # type: ignore[arg-type]
        assert torch.get_num_threads() == 2
    finally:
        torch.set_num_threads(before)
