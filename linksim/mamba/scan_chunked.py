r"""Pure-PyTorch CPU backend: two-level chunked scan, memory ``O(B·D·N·(L/K + K))``.

A segment of ``S`` steps is cut into ``J`` chunks of ``K ≈ √S`` steps laid out as
``[B, D, J, K]``. The recurrence :math:`h_t = a_t \hat h_{t-1} + x_t`
(:math:`a_t = e^{\Delta_t A}`, :math:`x_t = \Delta_t B_t u_t`) is then run

1. for the ``K`` positions inside all ``J`` chunks at once from a zero state (one
   ``[B, D, J, N]`` tensor op per position) giving the local outputs and each chunk's
   local end state; decay products come in closed form,
   :math:`P_i = \prod_{s \le i} a_s = \exp(A \sum_{s \le i} \Delta_s)`;
2. sequentially over the ``J`` chunk boundaries to get each chunk's incoming state;
3. again over the ``K`` positions, adding :math:`C_t^\top (P_{t} h_{\mathrm{in}})`.

CSI-ReST's overwrite of state 0 before step ``t`` is the affine step
:math:`a'_t[0] = 0,\ x'_t[0] = x_t[0] + a_t[0]\gamma`, so the same linear machinery
handles it exactly (the closed-form :math:`P` of state 0 is zeroed from a write on).
Python-level work is ``O(√L)`` ops of ``B·D·N·√L`` elements.

With gradients the sequence is split into segments of :data:`SEGMENT` steps; the forward
keeps only the segment-boundary states and the backward re-runs each segment under
autograd (gradient checkpointing), so memory stays ``O(B·D·N·SEGMENT)``.
"""
from __future__ import annotations

import math

import torch
import torch.nn.functional as F

from linksim.mamba.scan_common import register_backend
from linksim.mamba.scan_common import ScanInputs

#: steps per autograd segment in training mode
SEGMENT = 256
#: exponents of decays are floored here: exp(-80) ~ 2e-35 is still a normal float, so no
#: denormal arithmetic (very slow on x86); the change is below float resolution
LOG_FLOOR = -80.0


def _steps(length: int) -> int:
    return max(1, math.isqrt(max(length - 1, 0)) + 1)


def scan_segment(u, delta, A, B, C, h0, inj, snr_db):
    """Scan one segment from state ``h0``; differentiable w.r.t. every tensor input.

    :param u, delta: [B, D, S]; :param A: [D, N]; :param B, C: [B, N, S];
    :param h0: [B, D, N] incoming state (``None``: zeros);
    :param inj: [S] bool CSI-ReST mask or ``None``; :param snr_db: [B] or ``None``.
    :return: y [B, D, S] (``C_t . h_t``) and the last state h [B, D, N].
    """
    b, d, s = u.shape
    n = A.shape[1]
    k = _steps(s)
    j = -(-s // k)
    pad = j * k - s  # padded steps have Δ = 0, u = 0: a = 1, x = 0, the state is unchanged
    dl = F.pad(delta, (0, pad)).view(b, d, j, k)
    du = F.pad(delta * u, (0, pad)).view(b, d, j, k)
    Bp = F.pad(B, (0, pad)).view(b, n, j, k).permute(0, 2, 3, 1)  # [B, J, K, N]
    Cp = F.pad(C, (0, pad)).view(b, n, j, k).permute(0, 2, 3, 1)
    logp = torch.cumsum(dl, dim=-1)                              # Σ Δ inside each chunk
    mask = None
    if inj is not None and bool(inj.any()):
        mask = F.pad(inj, (0, pad)).view(j, k)
        seen = torch.cummax(mask.to(torch.uint8), dim=1).values.to(u.dtype)  # injected at or before i
        unit0 = torch.zeros(n, dtype=u.dtype, device=u.device)
        unit0[0] = 1
        gamma = snr_db.view(b, 1, 1, 1)

    def coeffs(i):
        """a_i, x_i [B, D, J, N] of position i of every chunk (CSI-ReST folded in)."""
        a = torch.exp((dl[..., i, None] * A[:, None, :]).clamp(min=LOG_FLOOR))
        x = du[..., i, None] * Bp[:, None, :, i, :]
        if mask is not None and bool(mask[:, i].any()):
            hit = mask[:, i].to(u.dtype)[:, None] * unit0       # [J, N]: 1 at (chunk, n=0)
            x = x + a * hit * gamma
            a = a * (1 - hit)
        return a, x

    def decay(i):
        """Product of a over positions 0..i of every chunk [B, D, J, N]."""
        p = torch.exp((logp[..., i, None] * A[:, None, :]).clamp(min=LOG_FLOOR))
        if mask is not None:
            p = p * (1 - seen[:, i, None] * unit0)
        return p

    ys, hl = [], None
    for i in range(k):
        a, x = coeffs(i)
        hl = x if hl is None else a * hl + x
        ys.append((hl * Cp[:, None, :, i, :]).sum(-1))
    prod = decay(k - 1)
    h = h0 if h0 is not None else u.new_zeros(b, d, n)
    incoming = []
    for c in range(j):
        incoming.append(h)
        h = prod[:, :, c] * h + hl[:, :, c]
    h_in = torch.stack(incoming, dim=2)                          # [B, D, J, N]
    for i in range(k):
        ys[i] = ys[i] + (decay(i) * h_in * Cp[:, None, :, i, :]).sum(-1)
    y = torch.stack(ys, dim=-1).reshape(b, d, j * k)[..., :s]
    return y, h


class _Checkpointed(torch.autograd.Function):
    """Segment-wise scan keeping only boundary states; backward re-runs segments with autograd."""

    @staticmethod
    def forward(ctx, seg, inj, u, delta, A, B, C, snr_db):
        length = u.shape[-1]
        states, ys, h = [], [], None
        for s0 in range(0, length, seg):
            sl = slice(s0, s0 + seg)
            states.append(h)
            y, h = scan_segment(u[..., sl], delta[..., sl], A, B[..., sl], C[..., sl], h,
                                None if inj is None else inj[sl], snr_db)
            ys.append(y)
        ctx.seg, ctx.inj, ctx.states = seg, inj, states
        ctx.save_for_backward(u, delta, A, B, C, snr_db)
        return torch.cat(ys, dim=-1)

    @staticmethod
    def backward(ctx, gy):
        u, delta, A, B, C, snr_db = ctx.saved_tensors
        seg, inj, length = ctx.seg, ctx.inj, u.shape[-1]
        du, ddelta, dB, dC = (torch.zeros_like(t) for t in (u, delta, B, C))
        dA = torch.zeros_like(A)
        dsnr_db = torch.zeros_like(snr_db) if snr_db is not None else None
        g_h = None
        for idx in reversed(range(len(ctx.states))):
            sl = slice(idx * seg, min(length, (idx + 1) * seg))
            with torch.enable_grad():
                leaves = [t[..., sl].detach().requires_grad_() for t in (u, delta, B, C)]
                a_leaf = A.detach().requires_grad_()
                snr_db_leaf = snr_db.detach().requires_grad_() if snr_db is not None else None
                h0 = ctx.states[idx]
                h0 = h0.detach().requires_grad_() if h0 is not None else None
                y, h_end = scan_segment(leaves[0], leaves[1], a_leaf, leaves[2], leaves[3], h0,
                                        None if inj is None else inj[sl], snr_db_leaf)
                outs, grads = [y], [gy[..., sl]]
                if g_h is not None:
                    outs.append(h_end)
                    grads.append(g_h)
                wrt = leaves + [a_leaf] + [t for t in (snr_db_leaf, h0) if t is not None]
                got = torch.autograd.grad(outs, wrt, grads, allow_unused=True)
            got = [torch.zeros_like(w) if g is None else g for g, w in zip(got, wrt)]
            for full, part in zip((du, ddelta, dB, dC), got[:4]):
                full[..., sl] = part
            dA += got[4]
            rest = got[5:]
            if snr_db_leaf is not None:
                dsnr_db += rest[0]
                rest = rest[1:]
            g_h = rest[0] if h0 is not None else None
        return None, None, du, ddelta, dA, dB, dC, dsnr_db


@register_backend("chunked", lambda p: True)
def scan_chunked(p: ScanInputs) -> torch.Tensor:
    """Run ``p`` with the chunked PyTorch scan (checkpointed segments when grads are needed)."""
    length = p.u.shape[-1]
    steps = p.injection_steps(length)
    inj = None
    if steps:
        inj = torch.zeros(length, dtype=torch.bool, device=p.u.device)
        inj[steps] = True
    snr_db = p.snr_db if steps else None
    tensors = (p.u, p.delta, p.A, p.B, p.C) + ((snr_db,) if snr_db is not None else ())
    if torch.is_grad_enabled() and any(t.requires_grad for t in tensors):
        return p.finish(_Checkpointed.apply(SEGMENT, inj, p.u, p.delta, p.A, p.B, p.C, snr_db))
    return p.finish(scan_segment(p.u, p.delta, p.A, p.B, p.C, None, inj, snr_db)[0])
