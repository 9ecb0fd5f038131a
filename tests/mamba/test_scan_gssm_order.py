"""GSSM scan-exchange permutations: invertibility and the VMamba cross-scan orders."""
from __future__ import annotations

import pytest
import torch

from linksim.errors import UnknownName
from linksim.mamba import gssm_order

SHAPES = [(1, 1), (1, 5), (4, 1), (3, 4), (5, 5)]


@pytest.mark.parametrize("h,w", SHAPES)
@pytest.mark.parametrize("name", gssm_order.names() + list(gssm_order.ALIASES))
def test_each_order_is_an_invertible_permutation(name, h, w):
    perm, inv = gssm_order.order(name, h, w)
    assert perm.dtype == inv.dtype == torch.int64
    assert sorted(perm.tolist()) == list(range(h * w))
    ident = torch.arange(h * w)
    assert torch.equal(perm[inv], ident) and torch.equal(inv[perm], ident)
    # matrix form: P^-1 = P^T (P is the identity with rows swapped)
    P = torch.eye(h * w)[perm]
    assert torch.equal(torch.eye(h * w)[inv], P.t())


def test_orders_follow_vmamba_cross_scan():
    x = torch.arange(6).view(1, 1, 2, 3)  # [[0, 1, 2], [3, 4, 5]]
    want = {"identity": [0, 1, 2, 3, 4, 5], "reverse": [5, 4, 3, 2, 1, 0],
            "transpose": [0, 3, 1, 4, 2, 5], "transpose_reverse": [5, 2, 4, 1, 3, 0]}
    for name, seq in want.items():
        assert gssm_order.scan_exchange(x, name).flatten().tolist() == seq
    assert gssm_order.names() == list(want)


@pytest.mark.parametrize("name", gssm_order.names())
def test_exchange_then_recover_is_identity(name):
    x = torch.randn(2, 3, 4, 5)
    seq = gssm_order.scan_exchange(x, name)
    assert seq.shape == (2, 3, 20)
    assert torch.equal(gssm_order.scan_recover(seq, name, 4, 5), x)


def test_unknown_order_names_the_choices():
    with pytest.raises(UnknownName, match="transpose_reverse"):
        gssm_order.order("diagonal", 2, 2)


@pytest.mark.parametrize("name", ["identity", "reverse", "transpose", "transpose_reverse"])
@pytest.mark.parametrize("hw", [(1, 1), (2, 3), (5, 4)])
def test_fast_views_equal_the_permutation(name, hw):
    """scan_exchange/scan_recover use reshapes and flips; they must equal the index gather."""
    h, w = hw
    x = torch.randn(2, 3, h, w)
    perm, inv = gssm_order.order(name, h, w)
    u = gssm_order.scan_exchange(x, name)
    assert torch.equal(u, x.reshape(2, 3, h * w).index_select(-1, perm))
    y = torch.randn(2, 3, h * w)
    assert torch.equal(gssm_order.scan_recover(y, name, h, w),
                       y.index_select(-1, inv).reshape(2, 3, h, w))
