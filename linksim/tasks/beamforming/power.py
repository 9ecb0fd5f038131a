r"""EE-optimal power allocation over interference-free (zero-forcing) streams.

With fixed ZF directions user k sees :math:`\mathrm{SINR}_k = p_k a_k`
(:math:`a_k = |\tilde h_k^T v_k|^2`), so EE maximization is a concave-over-affine program
solved exactly by Dinkelbach's method: for the parameter :math:`\lambda` (bit/J),
:math:`\max_p B\sum_k\log_2(1+p_k a_k) - \lambda(\sum_k p_k/\eta + P_c)` s.t.
:math:`\sum_k p_k\le P_{\max}` is water-filling :math:`p_k = [\nu - 1/a_k]^+` with level
:math:`\nu = \min(B\eta/(\lambda\ln 2), \nu_{\max})`, :math:`\nu_{\max}` the level that
spends :math:`P_{\max}`; then :math:`\lambda \leftarrow \mathrm{EE}(p)`, until the relative
change is below ``tol``.
"""
from __future__ import annotations

import math

import torch

from linksim.tasks.beamforming.cell import Cell

BISECTION_STEPS = 60


def water_level(a: torch.Tensor, budget: torch.Tensor) -> torch.Tensor:
    """[B] level :math:`\\nu` with :math:`\\sum_k [\\nu - 1/a_k]^+ = P` (bisection) for gains
    a [B, K] > 0 and budgets [B] (W)."""
    inv = 1.0 / a.clamp_min(1e-300)
    lo = torch.zeros_like(budget)
    hi = budget + inv.min(dim=-1).values
    for _ in range(BISECTION_STEPS):
        mid = 0.5 * (lo + hi)
        over = (mid[:, None] - inv).clamp_min(0.0).sum(dim=-1) > budget
        hi, lo = torch.where(over, mid, hi), torch.where(over, lo, mid)
    return lo


def ee_power(a: torch.Tensor, p_max: torch.Tensor, cell: Cell, tol: float = 1e-9,
             max_iter: int = 100) -> torch.Tensor:
    """[B, K] EE-optimal powers (W) for stream gains a [B, K] and budgets p_max [B] (W)."""
    inv = 1.0 / a.clamp_min(1e-300)
    nu_max = water_level(a, p_max)
    b, eta, pc = cell.bandwidth_hz, cell.pa_efficiency, cell.circuit_power_w

    def ee(p: torch.Tensor) -> torch.Tensor:
        return b * torch.log2(1.0 + p * a).sum(-1) / (p.sum(-1) / eta + pc)

    p = (nu_max[:, None] - inv).clamp_min(0.0)
    lam = ee(p)
    for _ in range(max_iter):
        nu = torch.minimum(b * eta / (lam * math.log(2.0)), nu_max)
        p = (nu[:, None] - inv).clamp_min(0.0)
        new = ee(p)
        done = bool(((new - lam).abs() <= tol * lam).all())
        lam = torch.maximum(new, lam)
        if done:
            break
    return p
