r"""The S6 selective scan of Mamba with CSI-ReST (MambaJSCC) and interchangeable backends.

Recurrence (Mamba's discretization, as in ``mamba_ssm.selective_scan_fn``), per batch ``b``,
channel ``d`` and state ``n``, for ``t = 0 .. L-1`` with :math:`h_{-1} = 0`:

.. math::

    \Delta_t &= \mathrm{softplus}(\delta_t + b_\Delta) \quad(\text{or } \delta_t + b_\Delta)\\
    h_t &= \exp(\Delta_t A)\, \hat h_{t-1} + \Delta_t B_t u_t \\
    y_t &= C_t^\top h_t + D u_t, \qquad y_t \leftarrow y_t\,\mathrm{silu}(z_t)\ \text{if } z

where :math:`\hat h_{t-1} = h_{t-1}` except where CSI-ReST writes into it.
CSI-ReST (MambaJSCC, Sec. III-B, eq. 26 and Algorithm 1) **overwrites** -- assigns, it
does not add: the paper "sets their first element as" the SNR and stresses that CSI-ReST
"consists solely of simple assignment operations" with zero computation -- the first
state element, for every channel ``d``, of the initial state and of every ``T``-th
residual state:

.. math::

    \hat h_{t-1}[d, 0] = \gamma \quad \forall d, \ \text{if } t \in \mathcal{T};
    \qquad \hat h_{t-1}[d, n] = h_{t-1}[d, n] \ \text{otherwise},

with :math:`\gamma` = ``snr_db[b]``, the channel SNR **in dB** (a plain number such as
``10.0``; the authors' code feeds the dB value, and the paper uses the average SNR for
Rayleigh fading), and the schedule (0-based step ``t`` whose incoming state is written)

* ``csi_mode="paper"``: :math:`\mathcal{T} = \{0, T, 2T, \dots\}` with ``T = csi_period``.
  ``t = 0`` is the paper's initial state :math:`h_0`; ``t = kT`` writes the paper's
  residual state :math:`h_{kT}` (1-based: the state after token ``kT``) before it is
  used to process token ``kT + 1``. ``csi_period=None``: the initial state only.
* ``csi_mode="released"``: :math:`\mathcal{T} = \{T, 2T, \dots\}` with
  ``T = csi_period or 2048``, never ``t = 0`` -- what the authors' released CUDA kernel
  does: it writes the SNR into the state it carries between its 2048-token chunks
  (sequences of at most 2048 tokens get no CSI at all).

The output of the token that produced a written state was already emitted from the
unwritten state (as in the released kernel); the written state feeds the next update,
so a write before step ``t`` changes :math:`y_t, y_{t+1}, \dots`. Gradients through the
assignment are exact: the overwritten element passes no gradient to earlier steps and
``snr_db`` receives the gradient of every written element (summed over ``d`` and writes).

Shapes (float32, or float64 for gradient checks): ``u, delta, z`` [B, D, L]; ``A`` [D, N]
(negative real); ``B, C`` [B, N, L]; ``D, delta_bias`` [D]; ``snr_db`` [B] (or scalar);
output ``y`` [B, D, L].

Backends (``backend=``): ``"reference"`` (sequential, :mod:`.scan_ref`), ``"chunked"``
(pure PyTorch, :mod:`.scan_chunked`), ``"cpp"`` (compiled OpenMP CPU kernel,
:mod:`.scan_cpp`), ``"cuda"`` (mamba-ssm, :mod:`.scan_cuda`), ``"triton"`` (Triton GPU kernel,
:mod:`.scan_triton`); ``"auto"`` picks triton for CUDA tensors when Triton imports, else cuda
when mamba-ssm is installed; on CPU cpp when it compiles, else chunked.

:func:`gssm_scan` runs ``K`` scans of one sequence in ``K`` orders (the GSSM scan exchange,
:mod:`.gssm_order`) and sums their outputs in sequence order; the cpp and triton kernels read
and write each order through an index map, the others get permuted copies.
"""
from __future__ import annotations


import torch

from linksim.base.registry import SCAN_BACKENDS
from linksim.errors import LinksimError, UnknownName
from linksim.mamba.scan_common import ScanInputs, prepare, prepare_orders

#: order in which ``backend="auto"`` tries backends
AUTO_ORDER = ("triton", "cuda", "cpp", "chunked")


_loaded = False


def _load_backends() -> None:
    """Import the backend modules once."""
    global _loaded
    if _loaded:
        return
    _loaded = True
    # each module registers itself; none imports anything optional at module level
    from linksim.mamba import scan_chunked, scan_cpp, scan_cuda, scan_ref, scan_triton  # noqa: F401


def resolve_backend(backend: str, p: ScanInputs) -> str:
    """Name of the backend that will run ``p`` for the requested ``backend``."""
    _load_backends()
    if backend == "auto":
        for name in AUTO_ORDER:
            if name in SCAN_BACKENDS and SCAN_BACKENDS.get(name).available(p):
                return name
        return "reference"
    if backend not in SCAN_BACKENDS:
        raise UnknownName(f"unknown selective_scan backend {backend!r}; choose one of: auto, "
                          f"{', '.join(SCAN_BACKENDS.names())}")
    if not SCAN_BACKENDS.get(backend).available(p):
        raise LinksimError(f"selective_scan backend {backend!r} is not available for these inputs "
                           f"(device {p.u.device}); use backend='auto'")
    return backend


def selective_scan(u, delta, A, B, C, D=None, z=None, delta_bias=None, delta_softplus=False, *,
                   snr_db=None, csi_period=None, csi_mode="paper", backend="auto") -> torch.Tensor:
    r"""Selective scan with optional CSI-ReST (see the module docstring); all inputs differentiable.

    :param u: [B, D, L] input sequence :math:`u`.
    :param delta: [B, D, L] raw step size :math:`\delta` (before bias/softplus).
    :param A: [D, N] state matrix diagonal (negative real).
    :param B, C: [B, N, L] input-dependent input/output matrices.
    :param D: [D] skip, or ``None``.
    :param z: [B, D, L] gate, or ``None``: ``y *= silu(z)``.
    :param delta_bias: [D] added to ``delta``; ``delta_softplus``: apply softplus after.
    :param snr_db: [B] (or scalar) channel SNR in dB written by CSI-ReST, or ``None`` (off).
    :param csi_period: CSI-ReST period ``T`` (int), see the module docstring.
    :param csi_mode: ``"paper"`` or ``"released"``.
    :param backend: ``"auto"``, ``"reference"``, ``"chunked"``, ``"cpp"`` or ``"cuda"``.
    :return: y [B, D, L] in the dtype of ``u``.
    """
    p = prepare(u, delta, A, B, C, D, z, delta_bias, delta_softplus, snr_db, csi_period, csi_mode)
    return SCAN_BACKENDS.get(resolve_backend(backend, p))(p)


def gssm_scan(u, delta, A, B, C, D=None, delta_bias=None, delta_softplus=False, *, positions,
              snr_db=None, csi_period=None, csi_mode="paper", backend="auto") -> torch.Tensor:
    r""":math:`\sum_k \mathbf P_k^{-1}\,\mathrm{SSM}_k(\mathbf P_k \mathbf u)`: ``K`` selective
    scans of one sequence, scan ``k`` in the order ``positions[k]`` with its own parameters.

    Scan step ``t`` of order ``k`` reads sequence position ``positions[k, t]`` of ``u``,
    ``delta[k]``, ``B[k]``, ``C[k]`` and writes its output there (CSI-ReST's schedule counts
    scan steps). Equal to summing ``selective_scan`` over permuted copies, which is what
    backends without index maps run.

    :param u: [B, D, L] (any strides; the time-major view ``x.transpose(1, 2)`` of a
        [B, L, D] tensor is read in place by the cpp kernel).
    :param delta: [K, B, D, L]; :param A: [K, D, N]; :param B, C: [K, B, N, L];
    :param D, delta_bias: [K, D] or ``None``; :param positions: [K, L] int64 permutations.
    :return: y [B, D, L] with u's strides where the backend can.
    """
    p = prepare_orders(u, delta, A, B, C, D, delta_bias, delta_softplus, positions, snr_db, csi_period,
                       csi_mode)
    fn = SCAN_BACKENDS.get(resolve_backend(backend, p))
    if getattr(fn, "multi_order", False):
        return fn(p)
    y = None
    for k in range(positions.shape[0]):
        q, inv = p.order(k)
        yk = fn(q).index_select(-1, inv)
        y = yk if y is None else y + yk
    return y
