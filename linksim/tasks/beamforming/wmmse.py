r"""WMMSE (Shi, Razaviyayn, Luo, Hong, IEEE TSP 2011) with a power price, vectorized over B.

It maximizes :math:`f_c(W) = \sum_k \ln(1+\mathrm{SINR}_k) - c\,\|W\|_F^2` subject to
:math:`\|W\|_F^2 \le P_{\max}` (``c = 0``: the sum rate; Dinkelbach's inner problem
:math:`c = \lambda\ln 2/(B\eta)`) by block-coordinate ascent on the MSE form: with
:math:`g_{kj} = \tilde h_k^T w_j`, :math:`T_k = \sum_j |g_{kj}|^2 + 1`,

.. math::

    u_k = g_{kk}/T_k,\quad v_k = T_k/(T_k - |g_{kk}|^2),\quad
    W = h^H (D G + \alpha I_K)^{-1}\mathrm{diag}(v_k u_k),\ D = \mathrm{diag}(v_k|u_k|^2),

:math:`\alpha = c + \mu` with the budget's multiplier :math:`\mu \ge 0` found by bisection on
the closed-form power :math:`\|W\|^2 = \sum_i \lambda_i/(\lambda_i+\alpha)^2\,\|X_{i,:}\|^2`
(:math:`D^{1/2} G D^{1/2} = U\Lambda U^H`, :math:`X = U^H \mathrm{diag}(v u/\sqrt{D})`).
Every iteration does not decrease :math:`f_c` (exact block maximization).
"""
from __future__ import annotations

import torch

from linksim.tasks.beamforming.structure import gram

BISECTION_STEPS = 40


def receivers(h: torch.Tensor, w: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """MMSE receivers u [B, K] (complex) and MSE weights v [B, K] (real) for W."""
    g = h @ w
    signal = torch.diagonal(g, dim1=-2, dim2=-1)
    total = g.abs().square().sum(dim=-1) + 1.0
    u = signal / total
    v = total / (total - signal.abs().square()).clamp_min(1e-300)
    return u, v


def transmit_step(h: torch.Tensor, g: torch.Tensor, u: torch.Tensor, v: torch.Tensor,
                  price: torch.Tensor, p_max: torch.Tensor) -> torch.Tensor:
    """The W maximizing the MSE form for fixed (u, v), price c [B] and budget [B]."""
    return transmit_step_dual(h, g, u, v, price, p_max)[0]


def transmit_step_dual(h: torch.Tensor, g: torch.Tensor, u: torch.Tensor, v: torch.Tensor,
                       price: torch.Tensor, p_max: torch.Tensor
                       ) -> tuple[torch.Tensor, torch.Tensor]:
    r""":func:`transmit_step`, and the dual powers [B, K] of its W in the optimal structure
    (:mod:`.structure`): :math:`W = h^H(I + QG)^{-1}\mathrm{diag}(v u)/\alpha` with
    :math:`Q = D/\alpha`."""
    d = (v * u.abs().square()).clamp_min(1e-300)
    sd = d.sqrt()
    s = sd[..., :, None] * g * sd[..., None, :]
    lam, vec = torch.linalg.eigh(s)                       # [B, K], [B, K, K]
    lam = lam.clamp_min(0.0)
    x = vec.mH * (v * u / sd).to(h.dtype)[..., None, :]  # U^H diag(v u / sqrt(d))
    x2 = x.abs().square().sum(dim=-1)                     # ||X_i,:||^2, [B, K]

    def power(alpha: torch.Tensor) -> torch.Tensor:
        return (lam / (lam + alpha[:, None]).square() * x2).sum(dim=-1)

    lo = price.clamp_min(1e-300)
    feasible = power(lo) <= p_max
    hi = torch.maximum(((lam * x2).sum(-1) / p_max).sqrt(), lo)
    lo_l, hi_l = lo.log(), hi.log()
    for _ in range(BISECTION_STEPS):                      # in log alpha
        mid = 0.5 * (lo_l + hi_l)
        over = power(mid.exp()) > p_max
        lo_l, hi_l = torch.where(over, mid, lo_l), torch.where(over, hi_l, mid)
    alpha = torch.where(feasible, lo, hi_l.exp())
    inner = (vec * (1.0 / (lam + alpha[:, None])).to(h.dtype)[..., None, :]) @ x
    return h.mH @ (sd.to(h.dtype)[..., :, None] * inner), d / alpha[:, None]


def wmmse(h: torch.Tensor, w: torch.Tensor, p_max: torch.Tensor,
          price: torch.Tensor | None = None, iterations: int = 100) -> torch.Tensor:
    """``iterations`` WMMSE steps from beamformers w [B, M, K]; returns W [B, M, K].

    :param h: [B, K, M] complex128 noise-normalized channel.
    :param p_max: [B] float64 budgets (W); :param price: [B] power price c (None: 0).
    """
    g = gram(h)
    price = torch.zeros_like(p_max) if price is None else price
    for _ in range(iterations):
        u, v = receivers(h, w)
        w = transmit_step(h, g, u, v, price, p_max)
    return w
