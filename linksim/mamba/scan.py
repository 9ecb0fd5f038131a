r"""The S6 selective scan of Mamba with CSI-ReST (MambaJSCC) and interchangeable backends.

Recurrence (Mamba's discretization, as in ``mamba_ssm.selective_scan_fn``), per batch ``b``,
channel ``d`` and state ``n``, for ``t = 0 .. L-1`` with :math:`h_{-1} = 0`:

.. math::

    \Delta_t &= \mathrm{softplus}(\delta_t + b_\Delta) \quad(\text{or } \delta_t + b_\Delta)\\
    h_t &= \exp(\Delta_t A)\, \hat h_{t-1} + \Delta_t B_t u_t \\
    y_t &= C_t^\top h_t + D u_t, \qquad y_t \leftarrow y_t\,\mathrm{silu}(z_t)\ \text{if } z

CSI-ReST (MambaJSCC, eq. 26, Algorithm 1) *overwrites* (assigns, it does not add; the paper
calls it "simple assignment operations" with zero computation) the first state element
of the initial state and of every ``T``-th residual state with the SNR:

.. math::

    \hat h_{t-1}[d, 0] = \gamma \ \text{ for every channel } d \text{ if } t \in \mathcal{T},
    \qquad \hat h_{t-1}[d, n] = h_{t-1}[d, n] \text{ otherwise},

where :math:`\gamma` is ``csi`` (the channel SNR **in dB**, as in the authors' code; the
average SNR for Rayleigh fading) and the schedule :math:`\mathcal{T}` is

* ``csi_mode="paper"``: :math:`\{0, T, 2T, \dots\}` -- the initial state :math:`h_0` of the
  paper (our :math:`h_{-1}`) and the residual states :math:`h_T, h_{2T}, \dots` (1-based in the
  paper: the state after token ``kT``, before it feeds token ``kT+1``). ``csi_period=None``
  means only the initial state.
* ``csi_mode="released"``: :math:`\{T, 2T, \dots\}` with ``T = csi_period or 2048`` -- the
  authors' CUDA kernel, which writes the SNR only into the state carried between its
  2048-token chunks and never into the initial state.

Outputs at the injection step itself use the state before the overwrite (the overwritten
state only feeds the next update), so injection at ``t`` changes :math:`y_t, y_{t+1},\dots`
through :math:`h_t`. Gradients flow exactly through the assignment: the overwritten
element receives no gradient from later steps, and ``csi`` receives the sum over ``d``.

Shapes (float32, or float64 for gradient checks): ``u, delta, z`` [B, D, L]; ``A`` [D, N]
(negative real); ``B, C`` [B, N, L]; ``D, delta_bias`` [D]; ``csi`` [B] (or scalar);
output ``y`` [B, D, L].

Backends (``backend=``): ``"reference"`` (sequential, :mod:`.scan_ref`), ``"chunked"``
(pure PyTorch, :mod:`.scan_chunked`), ``"cpp"`` (compiled OpenMP CPU kernel,
:mod:`.scan_cpp`), ``"cuda"`` (mamba-ssm, :mod:`.scan_cuda`); ``"auto"`` picks cuda for
CUDA tensors when mamba-ssm is installed, else cpp when it compiles, else chunked.
"""
from __future__ import annotations

from typing import Callable

import torch
import torch.nn.functional as F

from linksim.errors import LinksimError, UnknownName
from linksim.mamba.scan_common import ScanInputs, prepare

#: backend name -> (function(ScanInputs) -> y [B, D, L] without D-skip/gate, availability check)
BACKENDS: dict[str, tuple[Callable[[ScanInputs], torch.Tensor], Callable[[ScanInputs], bool]]] = {}


def register_backend(name: str, available: Callable[[ScanInputs], bool] = lambda p: True):
    """Register ``fn(p: ScanInputs) -> y`` as backend ``name`` (``available(p)`` gates ``auto``)."""
    def deco(fn):
        BACKENDS[name] = (fn, available)
        return fn
    return deco


#: order in which ``backend="auto"`` tries backends
AUTO_ORDER = ("cuda", "cpp", "chunked")


_loaded = False


def _load_backends() -> None:
    """Import the backend modules once (each registers itself); missing optional ones are skipped."""
    global _loaded
    if _loaded:
        return
    _loaded = True
    from linksim.mamba import scan_ref
    register_backend("reference")(scan_ref.scan_reference)
    for mod in ("scan_chunked", "scan_cpp", "scan_cuda"):
        try:
            __import__(f"linksim.mamba.{mod}")  # registers itself
        except ImportError:  # module not written yet / optional
            pass


def resolve_backend(backend: str, p: ScanInputs) -> str:
    """Name of the backend that will run ``p`` for the requested ``backend``."""
    _load_backends()
    if backend == "auto":
        for name in AUTO_ORDER:
            if name in BACKENDS and BACKENDS[name][1](p):
                return name
        return "reference"
    if backend not in BACKENDS:
        raise UnknownName(f"unknown selective_scan backend {backend!r}; choose one of: auto, "
                          f"{', '.join(sorted(BACKENDS))}")
    if not BACKENDS[backend][1](p):
        raise LinksimError(f"selective_scan backend {backend!r} is not available for these inputs "
                           f"(device {p.u.device}); use backend='auto'")
    return backend


def selective_scan(u, delta, A, B, C, D=None, z=None, delta_bias=None, delta_softplus=False, *,
                   csi=None, csi_period=None, csi_mode="paper", backend="auto") -> torch.Tensor:
    """Selective scan ``y`` [B, D, L] of the module docstring (all inputs differentiable)."""
    p = prepare(u, delta, A, B, C, delta_bias, delta_softplus, csi, csi_period, csi_mode)
    name = resolve_backend(backend, p)
    y = BACKENDS[name][0](p)
    if D is not None:
        y = y + D.view(1, -1, 1) * u
    if z is not None:
        y = y * F.silu(z)
    return y
