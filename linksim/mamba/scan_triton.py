r"""Triton GPU backend (``backend="triton"``): the fused selective scan with CSI-ReST, forward
and backward (kernels in :mod:`.scan_triton_kernels`).

Everything the scan does runs in the kernels: the bias and softplus of :math:`\Delta`, the
``D`` skip, the ``z`` gate, CSI-ReST's assignment into state element 0 at the scheduled
steps (both ``csi_mode`` s, with its exact gradient) and, for a GSSM scan, each scan order's
index map. Inputs may be float32, bfloat16 or float16 (the state and every accumulation are
float32; the output has the dtype of ``u``, each gradient the dtype of its input). The
sequence is processed in chunks of :data:`CHUNK` steps with the state carried in registers;
the backward recomputes each chunk's states from the chunk-start states the forward keeps
([B, D, L/CHUNK, N] float32, only when a gradient is needed).

Triton is imported only when this backend is first used. ``backend="auto"`` picks it for
CUDA tensors when Triton imports; with ``TRITON_INTERPRET=1`` (set before Triton is
imported) it also runs CPU tensors through Triton's interpreter, which is how the tests check
it on machines without a GPU.
"""
from __future__ import annotations

import os
import warnings

import torch

from linksim.mamba.scan_common import ScanInputs, register_backend

#: scan steps per chunk, channels per program, warps of the forward (the backward uses twice
#: as many) on a GPU; ``LINKSIM_TRITON_BLOCKS="CHUNK,BLOCK_D"`` overrides the first two (powers
#: of two; benchmarks/gpu_check.sh times a few); the interpreter uses small blocks
CHUNK, BLOCK_D, WARPS = 32, 4, 4
_INTERPRET_BLOCKS = (8, 4)


def _interpreting() -> bool:
    return os.environ.get("TRITON_INTERPRET", "0") == "1"


def _triton_ok() -> bool:
    try:
        import triton  # noqa: F401
    except Exception:  # noqa: BLE001 - not installed, or broken for this torch
        return False
    return True


def _available(p: ScanInputs) -> bool:
    on_device = p.u.device.type == "cuda" or (p.u.device.type == "cpu" and _interpreting())
    return (on_device and p.u.dtype in (torch.float32, torch.bfloat16, torch.float16)
            and p.A.shape[-1] <= 256 and _triton_ok()
            and (p.u.device.type == "cpu" or _self_check(str(p.u.device))))


_checked: dict[str, bool] = {}


def _self_check(device: str) -> bool:
    """Once per device: a small scan with CSI-ReST, forward and backward, against the chunked
    backend on the same device. If Triton cannot compile the kernels for this GPU (or they
    disagree), warn once and let ``backend="auto"`` use the next backend."""
    if device not in _checked:
        grad_mode = torch.is_grad_enabled()
        torch.set_grad_enabled(True)  # restored below (the check may run under no_grad)
        try:
            from linksim.mamba.scan_chunked import scan_chunked
            from linksim.mamba.scan_common import prepare

            g = torch.Generator().manual_seed(0)
            b, d, n, length = 2, 5, 3, 37
            x = [torch.randn(*s, generator=g).to(device).requires_grad_()
                 for s in ((b, d, length), (b, d, length), (b, n, length), (b, n, length))]
            a = (-0.1 - torch.rand(d, n, generator=g)).to(device).requires_grad_()
            outs = []
            for fn in (scan_triton, scan_chunked):
                p = prepare(x[0], x[1], a, x[2], x[3], None, None, None, True,
                            torch.full((b,), 7.0, device=device), 8, "paper")
                y = fn(p)
                outs.append([y] + list(torch.autograd.grad(y.square().sum(), x + [a])))
            ok = all(torch.allclose(t, r, rtol=1e-3, atol=1e-3) for t, r in zip(*outs))
            why = "its results differ from the chunked backend's"
        except Exception as exc:  # noqa: BLE001 - any compile/launch failure means "do not use"
            ok, why = False, f"{type(exc).__name__}: {str(exc).strip()[:300]}"
        finally:
            torch.set_grad_enabled(grad_mode)
        if not ok:
            warnings.warn(f"linksim.mamba: the Triton scan kernel failed its check on {device} ({why}); "
                          f"backend='auto' uses the next backend", RuntimeWarning, stacklevel=4)
        _checked[device] = ok
    return _checked[device]


def _blocks(n: int) -> tuple[int, int, int]:
    import triton

    cl, bd = _INTERPRET_BLOCKS if _interpreting() else (CHUNK, BLOCK_D)
    if os.environ.get("LINKSIM_TRITON_BLOCKS"):
        cl, bd = (int(v) for v in os.environ["LINKSIM_TRITON_BLOCKS"].split(","))
    return cl, bd, max(2, triton.next_power_of_2(n))


def _s3(t: torch.Tensor | None) -> tuple[int, int, int]:
    return tuple(t.stride()) if t is not None else (0, 0, 0)


class _TritonScan(torch.autograd.Function):
    """One scan order: u, delta_raw, z [B, D, L], A [D, N], B, C [B, N, L] (any strides),
    bias, Dskip [D] or None, snr_db [B] or None, inj [L] uint8 or None, pos [L] int64 or None."""

    @staticmethod
    def forward(ctx, u, delta, A, B, C, bias, Dskip, z, snr_db, inj, pos, softplus):
        from linksim.mamba.scan_triton_kernels import scan_fwd_kernel

        b, d, length = u.shape
        n = A.shape[1]
        cl, bd, bn = _blocks(n)
        nck = -(-length // cl)
        need_grad = any(ctx.needs_input_grad)
        y = torch.empty_like(u)
        ck = torch.empty(b, d, nck, n, device=u.device, dtype=torch.float32) if need_grad else y
        dummy = u
        scan_fwd_kernel[(b, -(-d // bd))](
            u, delta, A, B, C, bias if bias is not None else dummy, Dskip if Dskip is not None else dummy,
            z if z is not None else dummy, snr_db if snr_db is not None else dummy,
            inj if inj is not None else dummy, pos if pos is not None else dummy, y, ck,
            length, d, n, nck, *u.stride(), *delta.stride(), *A.stride(), *B.stride(), *C.stride(),
            *_s3(z), *y.stride(),
            HAS_BIAS=bias is not None, HAS_D=Dskip is not None, HAS_Z=z is not None,
            HAS_CSI=inj is not None, HAS_POS=pos is not None, SOFTPLUS=bool(softplus),
            STORE_CK=need_grad, CL=cl, BD=bd, BN=bn, num_warps=WARPS)
        if need_grad:
            ctx.softplus = bool(softplus)
            ctx.save_for_backward(u, delta, A, B, C, bias, Dskip, z, snr_db, inj, pos, ck)
        return y

    @staticmethod
    def backward(ctx, gy):
        from linksim.mamba.scan_triton_kernels import scan_bwd_kernel

        u, delta, A, B, C, bias, Dskip, z, snr_db, inj, pos, ck = ctx.saved_tensors
        b, d, length = u.shape
        n = A.shape[1]
        cl, bd, bn = _blocks(n)
        nck, nblk = ck.shape[2], -(-d // bd)
        f32 = dict(device=u.device, dtype=torch.float32)
        du, ddl = torch.empty(b, d, length, **f32), torch.empty(b, d, length, **f32)
        dz = torch.empty(b, d, length, **f32) if z is not None else du
        dA, dD, dbias = torch.empty(b, d, n, **f32), torch.empty(b, d, **f32), torch.empty(b, d, **f32)
        dB, dC = torch.empty(nblk, b, length, n, **f32), torch.empty(nblk, b, length, n, **f32)
        dsnr = torch.empty(b, nblk, **f32)
        dummy = u
        scan_bwd_kernel[(b, nblk)](
            u, delta, A, B, C, bias if bias is not None else dummy, Dskip if Dskip is not None else dummy,
            z if z is not None else dummy, snr_db if snr_db is not None else dummy,
            inj if inj is not None else dummy, pos if pos is not None else dummy, ck, gy,
            du, ddl, dz, dA, dB, dC, dD, dbias, dsnr,
            length, d, n, nck, nblk, *u.stride(), *delta.stride(), *A.stride(), *B.stride(), *C.stride(),
            *_s3(z), *gy.stride(),
            HAS_BIAS=bias is not None, HAS_D=Dskip is not None, HAS_Z=z is not None,
            HAS_CSI=inj is not None, HAS_POS=pos is not None, SOFTPLUS=ctx.softplus,
            CL=cl, BD=bd, BN=bn, num_warps=2 * WARPS)

        def cast(g, ref):
            return None if ref is None else g.to(ref.dtype)

        return (cast(du, u), cast(ddl, delta), cast(dA.sum(0), A), cast(dB.sum(0).transpose(1, 2), B),
                cast(dC.sum(0).transpose(1, 2), C), cast(dbias.sum(0), bias), cast(dD.sum(0), Dskip),
                cast(dz, z) if z is not None else None, cast(dsnr.sum(1), snr_db), None, None, None)


def _run(p: ScanInputs, k: int | None, inj: torch.Tensor | None) -> torch.Tensor:
    """Order ``k`` of a GSSM scan (its tensors as views, its index map), or the plain scan."""
    def pick(t):
        return t if (t is None or k is None) else t[k]

    pos = p.positions[k].contiguous() if k is not None else None
    snr_db = p.snr_db.contiguous() if inj is not None else None
    return _TritonScan.apply(p.u, pick(p.delta_raw), pick(p.A), pick(p.B), pick(p.C), pick(p.delta_bias),
                             pick(p.D), p.z, snr_db, inj, pos, p.delta_softplus)


@register_backend("triton", _available, multi_order=True)
def scan_triton(p: ScanInputs) -> torch.Tensor:
    """Run ``p`` (one scan, or every order of a GSSM scan through its index map) with Triton."""
    length = p.u.shape[-1]
    steps = p.injection_steps(length)
    inj = None
    if steps:
        inj = torch.zeros(length, dtype=torch.uint8, device=p.u.device)
        inj[steps] = 1
    if p.positions is None:
        return _run(p, None, inj)
    y = None
    for k in range(p.positions.shape[0]):
        yk = _run(p, k, inj)
        y = yk if y is None else y + yk
    return y
