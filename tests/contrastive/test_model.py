"""The fit/encode/save/load encoder object, on a tiny series."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from contrastive.config import TrainConfig
from contrastive.data import from_array
from contrastive.model import ContrastiveEncoder
from contrastive.probes import encode_last
from contrastive.protocol import label

from .tiny import BASE, tiny_series

CFG = TrainConfig.tiny(steps=3, window=8)


def fitted(seed: int = 0) -> tuple[ContrastiveEncoder, np.ndarray]:
    x = tiny_series(120, 3) * 5.0 + 2.0  # raw scale: fit must standardise
    enc = ContrastiveEncoder(BASE, config=TrainConfig.tiny(steps=3, window=8, seed=seed))
    return enc, x


def test_fit_encode_shapes_and_causality():
    enc, x = fitted()
    losses = enc.fit(x)
    assert len(losses) == 3 and all(np.isfinite(losses))
    z = enc.encode(x)
    assert z.shape == (120, 3, 32) and z.dtype == np.float32
    # one window alone vs 120 in one batch: the same maths, but kernels may sum in another order
    np.testing.assert_allclose(enc.encode(x, last=True), z[-1], rtol=1e-5, atol=1e-6)
    # step t depends on steps t-7..t only: changing later steps changes nothing before them
    y = x.copy()
    y[60:] += 10.0
    zy = enc.encode(y)
    np.testing.assert_allclose(zy[:60], z[:60], rtol=1e-5, atol=1e-6)  # a leak would be O(1)
    assert not np.allclose(zy[60], z[60])
    # a batch of samples gives the same per-sample result
    zb = enc.encode(np.stack([x[:40], x[40:80]]), last=True)
    assert zb.shape == (2, 3, 32)
    np.testing.assert_allclose(zb[1], enc.encode(x[40:80], last=True), rtol=1e-5, atol=1e-6)


def test_same_seed_same_encoder_and_caller_rng_untouched():
    torch.manual_seed(123)
    before = torch.rand(1)
    torch.manual_seed(123)
    a, x = fitted(seed=1)
    a.fit(x)
    after = torch.rand(1)
    assert torch.equal(before, after)
    b, _ = fitted(seed=1)
    b.fit(x)
    c, _ = fitted(seed=2)
    c.fit(x)
    assert np.array_equal(a.encode(x[:30]), b.encode(x[:30]))
    assert not np.array_equal(a.encode(x[:30]), c.encode(x[:30]))


def test_fit_gives_the_net_that_label_trains():
    task = from_array(tiny_series(200, 3), "tiny", window=8, horizon=4)
    cfg = TrainConfig.tiny(steps=3, window=8, seed=0)
    kept = {}
    rec = label(BASE, task, cfg, on_trained=lambda net: kept.setdefault("net", net))
    assert rec["status"] == "ok"
    mean, std = task.scaling()
    from_label = ContrastiveEncoder.from_net(kept["net"], mean, std, config=cfg)
    train_rows = task.values[: task.split_bounds()["train"][1]]
    enc = ContrastiveEncoder(BASE, config=cfg)
    enc.fit(train_rows)
    x = task.values[:50]
    np.testing.assert_allclose(enc.encode(x), from_label.encode(x), rtol=1e-5, atol=1e-6)
    # and from_net's encode is exactly the probe's encode_last on standardised windows
    win = ((x[-8:] - mean) / std).T[None].astype(np.float32)  # [1, N, window]
    probe = encode_last(kept["net"], win, torch.device("cpu"))[0]
    np.testing.assert_allclose(from_label.encode(x, last=True), probe, rtol=1e-5, atol=1e-6)


def test_save_load_round_trip(tmp_path):
    enc, x = fitted()
    enc.fit(x)
    path = enc.save(tmp_path / "enc.pt")
    back = ContrastiveEncoder.load(path)
    assert back.arch == enc.arch and back.n_series == 3 and back.window == 8
    assert np.array_equal(back.encode(x[:20]), enc.encode(x[:20]))


def test_clear_errors(tmp_path):
    enc, x = fitted()
    with pytest.raises(RuntimeError, match="not fitted"):
        enc.encode(x)
    with pytest.raises(ValueError, match="non-finite value at index \\[3, 1\\]"):
        bad = x.copy()
        bad[3, 1] = np.nan
        enc.fit(bad)
    with pytest.raises(ValueError, match="needs at least window=8"):
        enc.fit(x[:5])
    with pytest.raises(ValueError, match="numeric"):
        enc.fit(np.array([["a", "b"]] * 20))
    enc.fit(x)
    with pytest.raises(ValueError, match="2 series, but the encoder was fitted on 3"):
        enc.encode(x[:, :2])
    junk = tmp_path / "junk.pt"
    junk.write_bytes(b"not a checkpoint")
    with pytest.raises(ValueError, match="junk.pt: not a readable encoder file"):
        ContrastiveEncoder.load(junk)
    other = tmp_path / "other.pt"
    torch.save({"format": "something-else"}, other)
    with pytest.raises(ValueError, match="not an encoder file"):
        ContrastiveEncoder.load(other)


def test_fit_and_encode_read_tables_as_the_clis_do(tmp_path):
    """A CSV path, a DataFrame (columns shuffled, rows reversed) and the array give one answer."""
    import pandas as pd

    from contrastive.data import DataError

    weather = Path(__file__).resolve().parents[2] / "examples" / "weather.csv"
    enc = ContrastiveEncoder(config=TrainConfig.tiny(steps=2, window=8, seed=0))
    enc.fit(weather, drop_columns=["station"])  # "day" (4th column) is found as the time
    assert enc.columns == ("temp_c", "humidity", "wind_ms") and enc.time_col == "day"
    z = enc.encode(weather)
    assert z.shape == (500, 3, enc.repr_dim) and np.isfinite(z).all()  # its 12 gaps filled
    df = pd.read_csv(weather)
    shuffled = df[["wind_ms", "day", "station", "humidity", "temp_c"]].iloc[::-1]
    np.testing.assert_allclose(enc.encode(shuffled), z, rtol=1e-5, atol=1e-6)
    path = enc.save(tmp_path / "w.pt")
    back = ContrastiveEncoder.load(path)
    assert back.time_col == "day" and back.columns == enc.columns
    np.testing.assert_allclose(back.encode(weather, last=True), z[-1], rtol=1e-5, atol=1e-6)
    with pytest.raises(DataError, match=r"no column \['humidity'\]; the encoder reads"):
        enc.encode(df.drop(columns=["humidity"]))
