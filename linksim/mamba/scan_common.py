r"""Validated inputs shared by every selective-scan backend.

:class:`ScanInputs` holds the checked tensors, computes
:math:`\Delta = \mathrm{softplus}(\delta + b_\Delta)` (or :math:`\delta + b_\Delta`) on demand
for backends that do not fuse it, applies the ``D`` skip and ``z`` gate
(:meth:`ScanInputs.finish`) and knows the CSI-ReST schedule (:meth:`ScanInputs.injection_mask`).
"""
from __future__ import annotations

import weakref
from dataclasses import dataclass
from typing import Callable
from functools import cached_property

import torch
import torch.nn.functional as F

from linksim.base.registry import SCAN_BACKENDS
from linksim.errors import LinksimError

#: the released MambaJSCC CUDA kernel carries the state between chunks of this many tokens
RELEASED_CHUNK = 2048
CSI_MODES = ("paper", "released")


@dataclass
class ScanInputs:
    """Inputs of one scan (see :func:`linksim.mamba.scan.selective_scan` for the symbols).

    Shapes: u, delta_raw, z [B, D, L]; A [D, N]; B, C [B, N, L]; delta_bias, D [D]; snr_db [B].
    """

    u: torch.Tensor
    delta_raw: torch.Tensor
    A: torch.Tensor
    B: torch.Tensor
    C: torch.Tensor
    snr_db: torch.Tensor | None = None
    csi_period: int | None = None
    csi_mode: str = "paper"
    delta_bias: torch.Tensor | None = None
    delta_softplus: bool = False
    D: torch.Tensor | None = None
    z: torch.Tensor | None = None
    #: [K, L] int64, scan orders of a GSSM scan (:func:`prepare_orders`): scan step ``t`` of
    #: order ``k`` reads and writes sequence position ``positions[k, t]``; then ``delta_raw``
    #: is [K, B, D, L], ``A`` [K, D, N], ``B``, ``C`` [K, B, N, L], ``D``, ``delta_bias`` [K, D]
    positions: torch.Tensor | None = None

    @cached_property
    def delta(self) -> torch.Tensor:
        r""":math:`\Delta` [B, D, L] (bias added, softplus applied as requested)."""
        delta = self.delta_raw
        if self.delta_bias is not None:
            bias = self.delta_bias
            delta = delta + (bias[:, None, :, None] if bias.dim() == 2 else bias[:, None])
        return F.softplus(delta) if self.delta_softplus else delta

    def order(self, k: int) -> tuple["ScanInputs", torch.Tensor]:
        """Scan order ``k`` of a GSSM scan as a plain scan on gathered (permuted) copies, and
        the inverse permutation that puts its output back in sequence order."""
        perm = self.positions[k]
        inv = torch.empty_like(perm)
        inv[perm] = torch.arange(perm.numel(), device=perm.device)

        def take(t):
            return None if t is None else t.index_select(-1, perm)

        return ScanInputs(take(self.u), take(self.delta_raw[k]), self.A[k], take(self.B[k]),
                          take(self.C[k]), self.snr_db, self.csi_period, self.csi_mode,
                          None if self.delta_bias is None else self.delta_bias[k], self.delta_softplus,
                          None if self.D is None else self.D[k]), inv

    def finish(self, y: torch.Tensor) -> torch.Tensor:
        r"""Scan output :math:`C_t^\top h_t` -> :math:`(C_t^\top h_t + D u_t)\,\mathrm{silu}(z_t)`."""
        if self.D is not None:
            y = y + self.D.view(1, -1, 1) * self.u
        if self.z is not None:
            y = y * F.silu(self.z)
        return y

    def core(self, A=None, B=None, C=None, with_csi=True) -> "ScanInputs":
        """The bare scan (Δ precomputed, no skip/gate), optionally on a subset of states."""
        return ScanInputs(self.u, self.delta, self.A if A is None else A, self.B if B is None else B,
                          self.C if C is None else C, self.snr_db if with_csi else None,
                          self.csi_period, self.csi_mode)

    def injection_steps(self, length: int) -> list[int]:
        """Time steps ``t`` (0-based) whose *incoming* state gets CSI written into index 0."""
        if self.snr_db is None:
            return []
        if self.csi_mode == "paper":
            if self.csi_period is None:
                return [0]
            return list(range(0, length, self.csi_period))
        period = self.csi_period or RELEASED_CHUNK
        return list(range(period, length, period))

    def injection_mask(self, length: int) -> list[bool]:
        """``mask[t]`` is True where the state entering step ``t`` is overwritten."""
        mask = [False] * length
        for t in self.injection_steps(length):
            mask[t] = True
        return mask


def _check(cond: bool, msg: str) -> None:
    if not cond:
        raise LinksimError(msg)


def prepare(u, delta, A, B, C, D=None, z=None, delta_bias=None, delta_softplus=False, snr_db=None,
            csi_period=None, csi_mode="paper") -> ScanInputs:
    """Check shapes and build :class:`ScanInputs` (arguments as in ``selective_scan``)."""
    _check(u.dim() == 3, f"selective_scan: u must be [B, D, L], got {tuple(u.shape)}")
    b, d, length = u.shape
    _check(length >= 1, "selective_scan: empty sequence (L = 0)")
    _check(delta.shape == u.shape, f"selective_scan: delta {tuple(delta.shape)} must match u {tuple(u.shape)}")
    _check(A.dim() == 2 and A.shape[0] == d, f"selective_scan: A must be [D={d}, N], got {tuple(A.shape)}")
    n = A.shape[1]
    for name, t in (("B", B), ("C", C)):
        _check(t.shape == (b, n, length),
               f"selective_scan: {name} must be [B={b}, N={n}, L={length}] (input-dependent), got {tuple(t.shape)}")
    _check(csi_mode in CSI_MODES, f"selective_scan: csi_mode={csi_mode!r}; choose one of {CSI_MODES}")
    if snr_db is not None:
        snr_db = torch.as_tensor(snr_db, dtype=u.dtype, device=u.device)
        if snr_db.dim() == 0:
            snr_db = snr_db.expand(b)
        _check(snr_db.shape == (b,), f"selective_scan: snr_db must be [B={b}] (SNR in dB), got {tuple(snr_db.shape)}")
    if csi_period is not None:
        _check(int(csi_period) >= 1, f"selective_scan: csi_period must be a positive int, got {csi_period}")
        csi_period = int(csi_period)
    for name, t, shape in (("D", D, (d,)), ("delta_bias", delta_bias, (d,)), ("z", z, (b, d, length))):
        _check(t is None or tuple(t.shape) == shape,
               f"selective_scan: {name} must be {list(shape)}, got {None if t is None else tuple(t.shape)}")
    return ScanInputs(u, delta, A, B, C, snr_db, csi_period, csi_mode, delta_bias, bool(delta_softplus), D, z)


#: index maps already checked, id -> (weak reference, version then): the GSSM's maps are
#: cached tensors, so each is checked once (on a GPU every check would stall the stream)
_CHECKED: dict[int, tuple] = {}


def _permutations(positions: torch.Tensor) -> bool:
    """Every row of ``positions`` [K, L] is a permutation of 0..L-1 (checked once per tensor)."""
    ref, version = _CHECKED.get(id(positions), (None, None))
    if ref is not None and ref() is positions and version == positions._version:
        return True
    ok = bool((torch.sort(positions, dim=1).values
               == torch.arange(positions.shape[1], device=positions.device)).all())
    if ok:
        if len(_CHECKED) > 1024:
            _CHECKED.clear()
        _CHECKED[id(positions)] = (weakref.ref(positions), positions._version)
    return ok


def prepare_orders(u, delta, A, B, C, D=None, delta_bias=None, delta_softplus=False, positions=None,
                   snr_db=None, csi_period=None, csi_mode="paper") -> ScanInputs:
    """Check the shapes of a GSSM scan (``K`` orders, see :func:`linksim.mamba.scan.gssm_scan`)."""
    _check(positions is not None and positions.dim() == 2,
           "gssm_scan: positions must be [K, L] (scan step -> sequence position of each order)")
    k, length = positions.shape
    _check(u.dim() == 3 and u.shape[-1] == length,
           f"gssm_scan: u must be [B, D, L={length}], got {tuple(u.shape)}")
    _check(delta.shape == (k, *u.shape), f"gssm_scan: delta must be [K={k}, *u.shape], got {tuple(delta.shape)}")
    _check(A.dim() == 3 and A.shape[0] == k, f"gssm_scan: A must be [K={k}, D, N], got {tuple(A.shape)}")
    _check(positions.dtype == torch.int64 and _permutations(positions),
           "gssm_scan: every row of positions must be a permutation of 0..L-1 (int64)")
    one = prepare(u, delta[0], A[0], B[0], C[0], None if D is None else D[0], None,
                  None if delta_bias is None else delta_bias[0], delta_softplus, snr_db, csi_period, csi_mode)
    for name, t in (("B", B), ("C", C)):
        _check(t.shape == (k, *one.B.shape), f"gssm_scan: {name} must be [K={k}, B, N, L], got {tuple(t.shape)}")
    for name, t in (("D", D), ("delta_bias", delta_bias)):
        _check(t is None or t.shape == (k, u.shape[1]), f"gssm_scan: {name} must be [K={k}, D], got "
               f"{None if t is None else tuple(t.shape)}")
    return ScanInputs(u, delta, A, B, C, one.snr_db, one.csi_period, csi_mode, delta_bias,
                      bool(delta_softplus), D, None, positions)


def register_backend(name: str, available: Callable[[ScanInputs], bool] = lambda p: True,
                     multi_order: bool = False):
    """Register ``fn(p: ScanInputs) -> y`` in ``SCAN_BACKENDS`` as ``name``; ``available(p)``
    (stored as ``fn.available``) gates ``backend="auto"``; ``multi_order`` (stored as
    ``fn.multi_order``): ``fn`` also runs GSSM scans (``p.positions`` set) through index maps;
    other backends get one permuted copy per order (:meth:`ScanInputs.order`)."""
    def deco(fn):
        fn.available = available
        fn.multi_order = multi_order
        return SCAN_BACKENDS.register(name)(fn)
    return deco
