r"""Compiled CPU backend: OpenMP C++ kernel (``csrc/selective_scan.cpp``), forward and backward.

The kernel is built on first use with :func:`torch.utils.cpp_extension.load` (gcc + ninja,
``-O3 -march=native -fopenmp``) into PyTorch's extension cache (``TORCH_EXTENSIONS_DIR``,
default ``~/.cache/torch_extensions``); the library name carries a hash of the source, the
CPU flags, the Python environment and the torch version, so a changed kernel or another CPU
never reuses a stale build and two environments never rebuild each other's. It exposes a
plain C ABI (no torch headers, about a second to compile) called through :mod:`ctypes`.
If compilation fails, a warning is issued once and ``backend="auto"`` falls back to the
pure-PyTorch chunked path.

The kernel is fused like mamba-ssm's: it applies the bias and softplus to ``delta``,
the ``D`` skip, the ``z`` gate and CSI-ReST itself, so no [B, D, L] intermediates are
made in PyTorch. Work split: one OpenMP task per (batch element, block of
:data:`BLOCK` channels); the ``BLOCK`` channels are the SIMD lanes and the loop runs over
``t`` and ``n`` (one ``exp`` and three multiply-adds per (t, d, n)); [B, D, L] tensors
are moved through small time-major tiles, ``B``/``C`` are passed time-major [B, L, N].
Memory: inputs + output + the state every :data:`CHECKPOINT` steps
([B, D, L/CHECKPOINT, N], kept only when a gradient is needed). The backward recomputes
each chunk's states from its checkpoint (``O(CHECKPOINT·N·BLOCK)`` scratch per thread)
and sweeps it in reverse; sums over channels (``dB``, ``dC``) go through per-thread
[L, N] buffers. Threads: ``torch.get_num_threads()`` (one for tiny scans).
"""
from __future__ import annotations

import ctypes
import hashlib
import platform
import sys
import threading
import warnings
from pathlib import Path

import torch
import torch.nn.functional as F

from linksim.mamba.scan_common import register_backend
from linksim.mamba.scan_common import ScanInputs

#: steps between stored states (memory B*D*N*L/CHECKPOINT for the backward)
CHECKPOINT = 64
#: channels per vector block of the kernel (kW in the C++ source); D is padded to a multiple
BLOCK = 16
#: largest state size N the kernel accepts (kMaxN)
MAX_STATE = 256
#: scans with fewer B*D*L*N elements run on one thread (thread start-up would dominate)
SERIAL_BELOW = 1 << 16
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


class _Args(ctypes.Structure):
    """Mirror of ``struct Args`` in the C++ source (pointers as integers, 0 = null)."""

    _fields_ = ([(f, ctypes.c_void_p) for f in ("u", "dl", "AT", "Bt", "Ct", "bias", "Dskip", "z", "snr_db",
                                                 "inj", "y", "ck", "gy", "du", "ddl", "dAT", "dBt", "dCt",
                                                 "dbias", "dD", "dz", "dsnr_db")]
                + [(f, ctypes.c_int64) for f in ("B", "D", "L", "N", "K")]
                + [("softplus", ctypes.c_int32), ("nt", ctypes.c_int32)])


def _build() -> ctypes.CDLL:
    from torch.utils.cpp_extension import load

    # one build per (source, flags, CPU, Python environment, torch): environments sharing
    # TORCH_EXTENSIONS_DIR never overwrite (and so rebuild) each other's library
    env = f"{sys.prefix} {torch.__version__}"
    digest = hashlib.sha1((_SOURCE.read_text() + " ".join(_FLAGS) + _cpu_flags() + env)
                          .encode()).hexdigest()[:12]
    path = load(name=f"linksim_selective_scan_{digest}", sources=[str(_SOURCE)],
                extra_cflags=_FLAGS, extra_ldflags=["-fopenmp"], is_python_module=False,
                verbose=False)
    lib = ctypes.CDLL(path)
    if lib.ss_args_size() != ctypes.sizeof(_Args) or lib.ss_block() != BLOCK:
        raise RuntimeError("C++ kernel ABI does not match linksim/mamba/scan_cpp.py")
    for name in ("ss_fwd_f32", "ss_fwd_f64", "ss_bwd_f32", "ss_bwd_f64"):
        getattr(lib, name).argtypes = [ctypes.POINTER(_Args)]
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


def _threads(b: int, d: int, length: int, n: int) -> int:
    """OpenMP threads: one per (batch, channel block) task at most, one for tiny scans."""
    if b * d * length * n < SERIAL_BELOW:
        return 1
    return max(1, min(torch.get_num_threads(), b * -(-d // BLOCK)))


def _ptr(t: torch.Tensor | None) -> int | None:
    return None if t is None else t.data_ptr()


def _call(kind: str, dtype: torch.dtype, **buffers) -> None:
    """Fill an :class:`_Args` from tensors/ints and run ``ss_{kind}_{f32|f64}``."""
    args = _Args(**{k: (_ptr(v) if isinstance(v, torch.Tensor) or v is None else v)
                    for k, v in buffers.items()})
    fn = getattr(library(), f"ss_{kind}_{'f32' if dtype == torch.float32 else 'f64'}")
    fn(ctypes.byref(args))


class _CppScan(torch.autograd.Function):
    """Fused scan (bias, softplus, D skip, z gate, CSI-ReST) with the C++ kernels.

    Inputs: u, delta [B, D, L] contiguous (delta raw, before bias/softplus); AT [N, Dp]
    (A transposed, zero-padded to whole :data:`BLOCK` channel blocks); Bt, Ct [B, L, N];
    bias, Dskip [Dp] or None; z [B, D, L] or None; snr_db [B] or None; inj [L] uint8 or None.
    Output y [B, D, L].
    """

    @staticmethod
    def forward(ctx, u, delta, AT, Bt, Ct, bias, Dskip, z, snr_db, inj, softplus):
        b, d, length = u.shape
        n = AT.shape[0]
        y = torch.empty_like(u)
        need_grad = any(ctx.needs_input_grad)
        ck = u.new_empty(b, AT.shape[1] // BLOCK, -(-length // CHECKPOINT), n, BLOCK) if need_grad else None
        dims = dict(B=b, D=d, L=length, N=n, K=CHECKPOINT, softplus=int(softplus), nt=_threads(b, d, length, n))
        _call("fwd", u.dtype, u=u, dl=delta, AT=AT, Bt=Bt, Ct=Ct, bias=bias, Dskip=Dskip, z=z, snr_db=snr_db,
              inj=inj, y=y, ck=ck, **dims)
        if need_grad:
            ctx.dims = dims
            ctx.save_for_backward(u, delta, AT, Bt, Ct, bias, Dskip, z, snr_db, inj, ck)
        return y

    @staticmethod
    def backward(ctx, gy):
        u, delta, AT, Bt, Ct, bias, Dskip, z, snr_db, inj, ck = ctx.saved_tensors
        du, ddelta = torch.empty_like(u), torch.empty_like(u)
        dAT, dBt, dCt = torch.zeros_like(AT), torch.zeros_like(Bt), torch.zeros_like(Ct)
        dbias, dD = u.new_zeros(AT.shape[1]), u.new_zeros(AT.shape[1])
        dz = torch.empty_like(z) if z is not None else None
        dsnr_db = torch.zeros_like(snr_db) if snr_db is not None else None
        _call("bwd", u.dtype, u=u, dl=delta, AT=AT, Bt=Bt, Ct=Ct, bias=bias, Dskip=Dskip, z=z, snr_db=snr_db,
              inj=inj, ck=ck, gy=gy.contiguous(), du=du, ddl=ddelta, dAT=dAT, dBt=dBt, dCt=dCt,
              dbias=dbias, dD=dD, dz=dz, dsnr_db=dsnr_db, **ctx.dims)
        return (du, ddelta, dAT, dBt, dCt, dbias if bias is not None else None,
                dD if Dskip is not None else None, dz, dsnr_db, None, None)


def _available(p: ScanInputs) -> bool:
    return (p.u.device.type == "cpu" and p.u.dtype in (torch.float32, torch.float64)
            and p.A.shape[1] <= MAX_STATE and library() is not None)


@register_backend("cpp", _available)
def scan_cpp(p: ScanInputs) -> torch.Tensor:
    """Run ``p`` with the compiled kernel (see the module docstring)."""
    dtype = p.u.dtype
    d, length = p.u.shape[1], p.u.shape[2]
    pad = -d % BLOCK  # padded channels have u = Δ = A = 0: their state never leaves 0

    def cast(t: torch.Tensor | None, padded: bool = False) -> torch.Tensor | None:
        if t is None:
            return None
        t = t.to(dtype)
        return (F.pad(t, (0, pad)) if padded and pad else t).contiguous()

    AT = F.pad(p.A.to(dtype), (0, 0, 0, pad)).t().contiguous()
    Bt = p.B.to(dtype).transpose(1, 2).contiguous()
    Ct = p.C.to(dtype).transpose(1, 2).contiguous()
    steps = p.injection_steps(length)
    inj, snr_db = None, None
    if steps:
        inj = torch.zeros(length, dtype=torch.uint8)
        inj[steps] = 1
        snr_db = cast(p.snr_db)
    return _CppScan.apply(cast(p.u), cast(p.delta_raw), AT, Bt, Ct, cast(p.delta_bias, True),
                          cast(p.D, True), cast(p.z), snr_db, inj, p.delta_softplus)
