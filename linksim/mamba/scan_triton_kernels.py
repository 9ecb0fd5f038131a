r"""Triton kernels of the selective scan with CSI-ReST (forward and backward), used by
:mod:`linksim.mamba.scan_triton`; importing this module imports Triton.

One program runs one batch element ``b`` and a block of ``BD`` channels over all ``N``
states (``BN``: N rounded up to a power of two), in chunks of ``CL`` scan steps. Inside a
chunk the linear recurrence :math:`h_t = a'_t h_{t-1} + x'_t` is an associative scan over
the pairs :math:`(a'_t, x'_t)` (``tl.associative_scan``), with CSI-ReST folded in exactly as
:math:`a'_t[0] = 0,\ x'_t[0] = x_t[0] + a_t[0]\gamma` at the written steps; the state between
chunks is carried in registers (fp32 whatever the input dtype). Every tensor is read and
written through its strides, and scan step ``t`` visits sequence position ``pos[t]`` when an
index map is given (the GSSM scan orders), so no permuted or transposed copy is made.

The forward stores the state entering each chunk (``ck`` [B, D, nchunks, N], fp32) when a
gradient is needed. The backward walks the chunks in reverse: it recomputes the chunk's
states :math:`h_t` and :math:`h_{t-1}` (two scans, the second on the coefficients of the
previous step, so no division by :math:`a_t`), runs the adjoint recurrence
:math:`\lambda_t = C_t g_t + a'_{t+1}\lambda_{t+1}` as a reverse associative scan with the
adjoint carried between chunks, and forms every gradient from :math:`\lambda` and the states.
Sums over channel blocks (dB, dC, dsnr) and over the batch (dA, dD, dbias) are written as
per-program partials and summed by the caller (deterministic, no atomics).
"""
from __future__ import annotations

import triton
import triton.language as tl


@triton.jit
def _combine(a1, x1, a2, x2):
    return a1 * a2, a2 * x1 + x2


@triton.jit
def _steps(t, L, pos_ptr, HAS_POS: tl.constexpr):
    """Sequence positions of scan steps t (0 where t is outside [0, L)) and their validity."""
    valid = (t >= 0) & (t < L)
    if HAS_POS:
        p = tl.load(pos_ptr + t, mask=valid, other=0)
    else:
        p = tl.where(valid, t, 0)
    return p, valid


@triton.jit
def _coeffs(t, L, b, offs_d, mask_d, offs_n, mask_n, A, bias, gamma,
            u_ptr, su_b, su_d, su_t, dl_ptr, sl_b, sl_d, sl_t,
            B_ptr, sb_b, sb_n, sb_t, inj_ptr, pos_ptr,
            HAS_POS: tl.constexpr, HAS_CSI: tl.constexpr, SOFTPLUS: tl.constexpr):
    """Coefficients of scan steps t [R]: a' and x' [R, BD, BN] (identity (1, 0) outside
    [0, L)), the unfolded a, Δ and dΔ/dδ [R, BD], u [R, BD], the injection flags [R] and
    the positions p [R]."""
    p, valid = _steps(t, L, pos_ptr, HAS_POS)
    m2 = valid[:, None] & mask_d[None, :]
    u = tl.load(u_ptr + b * su_b + offs_d[None, :] * su_d + p[:, None] * su_t, mask=m2, other=0.0).to(tl.float32)
    raw = tl.load(dl_ptr + b * sl_b + offs_d[None, :] * sl_d + p[:, None] * sl_t, mask=m2,
                  other=0.0).to(tl.float32) + bias[None, :]
    if SOFTPLUS:
        dt = tl.where(raw > 20.0, raw, tl.maximum(raw, 0.0) + tl.log(1.0 + tl.exp(-tl.abs(raw))))
        slope = tl.where(raw > 20.0, 1.0, 1.0 / (1.0 + tl.exp(-raw)))
    else:
        dt = raw
        slope = tl.full(raw.shape, 1.0, tl.float32)
    dt = tl.where(m2, dt, 0.0)
    Bv = tl.load(B_ptr + b * sb_b + offs_n[None, :] * sb_n + p[:, None] * sb_t,
                 mask=valid[:, None] & mask_n[None, :], other=0.0).to(tl.float32)
    a = tl.exp(dt[:, :, None] * A[None, :, :])
    x = (dt * u)[:, :, None] * Bv[:, None, :]
    a_f = a
    x_f = x
    inj = tl.zeros(t.shape, tl.int1)
    if HAS_CSI:
        inj = tl.load(inj_ptr + t, mask=valid, other=0) != 0
        hit = inj[:, None, None] & (offs_n == 0)[None, None, :]
        x_f = tl.where(hit, x + a * gamma, x)
        a_f = tl.where(hit, 0.0, a)
    a_f = tl.where(valid[:, None, None], a_f, 1.0)
    x_f = tl.where(valid[:, None, None], x_f, 0.0)
    return a_f, x_f, a, dt, slope, u, inj, p, valid, Bv


@triton.jit
def _last_row(v, rows, R: tl.constexpr):
    return tl.sum(tl.where((rows == R - 1)[:, None, None], v, 0.0), axis=0)


@triton.jit
def _first_row(v, rows):
    return tl.sum(tl.where((rows == 0)[:, None, None], v, 0.0), axis=0)


@triton.jit
def scan_fwd_kernel(u_ptr, dl_ptr, A_ptr, B_ptr, C_ptr, bias_ptr, Dsk_ptr, z_ptr, snr_ptr, inj_ptr,
                    pos_ptr, y_ptr, ck_ptr, L, D, N, NCK,
                    su_b, su_d, su_t, sl_b, sl_d, sl_t, sa_d, sa_n, sb_b, sb_n, sb_t,
                    sc_b, sc_n, sc_t, sz_b, sz_d, sz_t, sy_b, sy_d, sy_t,
                    HAS_BIAS: tl.constexpr, HAS_D: tl.constexpr, HAS_Z: tl.constexpr,
                    HAS_CSI: tl.constexpr, HAS_POS: tl.constexpr, SOFTPLUS: tl.constexpr,
                    STORE_CK: tl.constexpr, CL: tl.constexpr, BD: tl.constexpr, BN: tl.constexpr):
    b = tl.program_id(0)
    offs_d = tl.program_id(1) * BD + tl.arange(0, BD)
    offs_n = tl.arange(0, BN)
    mask_d = offs_d < D
    mask_n = offs_n < N
    rows = tl.arange(0, CL)
    A = tl.load(A_ptr + offs_d[:, None] * sa_d + offs_n[None, :] * sa_n,
                mask=mask_d[:, None] & mask_n[None, :], other=0.0).to(tl.float32)
    bias = tl.zeros([BD], tl.float32)
    if HAS_BIAS:
        bias = tl.load(bias_ptr + offs_d, mask=mask_d, other=0.0).to(tl.float32)
    dsk = tl.zeros([BD], tl.float32)
    if HAS_D:
        dsk = tl.load(Dsk_ptr + offs_d, mask=mask_d, other=0.0).to(tl.float32)
    gamma = 0.0
    if HAS_CSI:
        gamma = tl.load(snr_ptr + b).to(tl.float32)
    h = tl.zeros([BD, BN], tl.float32)
    # while, not range(NCK): Triton 3.6's interpreter cannot range over a runtime bound with
    # NumPy >= 2.4 (int() of a 1-element array); compiled code is the same loop
    c = 0
    while c < NCK:
        t = c * CL + rows
        if STORE_CK:
            tl.store(ck_ptr + ((b * D + offs_d[:, None]) * NCK + c) * N + offs_n[None, :], h,
                     mask=mask_d[:, None] & mask_n[None, :])
        a_f, x_f, a, dt, slope, u, inj, p, valid, Bv = _coeffs(
            t, L, b, offs_d, mask_d, offs_n, mask_n, A, bias, gamma, u_ptr, su_b, su_d, su_t,
            dl_ptr, sl_b, sl_d, sl_t, B_ptr, sb_b, sb_n, sb_t, inj_ptr, pos_ptr, HAS_POS, HAS_CSI, SOFTPLUS)
        acum, hl = tl.associative_scan((a_f, x_f), 0, _combine)
        hs = hl + acum * h[None, :, :]
        Cv = tl.load(C_ptr + b * sc_b + offs_n[None, :] * sc_n + p[:, None] * sc_t,
                     mask=valid[:, None] & mask_n[None, :], other=0.0).to(tl.float32)
        y = tl.sum(hs * Cv[:, None, :], axis=2) + dsk[None, :] * u
        m2 = valid[:, None] & mask_d[None, :]
        if HAS_Z:
            z = tl.load(z_ptr + b * sz_b + offs_d[None, :] * sz_d + p[:, None] * sz_t, mask=m2,
                        other=0.0).to(tl.float32)
            y = y * z / (1.0 + tl.exp(-z))
        tl.store(y_ptr + b * sy_b + offs_d[None, :] * sy_d + p[:, None] * sy_t,
                 y.to(y_ptr.dtype.element_ty), mask=m2)
        h = _last_row(hs, rows, CL)
        c += 1


@triton.jit
def scan_bwd_kernel(u_ptr, dl_ptr, A_ptr, B_ptr, C_ptr, bias_ptr, Dsk_ptr, z_ptr, snr_ptr, inj_ptr,
                    pos_ptr, ck_ptr, gy_ptr,
                    du_ptr, ddl_ptr, dz_ptr, dA_ptr, dB_ptr, dC_ptr, dD_ptr, dbias_ptr, dsnr_ptr,
                    L, D, N, NCK, NBLK,
                    su_b, su_d, su_t, sl_b, sl_d, sl_t, sa_d, sa_n, sb_b, sb_n, sb_t,
                    sc_b, sc_n, sc_t, sz_b, sz_d, sz_t, sg_b, sg_d, sg_t,
                    HAS_BIAS: tl.constexpr, HAS_D: tl.constexpr, HAS_Z: tl.constexpr,
                    HAS_CSI: tl.constexpr, HAS_POS: tl.constexpr, SOFTPLUS: tl.constexpr,
                    CL: tl.constexpr, BD: tl.constexpr, BN: tl.constexpr):
    """Outputs (fp32): du, ddl, dz [B, D, L] contiguous at sequence positions; dA [B, D, N];
    dB, dC [NBLK, B, L, N]; dD, dbias [B, D]; dsnr [B, NBLK] (partials the caller sums)."""
    b = tl.program_id(0)
    blk = tl.program_id(1)
    offs_d = blk * BD + tl.arange(0, BD)
    offs_n = tl.arange(0, BN)
    mask_d = offs_d < D
    mask_n = offs_n < N
    mdn = mask_d[:, None] & mask_n[None, :]
    rows = tl.arange(0, CL)
    A = tl.load(A_ptr + offs_d[:, None] * sa_d + offs_n[None, :] * sa_n, mask=mdn, other=0.0).to(tl.float32)
    bias = tl.zeros([BD], tl.float32)
    if HAS_BIAS:
        bias = tl.load(bias_ptr + offs_d, mask=mask_d, other=0.0).to(tl.float32)
    dsk = tl.zeros([BD], tl.float32)
    if HAS_D:
        dsk = tl.load(Dsk_ptr + offs_d, mask=mask_d, other=0.0).to(tl.float32)
    gamma = 0.0
    if HAS_CSI:
        gamma = tl.load(snr_ptr + b).to(tl.float32)
    lam_next = tl.zeros([BD, BN], tl.float32)  # adjoint of the state after the chunk's last step
    dA_acc = tl.zeros([BD, BN], tl.float32)
    dD_acc = tl.zeros([BD], tl.float32)
    db_acc = tl.zeros([BD], tl.float32)
    dsnr_acc = tl.zeros([BD, BN], tl.float32)
    c = NCK - 1
    while c >= 0:
        t = c * CL + rows
        h0 = tl.load(ck_ptr + ((b * D + offs_d[:, None]) * NCK + c) * N + offs_n[None, :], mask=mdn, other=0.0)
        a_f, x_f, a, dt, slope, u, inj, p, valid, Bv = _coeffs(
            t, L, b, offs_d, mask_d, offs_n, mask_n, A, bias, gamma, u_ptr, su_b, su_d, su_t,
            dl_ptr, sl_b, sl_d, sl_t, B_ptr, sb_b, sb_n, sb_t, inj_ptr, pos_ptr, HAS_POS, HAS_CSI, SOFTPLUS)
        acum, hl = tl.associative_scan((a_f, x_f), 0, _combine)
        hs = hl + acum * h0[None, :, :]                       # h_t
        # h_{t-1}: the same scan over the previous step's coefficients (identity at t = c*CL)
        pa_f, px_f, _a, _dt, _sl, _u, _inj, _p, _v, _B = _coeffs(
            t - 1, L, b, offs_d, mask_d, offs_n, mask_n, A, bias, gamma, u_ptr, su_b, su_d, su_t,
            dl_ptr, sl_b, sl_d, sl_t, B_ptr, sb_b, sb_n, sb_t, inj_ptr, pos_ptr, HAS_POS, HAS_CSI, SOFTPLUS)
        first = (rows == 0)[:, None, None]
        pa_f = tl.where(first, 1.0, pa_f)
        px_f = tl.where(first, 0.0, px_f)
        pacum, phl = tl.associative_scan((pa_f, px_f), 0, _combine)
        hprev = phl + pacum * h0[None, :, :]                  # h_{t-1} (before the write at t)
        if HAS_CSI:
            hit = inj[:, None, None] & (offs_n == 0)[None, None, :]
            hprev = tl.where(hit, gamma, hprev)               # the state step t reads
        m2 = valid[:, None] & mask_d[None, :]
        Cv = tl.load(C_ptr + b * sc_b + offs_n[None, :] * sc_n + p[:, None] * sc_t,
                     mask=valid[:, None] & mask_n[None, :], other=0.0).to(tl.float32)
        g = tl.load(gy_ptr + b * sg_b + offs_d[None, :] * sg_d + p[:, None] * sg_t, mask=m2,
                    other=0.0).to(tl.float32)
        out_off = (b * D + offs_d[None, :]) * L + p[:, None]
        if HAS_Z:
            z = tl.load(z_ptr + b * sz_b + offs_d[None, :] * sz_d + p[:, None] * sz_t, mask=m2,
                        other=0.0).to(tl.float32)
            y = tl.sum(hs * Cv[:, None, :], axis=2) + dsk[None, :] * u
            sz = 1.0 / (1.0 + tl.exp(-z))
            tl.store(dz_ptr + out_off, g * y * sz * (1.0 + z * (1.0 - sz)), mask=m2)
            g = g * z * sz
        # adjoint: lambda_t = C_t g_t + a'_{t+1} lambda_{t+1} (a' of the next step, 0 past L)
        na_f, _x, _a2, _dt2, _sl2, _u2, _inj2, _p2, nvalid, _B2 = _coeffs(
            t + 1, L, b, offs_d, mask_d, offs_n, mask_n, A, bias, gamma, u_ptr, su_b, su_d, su_t,
            dl_ptr, sl_b, sl_d, sl_t, B_ptr, sb_b, sb_n, sb_t, inj_ptr, pos_ptr, HAS_POS, HAS_CSI, SOFTPLUS)
        na_f = tl.where(nvalid[:, None, None], na_f, 0.0)
        beta = g[:, :, None] * Cv[:, None, :]
        racum, lam = tl.associative_scan((na_f, beta), 0, _combine, reverse=True)
        lam = lam + racum * lam_next[None, :, :]
        lam_next = _first_row(lam, rows)
        # gradients of step t
        da = lam * hprev * a                                   # dLoss / d(dt * A)
        ddt = tl.sum(da * A[None, :, :], axis=2)
        lb = tl.sum(lam * Bv[:, None, :], axis=2)              # sum_n lambda B
        ddt += u * lb
        dA_acc += tl.sum(da * dt[:, :, None], axis=0)
        du = dt * lb + dsk[None, :] * g
        ddl = ddt * slope
        tl.store(du_ptr + out_off, du, mask=m2)
        tl.store(ddl_ptr + out_off, ddl, mask=m2)
        dD_acc += tl.sum(tl.where(m2, g * u, 0.0), axis=0)
        db_acc += tl.sum(tl.where(m2, ddl, 0.0), axis=0)
        mn = valid[:, None] & mask_n[None, :]
        dBt = tl.sum(lam * (dt * u)[:, :, None], axis=1)       # [CL, BN]
        dCt = tl.sum(hs * g[:, :, None], axis=1)
        part = ((blk * tl.num_programs(0) + b) * L + p[:, None]) * N + offs_n[None, :]
        tl.store(dB_ptr + part, dBt, mask=mn)
        tl.store(dC_ptr + part, dCt, mask=mn)
        if HAS_CSI:
            hit = inj[:, None, None] & (offs_n == 0)[None, None, :] & mask_d[None, :, None]
            dsnr_acc += tl.sum(tl.where(hit, lam * a, 0.0), axis=0)
        c -= 1
    tl.store(dA_ptr + (b * D + offs_d[:, None]) * N + offs_n[None, :], dA_acc, mask=mdn)
    tl.store(dD_ptr + b * D + offs_d, dD_acc, mask=mask_d)
    tl.store(dbias_ptr + b * D + offs_d, db_acc, mask=mask_d)
    tl.store(dsnr_ptr + b * NBLK + blk, tl.sum(tl.sum(dsnr_acc, axis=1), axis=0))
