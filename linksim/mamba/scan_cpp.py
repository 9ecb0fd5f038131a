r"""Compiled CPU backend: OpenMP C++ kernel (``csrc/selective_scan.cpp``), forward and backward.

The kernel is built on first use with :func:`torch.utils.cpp_extension.load` (gcc + ninja,
``-O3 -march=native -fopenmp``) into PyTorch's extension cache (``TORCH_EXTENSIONS_DIR``,
default ``~/.cache/torch_extensions``); the library name carries a hash of the source and of
the CPU flags, so a changed kernel or another CPU never reuses a stale build. It exposes a
plain C ABI (no torch headers, about a second to compile) called through :mod:`ctypes`.
If compilation fails, a warning is issued once and ``backend="auto"`` falls back to the
pure-PyTorch chunked path.

Cost: forward one pass over ``L`` per (b, d) with a vectorized loop over ``N`` (one
``exp`` and two multiply-adds per element), memory = inputs + output + checkpoints of the
state every ``CHECKPOINT`` steps ([B, D, L/CHECKPOINT, N]). Backward recomputes each
chunk's states from its checkpoint (``O(CHECKPOINT * N)`` scratch per thread) and sweeps
it in reverse; ``dB, dC`` are accumulated in per-thread [L, N] buffers.
"""
from __future__ import annotations

import ctypes
import hashlib
import platform
import threading
import warnings
from pathlib import Path

import torch
import torch.nn.functional as F

from linksim.mamba.scan import register_backend
from linksim.mamba.scan_common import ScanInputs

#: steps between stored states (memory B*D*N*L/CHECKPOINT for the backward)
CHECKPOINT = 64
#: channels per vector block of the kernel (kW in the C++ source); D is padded to a multiple
BLOCK = 16
#: largest state size N the kernel accepts (kMaxN)
MAX_STATE = 256
_SOURCE = Path(__file__).resolve().parent / "csrc" / "selective_scan.cpp"
_FLAGS = ["-O3", "-march=native", "-fopenmp", "-fno-math-errno"]
_lock = threading.Lock()
_lib: ctypes.CDLL | None = None
_failed = False


def _cpu_flags() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("flags"):
                return line
    except OSError:
        pass
    return platform.processor()


def _build() -> ctypes.CDLL:
    from torch.utils.cpp_extension import load

    digest = hashlib.sha1((_SOURCE.read_text() + " ".join(_FLAGS) + _cpu_flags()).encode()).hexdigest()[:12]
    path = load(name=f"linksim_selective_scan_{digest}", sources=[str(_SOURCE)],
                extra_cflags=_FLAGS, extra_ldflags=["-fopenmp"], is_python_module=False,
                verbose=False)
    lib = ctypes.CDLL(path)
    ptr, i64, cint = ctypes.c_void_p, ctypes.c_int64, ctypes.c_int
    for suffix in ("f32", "f64"):
        getattr(lib, f"ss_fwd_{suffix}").argtypes = [ptr] * 9 + [i64] * 5 + [cint]
        getattr(lib, f"ss_bwd_{suffix}").argtypes = [ptr] * 15 + [i64] * 5 + [cint]
    return lib


def library() -> ctypes.CDLL | None:
    """The compiled kernel library, building it on first call; ``None`` if compilation failed."""
    global _lib, _failed
    if _lib is None and not _failed:
        with _lock:
            if _lib is None and not _failed:
                try:
                    _lib = _build()
                except Exception as exc:  # noqa: BLE001 - any toolchain failure means "fall back"
                    _failed = True
                    warnings.warn(f"linksim.mamba: compiling the C++ selective-scan kernel failed "
                                  f"({type(exc).__name__}: {str(exc).strip()[:300]}); using the "
                                  f"pure-PyTorch 'chunked' backend instead", RuntimeWarning, stacklevel=3)
    return _lib


def _ptr(t: torch.Tensor | None) -> int | None:
    return None if t is None else t.data_ptr()


def _suffix(dtype: torch.dtype) -> str:
    return "f32" if dtype == torch.float32 else "f64"


class _CppScan(torch.autograd.Function):
    """y = scan(u, Δ, A, B, C; csi) with the C++ kernels, in the kernel's layouts.

    Inputs: u, delta [B, L, Dp] (Dp: D padded to the kernel block); AT [N, Dp]; Bt, Ct
    [B, L, N]; csi [B] or None; inj [L] uint8 or None. Output y [B, L, Dp].
    """

    @staticmethod
    def forward(ctx, u, delta, AT, Bt, Ct, csi, inj):
        lib = library()
        b, length, d = u.shape
        n = AT.shape[0]
        nck = -(-length // CHECKPOINT)
        y = torch.empty_like(u)
        need_grad = any(ctx.needs_input_grad)
        ck = u.new_empty(b, d, nck, n) if need_grad else None
        getattr(lib, f"ss_fwd_{_suffix(u.dtype)}")(
            _ptr(u), _ptr(delta), _ptr(AT), _ptr(Bt), _ptr(Ct), _ptr(inj), _ptr(csi), _ptr(y), _ptr(ck),
            b, d, length, n, CHECKPOINT, torch.get_num_threads())
        if need_grad:
            ctx.save_for_backward(u, delta, AT, Bt, Ct, csi, inj, ck)
        return y

    @staticmethod
    def backward(ctx, gy):
        u, delta, AT, Bt, Ct, csi, inj, ck = ctx.saved_tensors
        lib = library()
        b, length, d = u.shape
        n = AT.shape[0]
        gy = gy.contiguous()
        du, ddelta = torch.empty_like(u), torch.empty_like(u)
        dAT, dBt, dCt = torch.zeros_like(AT), torch.zeros_like(Bt), torch.zeros_like(Ct)
        dcsi = torch.zeros_like(csi) if csi is not None else None
        getattr(lib, f"ss_bwd_{_suffix(u.dtype)}")(
            _ptr(u), _ptr(delta), _ptr(AT), _ptr(Bt), _ptr(Ct), _ptr(inj), _ptr(csi), _ptr(ck), _ptr(gy),
            _ptr(du), _ptr(ddelta), _ptr(dAT), _ptr(dBt), _ptr(dCt), _ptr(dcsi),
            b, d, length, n, CHECKPOINT, torch.get_num_threads())
        return du, ddelta, dAT, dBt, dCt, dcsi, None


def _available(p: ScanInputs) -> bool:
    return (p.u.device.type == "cpu" and p.u.dtype in (torch.float32, torch.float64)
            and p.A.shape[1] <= MAX_STATE and library() is not None)


def _time_major(x: torch.Tensor, pad: int) -> torch.Tensor:
    """[B, C, L] -> contiguous [B, L, C + pad] (zero padding of the channel axis)."""
    x = x.transpose(1, 2)
    return (F.pad(x, (0, pad)) if pad else x).contiguous()


@register_backend("cpp", _available)
def scan_cpp(p: ScanInputs) -> torch.Tensor:
    """Run ``p`` with the compiled kernel (see the module docstring)."""
    dtype = p.u.dtype
    d, length = p.u.shape[1], p.u.shape[2]
    pad = -d % BLOCK
    # padded channels have u = Δ = A = 0: their state stays 0 and their gradients are dropped
    u, delta = _time_major(p.u, pad), _time_major(p.delta.to(dtype), pad)
    AT = (F.pad(p.A.to(dtype), (0, 0, 0, pad)) if pad else p.A.to(dtype)).t().contiguous()
    Bt, Ct = _time_major(p.B.to(dtype), 0), _time_major(p.C.to(dtype), 0)
    steps = p.injection_steps(length)
    inj, csi = None, None
    if steps:
        inj = torch.zeros(length, dtype=torch.uint8)
        inj[steps] = 1
        csi = p.csi.to(dtype).contiguous()
    y = _CppScan.apply(u, delta, AT, Bt, Ct, csi, inj)
    return y[:, :, :d].transpose(1, 2)
