r"""The designed downlink: channel, beamformers and the EE formulas of the task.

With the noise-normalized channel :math:`\tilde h_k = h_k/\sigma` (row k of ``h``, so
user k receives :math:`y_k = \tilde h_k^{T} \sum_j w_j s_j + n_k`, :math:`n_k\sim\mathcal{CN}(0,1)`)
and beamformers :math:`w_k` in :math:`\sqrt{\mathrm W}` (column k of ``w``):

.. math::

    \mathrm{SINR}_k = \frac{|\tilde h_k^T w_k|^2}{\sum_{j\ne k} |\tilde h_k^T w_j|^2 + 1},\qquad
    \mathrm{EE} = \frac{B\sum_k \log_2(1+\mathrm{SINR}_k)}{\frac1\eta \sum_k \|w_k\|^2 + P_c}
    \ \ [\mathrm{bit/J}],\qquad \sum_k\|w_k\|^2 \le P_{\max}.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import torch

from linksim.tasks.beamforming.cell import Cell


def sinr(h: torch.Tensor, w: torch.Tensor) -> torch.Tensor:
    """[..., K] SINR of every user for h [..., K, M] and w [..., M, K] (complex)."""
    g = (h @ w).abs().square()                       # [..., K, K]: |h_k^T w_j|^2
    signal = torch.diagonal(g, dim1=-2, dim2=-1)
    return signal / (g.sum(dim=-1) - signal + 1.0)


def rates(h: torch.Tensor, w: torch.Tensor) -> torch.Tensor:
    """[..., K] spectral efficiencies :math:`\\log_2(1+\\mathrm{SINR}_k)` (bit/s/Hz)."""
    return torch.log2(1.0 + sinr(h, w))


def power(w: torch.Tensor) -> torch.Tensor:
    """[...] transmit power :math:`\\|W\\|_F^2` (W) of w [..., M, K]."""
    return w.abs().square().sum(dim=(-2, -1))


def energy_efficiency(h: torch.Tensor, w: torch.Tensor, cell: Cell) -> torch.Tensor:
    """[...] EE (bit/J) of beamformers w [..., M, K] on h [..., K, M]."""
    consumed = power(w) / cell.pa_efficiency + cell.circuit_power_w
    return cell.bandwidth_hz * rates(h, w).sum(dim=-1) / consumed


@dataclass
class Downlink:
    """What a beamforming system returns (the metrics' ``x_hat``).

    :ivar h: [B, K, M] complex128 noise-normalized channel the beamformers were designed for.
    :ivar w: [B, M, K] complex128 beamformers (:math:`\\sqrt{\\mathrm W}`).
    :ivar p_max_w: [B] float64 power budget :math:`P_{\\max}` (W).
    :ivar cell: the cell (bandwidth, :math:`P_c`, :math:`\\eta`).
    :ivar seconds: [B] float64 design (inference) time per instance (s): the batch's wall
        time divided by B.
    :ivar r_min: per-user minimum rate (bit/s/Hz) of the point (0: none).
    :ivar exact_csi: whether W was designed on ``h`` itself (False: on an estimate).
    """

    h: torch.Tensor
    w: torch.Tensor
    p_max_w: torch.Tensor
    cell: Cell
    seconds: torch.Tensor
    r_min: float = 0.0
    exact_csi: bool = True

    def ee(self) -> torch.Tensor:
        """[B] EE (bit/J); NaN where the beamformers are not finite."""
        return energy_efficiency(self.h, self.w, self.cell)

    def power(self) -> torch.Tensor:
        return power(self.w)

    def violation(self) -> torch.Tensor:
        """[B] relative power-budget excess :math:`\\max(0, \\|W\\|^2/P_{\\max} - 1)` (1e-9
        tolerance for rounding); 1 where W is not finite."""
        excess = (self.power() / self.p_max_w - 1.0 - 1e-9).clamp_min(0.0)
        finite = torch.isfinite(self.w).all(dim=(-2, -1))
        return torch.where(finite, excess, torch.ones_like(excess))


def qos_shortfall(h: torch.Tensor, w: torch.Tensor, r_min: float) -> torch.Tensor:
    r"""[...] the largest per-user rate shortfall :math:`\max_k [r_{\min} - r_k]^+` (bit/s/Hz)."""
    return (r_min - rates(h, w)).clamp_min(0.0).amax(dim=-1)


def to_complex128(x: torch.Tensor) -> torch.Tensor:
    return x.to(torch.complex128)


LN2 = math.log(2.0)
