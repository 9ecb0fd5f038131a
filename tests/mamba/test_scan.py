"""Selective scan: every backend against the sequential reference, gradients, CSI-ReST semantics."""
from __future__ import annotations

import math
import warnings

import pytest
import torch

from linksim.errors import LinksimError, UnknownName
from linksim.mamba import scan_chunked, scan_cpp
from linksim.mamba.scan import resolve_backend, selective_scan
from linksim.mamba.scan_common import prepare
from linksim.mamba.scan_cuda import split_state_scan
from linksim.mamba.scan_ref import scan_reference

CPU_BACKENDS = ["chunked", "cpp"]
CSI_CASES = [dict(), dict(csi_period=7), dict(csi_period=None),
             dict(csi_mode="released", csi_period=64), dict(csi_mode="released")]


def make_inputs(b=2, d=19, n=5, length=150, dtype=torch.float32, seed=0):
    """Random scan inputs (D=19 is not a multiple of the C++ block, L not of any chunk)."""
    g = torch.Generator().manual_seed(seed)

    def rnd(*shape, scale=1.0):
        return (scale * torch.randn(*shape, generator=g, dtype=torch.float64)).to(dtype)

    return dict(u=rnd(b, d, length), delta=rnd(b, d, length, scale=0.5),
                A=-torch.rand(d, n, generator=g, dtype=torch.float64).add(0.1).to(dtype),
                B=rnd(b, n, length), C=rnd(b, n, length), D=rnd(d), z=rnd(b, d, length),
                delta_bias=rnd(d, scale=0.1), snr_db=rnd(b, scale=5.0))


def run(inputs, backend, csi_case, **extra):
    kw = dict(inputs)
    snr_db = kw.pop("snr_db")
    if csi_case is not None:
        extra = {**csi_case, "snr_db": snr_db, **extra}
    return selective_scan(**kw, delta_softplus=True, backend=backend, **extra)


@pytest.mark.parametrize("case", CSI_CASES + [None])
@pytest.mark.parametrize("backend", CPU_BACKENDS)
def test_forward_matches_reference(backend, case):
    x = make_inputs()
    ref = run(x, "reference", case)
    got = run(x, backend, case)
    torch.testing.assert_close(got, ref, rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("backend", CPU_BACKENDS)
def test_forward_no_grad_and_long_sequence(backend):
    x = make_inputs(b=1, d=16, n=4, length=700, seed=3)
    case = dict(csi_period=100)
    ref = run(x, "reference", case)
    with torch.no_grad():
        got = run(x, backend, case)
    torch.testing.assert_close(got, ref, rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("case", [dict(csi_period=7), dict(csi_mode="released", csi_period=32), None])
@pytest.mark.parametrize("backend", CPU_BACKENDS)
def test_gradients_of_all_inputs_match_reference(backend, case, monkeypatch):
    monkeypatch.setattr(scan_chunked, "SEGMENT", 40)  # several checkpointed segments
    x = make_inputs(dtype=torch.float64, length=100)
    names = [k for k in x if case is not None or k != "snr_db"]
    grads = []
    for be in ("reference", backend):
        leaves = {k: v.clone().requires_grad_(k in names) for k, v in x.items()}
        y = run(leaves, be, case)
        gy = torch.randn(y.shape, generator=torch.Generator().manual_seed(1), dtype=y.dtype)
        grads.append(torch.autograd.grad(y, [leaves[k] for k in names], gy))
    for name, g_ref, g in zip(names, *grads):
        torch.testing.assert_close(g, g_ref, rtol=1e-9, atol=1e-9, msg=lambda m: f"d{name}: {m}")


@pytest.mark.parametrize("softplus", [True, False])
@pytest.mark.parametrize("backend", CPU_BACKENDS)
def test_gradcheck_float64(backend, softplus, monkeypatch):
    monkeypatch.setattr(scan_chunked, "SEGMENT", 4)
    x = make_inputs(b=1, d=2, n=3, length=9, dtype=torch.float64, seed=5)
    keys = list(x)
    leaves = [x[k].clone().requires_grad_() for k in keys]

    def f(*ts):
        kw = dict(zip(keys, ts))
        return selective_scan(**kw, delta_softplus=softplus, csi_period=4, backend=backend)

    assert torch.autograd.gradcheck(f, leaves, eps=1e-6, atol=1e-7)


def _decay_only(length, mode, period, alpha=-0.3, delta=0.5, gamma=7.0):
    """u = 0 so only CSI drives the state; C reads state 0 only."""
    b, d, n = 1, 3, 4
    kw = dict(u=torch.zeros(b, d, length), delta=torch.full((b, d, length), delta),
              A=torch.full((d, n), -1.0).index_fill(1, torch.tensor([0]), alpha),
              B=torch.ones(b, n, length), C=torch.zeros(b, n, length).index_fill(1, torch.tensor([0]), 1.0))
    return kw, dict(snr_db=torch.tensor([gamma]), csi_period=period, csi_mode=mode), alpha * delta, gamma


@pytest.mark.parametrize("backend", ["reference"] + CPU_BACKENDS)
def test_csi_rest_is_an_overwrite_of_state_zero(backend):
    """Paper eq. 26: h[0] := SNR at t = 0, T, 2T, ...; y_t = gamma * exp(alpha*delta*(t - t_inj + 1))."""
    length, period = 20, 6
    kw, csi_kw, ad, gamma = _decay_only(length, "paper", period)
    y = selective_scan(**kw, **csi_kw, backend=backend)[0]
    t = torch.arange(length)
    expected = gamma * torch.exp(ad * (t - (t // period) * period + 1).double()).float()
    torch.testing.assert_close(y, expected.expand(3, length), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("backend", ["reference"] + CPU_BACKENDS)
def test_csi_released_mode_skips_initial_state(backend):
    length, period = 20, 6
    kw, csi_kw, ad, gamma = _decay_only(length, "released", period)
    y = selective_scan(**kw, **csi_kw, backend=backend)[0, 0]
    t = torch.arange(length)
    expected = torch.where(t < period, 0.0, gamma * torch.exp(ad * (t % period + 1).double())).float()
    torch.testing.assert_close(y, expected, rtol=1e-5, atol=1e-6)


def test_csi_released_default_period_is_the_kernel_chunk():
    x = make_inputs(b=1, d=2, n=3, length=2100)
    x.pop("z")
    snr_db = x.pop("snr_db")
    x["delta_softplus"] = True
    plain = selective_scan(**x)
    released = selective_scan(**x, snr_db=snr_db, csi_mode="released")
    torch.testing.assert_close(released[..., :2048], plain[..., :2048])
    assert (released[..., 2048:] - plain[..., 2048:]).abs().max() > 1e-3
    paper_once = selective_scan(**x, snr_db=snr_db)  # csi_period=None: initial state only
    assert (paper_once[..., :5] - plain[..., :5]).abs().max() > 1e-3


def test_split_state_scan_equals_reference():
    """The CUDA backend's CSI path, with the reference standing in for mamba-ssm's kernel."""
    x = make_inputs(dtype=torch.float64)
    p = prepare(x["u"], x["delta"], x["A"], x["B"], x["C"], x["D"], x["z"], x["delta_bias"], True, x["snr_db"], 7)
    torch.testing.assert_close(split_state_scan(p, lambda q, fused: scan_reference(q)), scan_reference(p))


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
def test_cuda_backend_matches_reference():
    pytest.importorskip("mamba_ssm")
    x = make_inputs()
    for case in (None, dict(csi_period=7)):
        ref = run(x, "reference", case)
        got = run({k: v.cuda() for k, v in x.items()}, "cuda", case)
        torch.testing.assert_close(got.cpu(), ref, rtol=1e-3, atol=1e-3)


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
@pytest.mark.parametrize("case", [None, dict(csi_period=7), dict(csi_mode="released", csi_period=64)])
def test_chunked_on_cuda_matches_reference(case):
    """The pure-PyTorch path on a GPU (no mamba-ssm): values and every gradient."""
    x = make_inputs()
    leaves = {k: v.clone().requires_grad_() for k, v in x.items()}
    ref = run(leaves, "reference", case)
    ref.square().sum().backward()
    on_gpu = {k: v.cuda().requires_grad_() for k, v in x.items()}
    got = run(on_gpu, "chunked", case)
    got.square().sum().backward()
    torch.testing.assert_close(got.cpu(), ref.detach(), rtol=1e-4, atol=1e-4)
    for k in leaves:
        if leaves[k].grad is not None:
            torch.testing.assert_close(on_gpu[k].grad.cpu(), leaves[k].grad, rtol=1e-3, atol=1e-3)


def test_backend_selection_and_errors():
    x = make_inputs(b=1, d=2, n=3, length=5)
    p = prepare(x["u"], x["delta"], x["A"], x["B"], x["C"])
    assert resolve_backend("auto", p) in ("cpp", "chunked")
    with pytest.raises(UnknownName):
        resolve_backend("nope", p)
    with pytest.raises(LinksimError):
        resolve_backend("cuda", p)
    with pytest.raises(LinksimError):
        selective_scan(x["u"], x["delta"], x["A"], x["B"][..., :4], x["C"])
    with pytest.raises(LinksimError):
        selective_scan(x["u"], x["delta"], x["A"], x["B"], x["C"], snr_db=x["snr_db"], csi_mode="sometimes")


def test_cpp_compile_failure_falls_back_to_chunked(monkeypatch):
    def broken():
        raise RuntimeError("no compiler")

    monkeypatch.setattr(scan_cpp, "_lib", None)
    monkeypatch.setattr(scan_cpp, "_failed", False)
    monkeypatch.setattr(scan_cpp, "_build", broken)
    x = make_inputs(b=1, d=2, n=3, length=5)
    p = prepare(x["u"], x["delta"], x["A"], x["B"], x["C"])
    with pytest.warns(RuntimeWarning, match="chunked"):
        assert resolve_backend("auto", p) == "chunked"
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # warned once only
        assert resolve_backend("auto", p) == "chunked"


def test_chunk_layout_sizes():
    """K ~ sqrt(S): the chunked path's working set is O(B*D*N*sqrt(L)), not O(B*D*N*L)."""
    assert scan_chunked._steps(16384) == 128 and scan_chunked._steps(1) == 1
    assert all(scan_chunked._steps(s) >= math.sqrt(s) for s in (2, 10, 100, 1000))
