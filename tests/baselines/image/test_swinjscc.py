"""SwinJSCC (Yang et al. 2024): (shifted) window attention against a brute-force reference,
receptive fields, window clamping, Channel ModNet, gradients. (Shapes, exact channel uses
and power: ``test_peer_ratios.py::test_link_contract``.)"""
from __future__ import annotations

import itertools

import pytest
import torch

from linksim.baselines.image.swinjscc import SwinJSCC
from linksim.baselines.image.swinjscc.attention import WindowAttention
from linksim.baselines.image.swinjscc.blocks import SwinBlock
from linksim.channels.base import Link
from linksim.errors import LinksimError
from linksim.base.registry import CHANNELS, SYSTEMS

TINY = {"dims": (8, 16), "depths": (2, 2), "patch": 2, "head_dim": 4, "window": 4}


def reference_attention(attn: WindowAttention, x: torch.Tensor) -> torch.Tensor:
    """Token-by-token (S)W-MSA on [1, H, W, C]: query i attends to key j iff both fall in the
    same window of the map rolled by -shift (padded to whole windows) and the roll did not
    wrap between them (their rolled and true offsets agree), as Swin's mask intends."""
    _, h, w, c = x.shape
    (wh, ww), (sh, sw), (hp, wp) = attn.geometry(h, w)
    heads, d, m = attn.heads, c // attn.heads, attn.window
    q, k, v = attn.qkv(x[0]).reshape(h, w, 3, heads, d).unbind(2)
    out = torch.zeros(h, w, heads, d)
    cells = list(itertools.product(range(h), range(w)))
    for r, col in cells:
        rr, rc = (r - sh) % hp, (col - sw) % wp
        keys, bias = [], []
        for r2, c2 in cells:
            rr2, rc2 = (r2 - sh) % hp, (c2 - sw) % wp
            if (rr // wh, rc // ww) != (rr2 // wh, rc2 // ww):
                continue
            if (rr - rr2, rc - rc2) != (r - r2, col - c2):
                continue
            keys.append((r2, c2))
            bias.append(attn.bias_table[(r - r2 + m - 1) * (2 * m - 1) + (col - c2 + m - 1)])
        kk = torch.stack([k[a, b] for a, b in keys])  # [K, heads, d]
        vv = torch.stack([v[a, b] for a, b in keys])
        logits = torch.einsum("hd,khd->hk", q[r, col] * attn.scale, kk) + torch.stack(bias, 1)
        out[r, col] = torch.einsum("hk,khd->hd", logits.softmax(-1), vv)
    return attn.proj(out.reshape(h, w, c))[None]


@pytest.mark.parametrize("shifted", [False, True])
@pytest.mark.parametrize("size", [(8, 8), (6, 10), (3, 10)])  # exact, padded, clamped rows
def test_window_attention_matches_brute_force(shifted, size):
    torch.manual_seed(0)
    attn = WindowAttention(8, heads=2, window=4, shifted=shifted)
    x = torch.randn(1, *size, 8)
    with torch.no_grad():
        torch.testing.assert_close(attn(x), reference_attention(attn, x), atol=1e-5, rtol=1e-4)


def test_window_geometry_clamps_like_swin():
    attn = WindowAttention(8, heads=2, window=8, shifted=True)
    assert attn.geometry(16, 16) == ((8, 8), (4, 4), (16, 16))
    assert attn.geometry(4, 4) == ((4, 4), (0, 0), (4, 4))      # map <= window: one, unshifted
    assert attn.geometry(4, 20) == ((4, 8), (0, 4), (4, 24))     # clamp one side, pad the other


def _changed(block: SwinBlock, x: torch.Tensor, pixel: tuple[int, int]) -> torch.Tensor:
    """[H, W] bool: which outputs change when input ``pixel`` changes."""
    x2 = x.clone()
    x2[0, pixel[0], pixel[1]] += torch.linspace(-1.0, 2.0, x.shape[-1])  # not a constant: LN
    with torch.no_grad():
        return (block(x2) - block(x)).abs().amax(-1)[0] > 1e-6


def test_receptive_field_of_one_block_is_its_window():
    """8x8 map, 4x4 windows. W-MSA: (0,0) reaches (3,3) (far corner of its window) but not (4,4).
    SW-MSA (shift 2): (0,0) shares a wrapped window with (7,7) but the mask keeps them apart;
    it reaches (1,1) and not (2,2)."""
    torch.manual_seed(0)
    x = torch.randn(1, 8, 8, 8)
    plain = _changed(SwinBlock(8, 2, window=4), x, (0, 0))
    assert plain[3, 3] and not plain[4, 4] and plain[:4, :4].all() and plain.sum() == 16
    shifted = _changed(SwinBlock(8, 2, window=4, shifted=True), x, (0, 0))
    assert shifted[1, 1] and not shifted[2, 2] and not shifted[7, 7] and shifted.sum() == 4
    clamped = _changed(SwinBlock(8, 2, window=8, shifted=True), x[:, :4, :4], (0, 0))
    assert clamped.all()  # 4x4 map with window 8: one global window


def test_registered_with_paper_and_small_configs():
    assert SYSTEMS.get("swinjscc") is SwinJSCC and {"paper", "small"} <= set(SwinJSCC.configs)
    with pytest.raises(LinksimError, match="adaptation"):
        SwinJSCC(cbr=1 / 16, config=TINY, adaptation="csi_rest")
    with pytest.raises(LinksimError, match="unknown config key"):
        SwinJSCC(cbr=1 / 16, config={**TINY, "depth": 3})


def test_modnet_is_the_only_snr_path():
    """w/ SA: the SNR changes the symbols; w/o SA: it cannot, and the ModNet's parameters
    are the whole parameter difference."""
    torch.manual_seed(0)
    x = torch.rand(1, 3, 16, 16)
    sa = SwinJSCC(cbr=1 / 16, config=TINY)
    none = SwinJSCC(cbr=1 / 16, config=TINY, adaptation="none")
    assert not torch.allclose(sa.encode(x, torch.zeros(1)), sa.encode(x, torch.full((1,), 20.0)))
    torch.testing.assert_close(none.encode(x, torch.zeros(1)),
                               none.encode(x, torch.full((1,), 20.0)))
    count = lambda mod: sum(p.numel() for p in mod.parameters())  # noqa: E731
    assert count(sa) - count(none) == count(sa.encoder.modnet) + count(sa.decoder.modnet)


def test_gradients_reach_every_parameter_through_rayleigh():
    torch.manual_seed(0)
    m = SwinJSCC(cbr=1 / 16, config=TINY)
    x = torch.rand(2, 3, 16, 16)
    x_hat, _ = m.transmit(x, Link(CHANNELS.get("rayleigh")(), torch.tensor([3.0, 12.0]), len(x)))
    (x_hat - x).square().mean().backward()
    assert not [n for n, p in m.named_parameters() if p.grad is None or not p.grad.abs().sum()]
