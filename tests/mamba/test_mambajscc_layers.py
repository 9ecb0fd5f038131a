"""Shared layers (linksim.nn): patch embedding/merging/division, the
symbol mapping and the Channel ModNet, checked against explicit constructions."""
from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F

from linksim.errors import LinksimError
from linksim.nn import (ChannelMLP, ChannelModNet, PatchDivision, PatchEmbed,
                                   PatchMerging, latent_to_symbols, symbols_to_latent)


def test_patch_embed_is_a_strided_patch_projection():
    emb = PatchEmbed(3, 5, patch=4)
    x = torch.rand(2, 3, 8, 12)
    y = emb(x)
    assert y.shape == (2, 2, 3, 5)
    # the patch at grid (1, 2) only sees pixels [4:8, 8:12]
    ref = emb.norm(F.linear(x[:, :, 4:8, 8:12].flatten(1), emb.proj.weight.flatten(1),
                            emb.proj.bias))
    torch.testing.assert_close(y[:, 1, 2], ref)


def test_patch_merging_concatenates_the_2x2_neighbourhood():
    merge = PatchMerging(2, 3)
    with torch.no_grad():  # identity-like reduction onto the first 3 of 8 merged channels
        merge.reduction.weight.copy_(torch.eye(3, 8))
        merge.norm.weight.fill_(1.0)
    x = torch.arange(2 * 4 * 4 * 2, dtype=torch.float32).reshape(2, 4, 4, 2)
    y = merge(x)
    assert y.shape == (2, 2, 2, 3)
    cat = torch.cat([x[:, 0::2, 0::2], x[:, 1::2, 0::2], x[:, 0::2, 1::2], x[:, 1::2, 1::2]], -1)
    torch.testing.assert_close(y, F.layer_norm(cat, (8,))[..., :3])
    with pytest.raises(LinksimError, match="even"):
        merge(torch.zeros(1, 3, 4, 2))


@pytest.mark.parametrize("scale", [2, 4])
def test_patch_division_is_fc_then_pixel_shuffle(scale):
    div = PatchDivision(6, 3, scale)
    x = torch.randn(2, 3, 5, 6)
    y = div(x)
    assert y.shape == (2, 3 * scale, 5 * scale, 3)
    v = div.increment(div.norm(x[:, 1, 2]))  # [2, 3 * scale^2], channel-major groups
    torch.testing.assert_close(y[:, scale:2 * scale, 2 * scale:3 * scale],
                               v.reshape(2, 3, scale, scale).permute(0, 2, 3, 1))


def test_symbols_round_trip_and_zero_fill():
    z = torch.randn(3, 4, 2, 2)  # 16 reals -> 8 symbols
    s = latent_to_symbols(z, 8)
    assert s.shape == (3, 8) and s.dtype == torch.complex64
    torch.testing.assert_close(s.abs().square().mean(1), torch.ones(3))
    back = symbols_to_latent(s, (4, 2, 2))
    scale = z.flatten(1).square().mean(1, keepdim=True).mul(2).sqrt()
    torch.testing.assert_close(back.flatten(1) * scale, z.flatten(1))
    part = symbols_to_latent(latent_to_symbols(z, 5), (4, 2, 2)).flatten(1)
    assert (part[:, 10:] == 0).all() and (part[:, :10] != 0).all()


def test_channel_modnet_scales_channels_by_an_snr_dependent_gate():
    torch.manual_seed(0)
    mod = ChannelModNet(8)
    # SwinJSCC layout: 1 + 6 hidden FCs + output FC, 7 three-layer modulators, M = 12
    m = 12
    expected = (8 * m + m) + 6 * (m * m + m) + (m * 8 + 8) + 7 * (2 * m + 2 * (m * m + m))
    assert sum(p.numel() for p in mod.parameters()) == expected
    x = torch.rand(2, 3, 3, 8) + 0.1
    y = mod(x, torch.tensor([0.0, 20.0]))
    ratio = y / x
    assert y.shape == x.shape and (ratio > 0).all() and (ratio < 1).all()
    y2 = mod(x, torch.tensor([20.0, 20.0]))
    torch.testing.assert_close(y2[1], y[1])
    assert not torch.allclose(y2[0], y[0])


def test_channel_mlp_hidden_width():
    mlp = ChannelMLP(10, ratio=1.0)
    assert mlp.fc1.out_features == 10 and mlp(torch.randn(2, 4, 10)).shape == (2, 4, 10)
