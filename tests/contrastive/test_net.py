"""The net: op semantics, wiring, pair construction shapes, EmbedCell, gradients."""

from __future__ import annotations

import copy

import pytest
import torch

import archgraph
from contrastive.encoder import (
    OPS,
    Cell,
    DiffusionGCN,
    DilatedCausalConv,
    Encoder,
    Skip,
    SpatialAttention,
    TemporalAttention,
)
from contrastive.net import ContrastiveNet, EmbedCell
from contrastive.pairs import cross_scale, hierarchical_loss, instance_sets, pool, temporal_sets
from contrastive.presets import PRESETS, preset

B, N, T, H = 2, 4, 16, 8


def gen(seed: int = 0) -> torch.Generator:
    return torch.Generator().manual_seed(seed)


def test_op_table_follows_the_arch_contract():
    assert len(OPS) == len(archgraph.GRIDS.encoder_ops)
    assert OPS == (Skip, DilatedCausalConv, DiffusionGCN, TemporalAttention, SpatialAttention)


@pytest.mark.parametrize("cls", OPS)
def test_every_op_keeps_the_shape(cls):
    torch.manual_seed(0)
    op = cls(H, N, 2, 0.0)
    x = torch.randn(B, N, T, H)  # channels-last inside the encoder
    assert op(x).shape == x.shape


@pytest.mark.parametrize("cls", [DilatedCausalConv, TemporalAttention])
def test_temporal_ops_are_causal(cls):
    torch.manual_seed(0)
    op = cls(H, N, 4, 0.0)
    x = torch.randn(B, N, T, H)
    y = x.clone()
    y[:, :, 10:] += 5.0  # change only the future of t = 9
    torch.testing.assert_close(op(x)[:, :, :10], op(y)[:, :, :10])
    assert not torch.allclose(op(x)[:, :, 10:], op(y)[:, :, 10:])


def test_dilated_conv_sees_exactly_t_and_t_minus_dilation():
    torch.manual_seed(0)
    op = DilatedCausalConv(H, N, 4, 0.0)
    x = torch.randn(1, 1, T, H)
    y = x.clone()
    y[:, :, 5] += 1.0  # affects outputs at t = 5 and t = 9 only
    changed = (op(x) - op(y)).abs().sum(-1)[0, 0] > 0
    assert changed.nonzero().flatten().tolist() == [5, 9]


@pytest.mark.parametrize("cls", [DiffusionGCN, SpatialAttention])
def test_spatial_ops_mix_series_and_temporal_ops_do_not(cls):
    torch.manual_seed(0)
    x = torch.randn(B, N, T, H)
    y = x.clone()
    y[:, 1] += 3.0 * torch.randn(B, T, H, generator=gen(4))  # change series 1 only
    op = cls(H, N, 1, 0.0)
    assert not torch.allclose(op(x)[:, 0], op(y)[:, 0])
    for temporal in (DilatedCausalConv, TemporalAttention):
        top = temporal(H, N, 1, 0.0)
        torch.testing.assert_close(top(x)[:, 0], top(y)[:, 0])


def test_adaptive_adjacency_is_row_stochastic():
    a = DiffusionGCN(H, 5, 1, 0.0).adjacency()
    assert a.shape == (5, 5)
    torch.testing.assert_close(a.sum(1), torch.ones(5))


def test_cell_wiring_sums_ops_and_returns_the_last_node():
    # node0 = skip(x) = x; node1 = skip(x) + skip(node0) = 2x; node2 = skip(node0) + skip(node1) = 3x
    cell = Cell([[0, 0], [0, 0], [1, 0], [1, 0], [2, 0]], H, N, 0.0, 0)
    x = torch.randn(B, N, T, H)
    torch.testing.assert_close(cell(x), 3 * x)


def test_encoder_shapes_cells_and_dilations():
    pairs = [[0, 1], [0, 0], [1, 1]]
    enc = Encoder(pairs, n_series=N, in_channels=2, cells=3, hidden=H, repr_dim=5, dropout=0.0)
    assert enc(torch.randn(B, 2, N, T)).shape == (B, 5, N, T)
    assert len(enc.cells) == 3
    dil = [
        op.dilation for cell in enc.cells for op in cell.ops if isinstance(op, DilatedCausalConv)
    ]
    assert dil == [1, 2, 4, 8, 16, 32]  # node j across the stack: 2 ** j


@pytest.mark.parametrize("arch", archgraph.sample(5, seed=3) + [PRESETS["ts2vec"]])
def test_sampled_archs_encode_and_train_with_gradients_reaching_the_encoder(arch):
    torch.manual_seed(0)
    net = ContrastiveNet(arch, n_series=3)
    x = torch.randn(2, 1, 3, 12, generator=gen(1))  # the batch size is the trainer's business
    z = net.encode(x)
    assert z.shape == (2, arch["hyper"]["repr_dim"], 3, 12)
    loss, parts = net.loss(x, gen(2))
    assert torch.isfinite(loss)
    loss.backward()
    assert (
        net.encoder.inp.weight.grad is not None
        and float(net.encoder.inp.weight.grad.abs().sum()) > 0
    )
    assert float(net.encoder.out.weight.grad.abs().sum()) > 0
    assert parts["levels"] >= 2


def test_pair_sets_shapes():
    z = torch.arange(B * 3 * N * T, dtype=torch.float32).reshape(B, 3, N, T)
    inst = instance_sets(z)
    assert inst.shape == (T, B * N, 3)
    torch.testing.assert_close(inst[5, 1 * N + 2], z[1, :, 2, 5])  # timestamp 5, sample 1, series 2
    temp = temporal_sets(z)
    assert temp.shape == (B * N, T, 3)
    torch.testing.assert_close(temp[1 * N + 2, 5], z[1, :, 2, 5])
    assert pool(z, "avg", 3).shape == (B, 3, N, T // 3)
    torch.testing.assert_close(
        pool(z, "max", 2)[..., 0], z[..., 1]
    )  # increasing values: max = later


def test_hierarchy_levels_follow_the_kernel():
    z = torch.randn(1, 4, 2, 16, generator=gen())
    cells = dict(instance=True, temporal=True, neighbor=False, multiscale=False, pool_type="avg")
    loss_cell = {"loss": "InfoNCE", "sim": "cosine", "temperature": 0.5}
    assert (
        hierarchical_loss(z, z, {**cells, "kernel": 2}, loss_cell)[1]["levels"] == 5
    )  # 16,8,4,2,1
    assert hierarchical_loss(z, z, {**cells, "kernel": 3}, loss_cell)[1]["levels"] == 3  # 16,5,1
    assert hierarchical_loss(z, z, {**cells, "kernel": 5}, loss_cell)[1]["levels"] == 2  # 16,3


def test_losses_are_summed_over_levels():
    z1, z2 = torch.randn(2, 4, 3, 4, generator=gen()), torch.randn(2, 4, 3, 4, generator=gen(1))
    pc = dict(
        instance=False, temporal=True, neighbor=False, multiscale=False, pool_type="avg", kernel=2
    )
    lc = {"loss": "InfoNCE", "sim": "dot", "temperature": 1.0}
    from contrastive.losses import contrast

    expected = 0.0
    a, b = z1, z2
    for level in range(3):  # lengths 4, 2, 1 (a single timestamp has no temporal negatives: 0)
        expected += float(contrast(temporal_sets(a), temporal_sets(b), lc))
        if level < 2:
            a, b = pool(a, "avg", 2), pool(b, "avg", 2)
    total, parts = hierarchical_loss(z1, z2, pc, lc)
    assert float(total) == pytest.approx(expected, rel=1e-6)
    assert parts["levels"] == 3


def test_cross_scale_positives_are_the_children():
    # fine steps identical to their parent (constant within each pooled window): loss is minimal
    lc = {"loss": "InfoNCE", "sim": "cosine", "temperature": 0.1}
    coarse = torch.randn(1, 4, 2, 3, generator=gen())
    fine_match = coarse.repeat_interleave(2, dim=-1)  # [1, 4, 2, 6]
    fine_other = torch.randn(1, 4, 2, 6, generator=gen(5))
    assert float(cross_scale(coarse, fine_match, 2, lc)) < float(
        cross_scale(coarse, fine_other, 2, lc)
    )


def test_embed_cell_norm_jitter_and_timestamp_mask():
    z = torch.randn(3, 6, 2, 50, generator=gen())
    l2 = EmbedCell({"jitter": 0.0, "mask": 0.0, "norm": "l2"}, 6)(z, gen())
    torch.testing.assert_close(l2.norm(dim=1), torch.ones(3, 2, 50))
    ln = EmbedCell({"jitter": 0.0, "mask": 0.0, "norm": "layernorm"}, 6)(z, gen())
    torch.testing.assert_close(ln.mean(dim=1), torch.zeros(3, 2, 50), atol=1e-5, rtol=0)
    bn = EmbedCell({"jitter": 0.0, "mask": 0.0, "norm": "batchnorm"}, 6)(z, gen())
    torch.testing.assert_close(bn.mean(dim=(0, 2, 3)), torch.zeros(6), atol=1e-5, rtol=0)
    masked = EmbedCell({"jitter": 0.0, "mask": 0.4, "norm": "none"}, 6)(
        torch.ones(20, 6, 4, 50), gen()
    )
    zero_steps = (masked == 0).all(dim=1)  # a masked timestamp is a zero vector
    assert abs(float(zero_steps.float().mean()) - 0.4) < 0.03
    assert bool(((masked == 0) | (masked == 1)).all())
    jit = EmbedCell({"jitter": 0.3, "mask": 0.0, "norm": "none"}, 6)(
        torch.zeros(20, 6, 4, 50), gen()
    )
    assert abs(float(jit.std()) - 0.3) < 0.01


def test_net_rejects_invalid_archs():
    bad = copy.deepcopy(preset("ts2vec"))
    bad["hyper"]["hidden"] = 7
    with pytest.raises(archgraph.ArchError, match="hyper.hidden"):
        ContrastiveNet(bad, n_series=2)
