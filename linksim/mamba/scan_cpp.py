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
:data:`BLOCK` channels); the ``BLOCK`` channels are the SIMD lanes (one register: 8 floats
with AVX2, 16 with AVX-512) and the loop runs over ``t`` and ``n`` (one ``exp`` and three
multiply-adds per (t, d, n); about 32 instructions per 8 elements on AVX2). Every tensor is read
and written in place through its strides: [B, D, L] tensors either contiguous or
time-major ([B, L, D] memory, one vector load per step), ``B``/``C`` as [B, L, N] views
with unit stride along N (e.g. column slices of the GSSM projection's output). A GSSM scan
(:func:`linksim.mamba.scan.gssm_scan`) runs all its scan orders in one call: order ``k``
visits the sequence through the index map ``positions[k]`` (reversed, column-major, ...)
and adds its output in place, so no permuted copy is ever made.
Memory: inputs + output + the state every :data:`CHECKPOINT` steps
([B, D, L/CHECKPOINT, N], kept only when a gradient is needed). The backward recomputes
each chunk's states from its checkpoint (``O(CHECKPOINT·N·BLOCK)`` scratch per thread)
and sweeps it in reverse (about 2.2x the forward's instructions); sums over channels
(``dB``, ``dC``) go through per-thread [K, L, N] buffers. Threads: ``torch.get_num_threads()`` (one for tiny scans).
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
#: channels per vector block of the kernel (kW in the C++ source: one SIMD register of floats,
#: 8 with AVX2, 16 with AVX-512; read from the built library); D is padded to a multiple
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

    _fields_ = ([(f, ctypes.c_void_p) for f in ("u", "dl", "AT", "Bc", "Cc", "bias", "Dskip", "z", "snr_db",
                                                 "inj", "pos", "y", "ck", "gy", "du", "ddl", "dAT", "dBc",
                                                 "dCc", "dbias", "dD", "dz", "dsnr_db")]
                + [(f, ctypes.c_int64) for f in ("B", "D", "L", "N", "K", "nd", "s_b", "s_d", "s_t",
                                                  "l_k", "l_b", "l_d", "l_t", "g_k", "g_b", "g_d", "g_t",
                                                  "c_k", "c_b", "c_t", "e_k", "e_b", "e_t")]
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
    global BLOCK
    lib = ctypes.CDLL(path)
    if lib.ss_args_size() != ctypes.sizeof(_Args):
        raise RuntimeError("C++ kernel ABI does not match linksim/mamba/scan_cpp.py")
    BLOCK = lib.ss_block()
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


def _time_major(t: torch.Tensor) -> torch.Tensor:
    """``t`` [..., D, L] with time-major memory ([..., L, D] contiguous): as it is when it is
    (the GSSM's views), else one transposing copy, which costs far less than the per-step
    strided gathers the kernel would otherwise do (N steps of work per element); then
    ``empty_like(t)`` has ``t``'s strides and every load of the kernel is one vector."""
    if t.transpose(-1, -2).is_contiguous():
        return t
    return t.transpose(-1, -2).contiguous().transpose(-1, -2)


def _like(t: torch.Tensor | None, ref: torch.Tensor) -> torch.Tensor | None:
    """``t`` with the strides of ``ref`` (a copy only when they differ)."""
    if t is None or t.stride() == ref.stride():
        return t
    return torch.empty_like(ref).copy_(t)


def _strides(prefix: str, t: torch.Tensor) -> dict[str, int]:
    """Element strides of a [B, D, L] or [K, B, D, L] tensor as kernel fields ``prefix_{k,b,d,t}``."""
    return {f"{prefix}_{c}": s for c, s in zip("kbdt"[4 - t.dim():], t.stride())}


class _CppScan(torch.autograd.Function):
    """Fused scan (bias, softplus, D skip, z gate, CSI-ReST) over ``nd`` orders, C++ kernels.

    Inputs: u [B, D, L] (time-major, see :func:`_time_major`); delta [nd, B, D, L] raw
    (before bias/softplus), time-major likewise; AT [nd, N, Dp] (A transposed, zero-padded to
    whole :data:`BLOCK` channel blocks); Bv, Cv [nd, B, L, N] with unit stride along N and equal
    strides; bias, Dskip [nd, Dp] or None; z (like u, ``nd = 1`` only) or None; snr_db [B] or
    None; inj [L] uint8 or None; pos [nd, L] int64 or None (scan step -> position).
    Output y [B, D, L] with u's strides: the sum over orders.
    """

    @staticmethod
    def forward(ctx, u, delta, AT, Bv, Cv, bias, Dskip, z, snr_db, inj, pos, softplus):
        b, d, length = u.shape
        nd, n = AT.shape[0], AT.shape[1]
        y = torch.empty_like(u)
        need_grad = any(ctx.needs_input_grad)
        ck = (u.new_empty(nd, b, AT.shape[2] // BLOCK, -(-length // CHECKPOINT), n, BLOCK)
              if need_grad else None)
        dims = dict(B=b, D=d, L=length, N=n, K=CHECKPOINT, nd=nd, softplus=int(softplus),
                    nt=_threads(b, d * nd, length, n), **_strides("s", u), **_strides("l", delta),
                    c_k=Bv.stride(0), c_b=Bv.stride(1), c_t=Bv.stride(2))
        _call("fwd", u.dtype, u=u, dl=delta, AT=AT, Bc=Bv, Cc=Cv, bias=bias, Dskip=Dskip, z=z,
              snr_db=snr_db, inj=inj, pos=pos, y=y, ck=ck, **dims)
        if need_grad:
            ctx.dims = dims
            ctx.save_for_backward(u, delta, AT, Bv, Cv, bias, Dskip, z, snr_db, inj, pos, ck)
        return y

    @staticmethod
    def backward(ctx, gy):
        u, delta, AT, Bv, Cv, bias, Dskip, z, snr_db, inj, pos, ck = ctx.saved_tensors
        nd, dp = AT.shape[0], AT.shape[2]
        du, ddelta = torch.zeros_like(u), torch.empty_like(delta)
        dAT = torch.zeros_like(AT)
        dBv = Bv.new_zeros(Bv.shape)
        dCv = Cv.new_zeros(Cv.shape)
        dbias, dD = u.new_zeros(nd, dp), u.new_zeros(nd, dp)
        dz = torch.empty_like(z) if z is not None else None
        dsnr_db = torch.zeros_like(snr_db) if snr_db is not None else None
        _call("bwd", u.dtype, u=u, dl=delta, AT=AT, Bc=Bv, Cc=Cv, bias=bias, Dskip=Dskip, z=z,
              snr_db=snr_db, inj=inj, pos=pos, ck=ck, gy=_like(gy, u), du=du, ddl=ddelta, dAT=dAT,
              dBc=dBv, dCc=dCv, dbias=dbias, dD=dD, dz=dz, dsnr_db=dsnr_db,
              **_strides("g", ddelta), e_k=dBv.stride(0), e_b=dBv.stride(1), e_t=dBv.stride(2),
              **ctx.dims)
        return (du, ddelta, dAT, dBv, dCv, dbias if bias is not None else None,
                dD if Dskip is not None else None, dz, dsnr_db, None, None, None)


def _available(p: ScanInputs) -> bool:
    return (p.u.device.type == "cpu" and p.u.dtype in (torch.float32, torch.float64, torch.bfloat16, torch.float16)
            and p.A.shape[-1] <= MAX_STATE and library() is not None)


@register_backend("cpp", _available, multi_order=True)
def scan_cpp(p: ScanInputs) -> torch.Tensor:
    """Run ``p`` (one scan, or a GSSM scan over ``p.positions``) with the compiled kernel
    (bfloat16/float16 inputs, e.g. under CPU autocast, are scanned in float32)."""
    dtype = p.u.dtype if p.u.dtype in (torch.float32, torch.float64) else torch.float32
    multi = p.positions is not None
    d, length = p.u.shape[1], p.u.shape[2]
    pad = -d % BLOCK  # padded channels have u = Δ = A = 0: their state never leaves 0

    def per_order(t: torch.Tensor | None) -> torch.Tensor | None:
        """[K, ...] as it is for a GSSM scan, [1, ...] for one scan."""
        return None if t is None else (t if multi else t.unsqueeze(0))

    def vec(t: torch.Tensor | None) -> torch.Tensor | None:  # [K, D] -> [K, Dp]
        return None if t is None else F.pad(per_order(t).to(dtype), (0, pad)).contiguous()

    u = _time_major(p.u.to(dtype))
    delta = _time_major(per_order(p.delta_raw).to(dtype))
    AT = F.pad(per_order(p.A).to(dtype), (0, 0, 0, pad)).transpose(1, 2).contiguous()
    Bv, Cv = (per_order(t).to(dtype).transpose(-1, -2) for t in (p.B, p.C))
    if Bv.stride() != Cv.stride() or Bv.stride(-1) != 1:
        Bv, Cv = Bv.contiguous(), Cv.contiguous()
    steps = p.injection_steps(length)
    inj, snr_db = None, None
    if steps:
        inj = torch.zeros(length, dtype=torch.uint8)
        inj[steps] = 1
        snr_db = p.snr_db.to(dtype).contiguous()
    pos = p.positions.contiguous() if multi else None
    z = _like(p.z.to(dtype), u) if p.z is not None else None
    y = _CppScan.apply(u, delta, AT, Bv, Cv, vec(p.delta_bias), vec(p.D), z, snr_db, inj, pos,
                       p.delta_softplus)
    return y.to(p.u.dtype)
