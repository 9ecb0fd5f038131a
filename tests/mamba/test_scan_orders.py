"""GSSM scans through index maps (gssm_scan, the cpp kernel's strided/multi-order path) against
permuted copies run through the sequential reference: values and every gradient."""
from __future__ import annotations

import pytest
import torch

from linksim.errors import LinksimError
from linksim.mamba import gssm_order
from linksim.mamba.gssm import GSSM
from linksim.mamba.scan import gssm_scan, selective_scan

ORDERS = [("identity", "reverse"), ("identity", "transpose", "reverse", "transpose_reverse")]
CSI = [None, dict(csi_period=5), dict(csi_mode="released", csi_period=6)]


def make(h=3, w=5, b=2, d=19, n=4, k=2, dtype=torch.float64, time_major=True, seed=0):
    """Inputs of a K-order scan; u (and delta) as time-major views when ``time_major``."""
    g = torch.Generator().manual_seed(seed)
    length = h * w

    def rnd(*shape, scale=1.0):
        return (scale * torch.randn(*shape, generator=g, dtype=torch.float64)).to(dtype)

    u = rnd(b, length, d).transpose(1, 2) if time_major else rnd(b, d, length)
    delta = rnd(k, b, length, d, scale=0.5).transpose(-1, -2) if time_major else rnd(k, b, d, length, scale=0.5)
    # B and C as strided column slices of one [B, L, K, 2, N] tensor, as GSSM makes them
    bc = rnd(b, length, k, 2, n)
    return dict(u=u, delta=delta, A=-torch.rand(k, d, n, generator=g, dtype=torch.float64).add(0.1).to(dtype),
                B=bc[:, :, :, 0].permute(2, 0, 3, 1), C=bc[:, :, :, 1].permute(2, 0, 3, 1),
                D=rnd(k, d), delta_bias=rnd(k, d, scale=0.1)), rnd(b, scale=5.0)


def by_copies(x, pos, snr_db, case):
    """The definition: permute, scan with the reference, un-permute, sum."""
    y = 0
    for k in range(pos.shape[0]):
        perm = pos[k]
        inv = gssm_order.inverse(perm)
        yk = selective_scan(x["u"].index_select(-1, perm), x["delta"][k].index_select(-1, perm), x["A"][k],
                            x["B"][k].index_select(-1, perm), x["C"][k].index_select(-1, perm), D=x["D"][k],
                            delta_bias=x["delta_bias"][k], delta_softplus=True, backend="reference",
                            **({} if case is None else dict(case, snr_db=snr_db)))
        y = y + yk.index_select(-1, inv)
    return y


def fused(x, pos, snr_db, case, backend="cpp"):
    return gssm_scan(**x, delta_softplus=True, positions=pos, backend=backend,
                     **({} if case is None else dict(case, snr_db=snr_db)))


@pytest.mark.parametrize("case", CSI)
@pytest.mark.parametrize("orders", ORDERS)
@pytest.mark.parametrize("time_major", [True, False])
def test_values_and_gradients_match_permuted_copies(orders, case, time_major):
    x, snr_db = make(k=len(orders), time_major=time_major)
    pos = gssm_order.positions(orders, 3, 5)
    grads, outs = [], []
    for fn in (by_copies, fused):
        leaves = {key: v.detach().clone().requires_grad_() for key, v in x.items()}
        s = snr_db.clone().requires_grad_()
        y = fn(leaves, pos, s, case)
        gy = torch.randn(y.shape, generator=torch.Generator().manual_seed(1), dtype=y.dtype)
        wrt = list(leaves.values()) + ([s] if case is not None else [])
        outs.append(y)
        grads.append(torch.autograd.grad(y, wrt, gy))
    torch.testing.assert_close(outs[1], outs[0], rtol=1e-10, atol=1e-10)
    names = list(x) + ["snr_db"]
    for name, g_ref, g in zip(names, *grads):
        torch.testing.assert_close(g, g_ref, rtol=1e-9, atol=1e-9, msg=lambda m: f"d{name}: {m}")


def test_float32_long_sequence_several_checkpoints():
    """L = 150 > the kernel's 64-step checkpoints, float32, K = 4."""
    x, snr_db = make(h=10, w=15, b=1, d=32, n=8, k=4, dtype=torch.float32)
    pos = gssm_order.positions(ORDERS[1], 10, 15)
    torch.testing.assert_close(fused(x, pos, snr_db, dict(csi_period=64)),
                               by_copies(x, pos, snr_db, dict(csi_period=64)), rtol=1e-4, atol=1e-4)


def test_fallback_backends_take_permuted_copies():
    x, snr_db = make()
    pos = gssm_order.positions(ORDERS[0], 3, 5)
    ref = by_copies(x, pos, snr_db, dict(csi_period=4))
    torch.testing.assert_close(fused(x, pos, snr_db, dict(csi_period=4), backend="chunked"), ref)


def test_gssm_module_equals_the_exchange_scan_recover_definition():
    """GSSM (one GEMM, index maps) against eq. 29 written out with scan_exchange/recover."""
    torch.manual_seed(0)
    m = GSSM(24, d_state=4, dt_rank=3, orders=ORDERS[1], csi_period=7).double()
    x = torch.randn(2, 24, 4, 6, dtype=torch.float64).to(memory_format=torch.channels_last)
    snr_db = torch.tensor([2.0, 11.0], dtype=torch.float64)
    want = 0
    a = -torch.exp(m.A_log.view(4, 24, 4))
    for k, name in enumerate(m.orders):
        uk = gssm_order.scan_exchange(x, name)
        dt_r, bk, ck = torch.einsum("bdl,cd->bcl", uk, m.x_proj[k]).split([3, 4, 4], dim=1)
        delta = torch.einsum("dr,brl->bdl", m.dt_proj[k], dt_r)
        yk = selective_scan(uk, delta, a[k], bk, ck, D=m.D.view(4, 24)[k], delta_bias=m.dt_bias.view(4, 24)[k],
                            delta_softplus=True, snr_db=snr_db, csi_period=7, backend="reference")
        want = want + gssm_order.scan_recover(yk, name, 4, 6)
    torch.testing.assert_close(m(x, snr_db), want, rtol=1e-10, atol=1e-10)


def test_positions_must_be_permutations():
    x, _ = make()
    bad = torch.zeros(2, 15, dtype=torch.int64)
    with pytest.raises(LinksimError, match="permutation"):
        gssm_scan(**x, positions=bad)


def test_cpp_scans_bfloat16_inputs_in_float32():
    """CPU autocast hands the scan bfloat16 tensors: cpp runs them (float32 inside), dtype kept."""
    x, snr_db = make(dtype=torch.float32, time_major=False)
    pos = gssm_order.positions(ORDERS[0], 3, 5)
    half = {k: v.to(torch.bfloat16) for k, v in x.items()}
    got = fused(half, pos, snr_db, dict(csi_period=4))
    assert got.dtype == torch.bfloat16
    want = by_copies({k: v.double() for k, v in half.items()}, pos, snr_db.double(), dict(csi_period=4))
    torch.testing.assert_close(got.double(), want, rtol=2e-2, atol=2e-2)


def test_positions_checked_once_per_tensor_and_again_after_a_change():
    x, _ = make()
    pos = gssm_order.positions(ORDERS[0], 3, 5).clone()
    gssm_scan(**x, positions=pos)
    pos[0, :2] = 0  # in place: the tensor's version changes, so it is checked again
    with pytest.raises(LinksimError, match="permutation"):
        gssm_scan(**x, positions=pos)
