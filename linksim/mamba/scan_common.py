r"""Validated inputs shared by every selective-scan backend.

:class:`ScanInputs` holds the tensors after checking shapes/dtypes and after turning the raw
``delta`` into :math:`\Delta = \mathrm{softplus}(\delta + b_\Delta)` (or :math:`\delta + b_\Delta`),
and knows the CSI-ReST injection schedule (:meth:`ScanInputs.injection_mask`).
"""
from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F

from linksim.errors import LinksimError

#: the released MambaJSCC CUDA kernel carries the state between chunks of this many tokens
RELEASED_CHUNK = 2048
CSI_MODES = ("paper", "released")


@dataclass
class ScanInputs:
    """Inputs of one scan. Shapes: u, delta [B, D, L]; A [D, N]; B, C [B, N, L]; csi [B] or None."""

    u: torch.Tensor
    delta: torch.Tensor
    A: torch.Tensor
    B: torch.Tensor
    C: torch.Tensor
    csi: torch.Tensor | None = None
    csi_period: int | None = None
    csi_mode: str = "paper"

    def injection_steps(self, length: int) -> list[int]:
        """Time steps ``t`` (0-based) whose *incoming* state gets CSI written into index 0."""
        if self.csi is None:
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


def prepare(u, delta, A, B, C, delta_bias, delta_softplus, csi, csi_period, csi_mode) -> ScanInputs:
    """Check shapes and build :class:`ScanInputs` (computes :math:`\\Delta`; differentiable)."""
    _check(u.dim() == 3, f"selective_scan: u must be [B, D, L], got {tuple(u.shape)}")
    b, d, length = u.shape
    _check(delta.shape == u.shape, f"selective_scan: delta {tuple(delta.shape)} must match u {tuple(u.shape)}")
    _check(A.dim() == 2 and A.shape[0] == d, f"selective_scan: A must be [D={d}, N], got {tuple(A.shape)}")
    n = A.shape[1]
    for name, t in (("B", B), ("C", C)):
        _check(t.shape == (b, n, length),
               f"selective_scan: {name} must be [B={b}, N={n}, L={length}] (input-dependent), got {tuple(t.shape)}")
    _check(csi_mode in CSI_MODES, f"selective_scan: csi_mode={csi_mode!r}; choose one of {CSI_MODES}")
    if csi is not None:
        csi = torch.as_tensor(csi, dtype=u.dtype, device=u.device)
        if csi.dim() == 0:
            csi = csi.expand(b)
        _check(csi.shape == (b,), f"selective_scan: csi must be [B={b}] (SNR in dB), got {tuple(csi.shape)}")
    if csi_period is not None:
        _check(int(csi_period) >= 1, f"selective_scan: csi_period must be a positive int, got {csi_period}")
        csi_period = int(csi_period)
    if delta_bias is not None:
        delta = delta + delta_bias.view(1, d, 1)
    if delta_softplus:
        delta = F.softplus(delta)
    return ScanInputs(u, delta, A, B, C, csi, csi_period, csi_mode)
