r"""Per-user minimum rates: feasibility, the minimum-power design, and the constrained
reference.

With targets :math:`\gamma = 2^{r_{\min}} - 1` on every user's SINR, the minimum transmit
power is a convex problem solved exactly through uplink-downlink duality (Rashid-Farrokhi,
Liu, Tassiulas 1998; Schubert, Boche 2004): the uplink powers :math:`\lambda` are the least
fixed point of the standard interference function

.. math::

    \lambda_k \leftarrow \frac{\gamma_k}{a_k^H (I + \sum_{j\ne k}\lambda_j a_j a_j^H)^{-1} a_k}
    = \gamma_k\,\frac{1 - \lambda_k t_k}{t_k},\qquad
    t_k = [G (I + \Lambda G)^{-1}]_{kk},

reached monotonically from :math:`\lambda = 0` (Yates 1995); the directions are the
structure's :math:`(I + A\Lambda A^H)^{-1}a_k` and the downlink powers solve the linear
SINR equations, with :math:`\sum_k p_k = \sum_k \lambda_k = P_{\min}`. An instance is
**feasible** iff :math:`P_{\min} \le P_{\max}`: the iteration proves infeasibility as
soon as :math:`\sum\lambda` passes :math:`P_{\max}` (it only increases), and counts an
instance it has not settled after :data:`FIXED_POINT_STEPS` steps as infeasible (none in
the committed scenarios; :func:`min_power` reports them).

The constrained reference (:func:`constrained`): the unconstrained reference where it
meets every target; else the best of the minimum-power design and of two SLSQP runs over
the optimal structure's parameters with the rate constraints (:func:`.polish.constrained_polish`,
from the minimum-power design and from the unconstrained reference), each made exactly
feasible by :func:`repair`; every candidate is kept only if it meets the targets (to
:data:`RATE_TOL`) within the budget.
"""
from __future__ import annotations

import torch

from linksim.tasks.beamforming.cell import Cell
from linksim.tasks.beamforming.downlink import energy_efficiency, power, qos_shortfall
from linksim.tasks.beamforming.polish import constrained_polish, dual_powers
from linksim.tasks.beamforming.structure import directions, gram, unit_columns, with_powers

FIXED_POINT_STEPS = 5000
FIXED_POINT_TOL = 1e-11
#: a design meets the targets if no user is more than this below r_min (bit/s/Hz)
RATE_TOL = 1e-6


def sinr_target(r_min: float) -> float:
    return 2.0 ** r_min - 1.0


def downlink_powers(h: torch.Tensor, v: torch.Tensor, gamma: float) -> torch.Tensor:
    """[B, K] powers giving every user SINR ``gamma`` with unit directions v [B, M, K]
    (the solution of the linear SINR equations; not checked for sign)."""
    gv = (h @ v).abs().square()                                  # [B, K, K]: |h_k^T v_j|^2
    a = -gv.clone()
    idx = torch.arange(gv.shape[-1])
    a[:, idx, idx] = gv[:, idx, idx] / gamma
    return torch.linalg.solve(a, torch.ones(gv.shape[:2], dtype=gv.dtype))


def min_power(h: torch.Tensor, p_max: torch.Tensor, r_min: float, dual: bool = False) -> tuple:
    """(W [B, M, K] of minimum power meeting ``r_min``, feasible [B] bool, undecided [B]
    bool: not settled in :data:`FIXED_POINT_STEPS` steps, counted infeasible), and with
    ``dual`` the uplink powers [B, K] (the structure's dual powers of W)."""
    gamma = sinr_target(r_min)
    g = gram(h)
    b, k = h.shape[0], h.shape[-2]
    lam = torch.zeros(b, k, dtype=torch.float64)
    eye = torch.eye(k, dtype=h.dtype)
    over = torch.zeros(b, dtype=torch.bool)
    settled = torch.zeros(b, dtype=torch.bool)
    for _ in range(FIXED_POINT_STEPS):
        t = torch.diagonal(g @ torch.linalg.inv(eye + lam.to(h.dtype)[..., :, None] * g),
                           dim1=-2, dim2=-1).real.clamp_min(1e-300)
        new = gamma * (1.0 - lam * t) / t
        new = torch.where(settled[:, None] | over[:, None], lam, new)
        change = ((new - lam).abs() / new.clamp_min(1e-300)).amax(dim=-1)
        lam = new
        over |= lam.sum(-1) > p_max * (1 + 1e-9)
        settled |= (change < FIXED_POINT_TOL) & ~over
        if bool((settled | over).all()):
            break
    v = directions(h, lam.clamp_min(0.0), g)
    p = downlink_powers(h, v, gamma)
    w = with_powers(v, p.clamp_min(0.0))
    ok = settled & (p >= 0).all(-1) & (power(w) <= p_max * (1 + 1e-9)) \
        & (qos_shortfall(h, w, r_min) <= RATE_TOL)
    return (w, ok, ~(settled | over), lam) if dual else (w, ok, ~(settled | over))


def repair(h: torch.Tensor, w: torch.Tensor, fallback: torch.Tensor, p_max: torch.Tensor,
           r_min: float, steps: int = 500) -> tuple[torch.Tensor, torch.Tensor]:
    """(W with the directions of w and the least powers >= w's meeting the targets, ok [B]).

    Powers :math:`p \\leftarrow \\max(p^{(0)}, \\gamma(\\sum_{j\\ne k} p_j |h_k^T v_j|^2 + 1)
    / |h_k^T v_k|^2)` from :math:`p^{(0)}` (monotone; users without power in w take the
    direction of ``fallback``). ok: met the targets within the budget."""
    gamma = sinr_target(r_min)
    p0 = w.abs().square().sum(dim=-2)
    v = torch.where((p0 > 0)[:, None, :], unit_columns(w), unit_columns(fallback))
    gv = (h @ v).abs().square()
    own = torch.diagonal(gv, dim1=-2, dim2=-1).clamp_min(1e-300)
    cross = gv - torch.diag_embed(torch.diagonal(gv, dim1=-2, dim2=-1))
    p = p0
    for _ in range(steps):
        p = torch.maximum(p0, gamma * ((cross @ p[..., None])[..., 0] + 1.0) / own)
    out = with_powers(v, p)
    ok = (qos_shortfall(h, out, r_min) <= RATE_TOL) & (power(out) <= p_max * (1 + 1e-9)) \
        & torch.isfinite(out).all(dim=(-2, -1))
    return out, ok


def constrained(h: torch.Tensor, w_free: torch.Tensor, p_max: torch.Tensor, cell: Cell,
                r_min: float) -> tuple[torch.Tensor, torch.Tensor]:
    """(the constrained reference W [B, M, K], feasible [B]) from the unconstrained
    reference ``w_free``; where infeasible, W is ``w_free``."""
    w_mp, feasible, _, lam = min_power(h, p_max, r_min, dual=True)
    done = qos_shortfall(h, w_free, r_min) <= RATE_TOL
    out = torch.where(done[:, None, None], w_free, w_mp)
    todo = [i for i in range(h.shape[0]) if bool(feasible[i]) and not bool(done[i])]
    for i in todo:
        hi, pi = h[i:i + 1], p_max[i:i + 1]
        best, best_ee = w_mp[i:i + 1], energy_efficiency(hi, w_mp[i:i + 1], cell)
        for start, q in ((w_mp[i:i + 1], lam[i:i + 1]),
                         (w_free[i:i + 1], dual_powers(hi, w_free[i:i + 1], pi, cell))):
            cand = constrained_polish(hi, start, q, pi, cell, r_min)
            cand, ok = repair(hi, cand, w_mp[i:i + 1], pi, r_min)
            ee = energy_efficiency(hi, cand, cell)
            if bool(ok[0]) and bool(ee[0] > best_ee[0]):
                best, best_ee = cand, ee
        out[i] = best[0]
    return out, feasible | done
