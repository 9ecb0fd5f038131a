r"""Quasi-Newton polish of beamformers in the optimal structure, one instance at a time.

Dinkelbach over WMMSE (:mod:`.reference`) is a block-coordinate method: near the optimum
it crawls (a user whose optimal power is small loses it geometrically slowly), so a stop
on the per-step gain leaves it up to 1.4% below the optimum on small instances (K = 3,
M = 4, 30 dBm), and a tight stop (1e-10) costs 10-25x. This polish takes its result to a
stationary point of the EE over the optimal structure (:mod:`.structure`; every
EE-optimal W has this form), in the 2K + 1 unconstrained parameters
:math:`(\log q, b, s)`:

.. math::

    P = P_{\max}\,\sigma(s),\quad p = P\,\mathrm{softmax}(b),\quad
    w_k = \sqrt{p_k}\,\frac{(I + A Q A^H)^{-1} a_k}{\|\cdot\|},

started at the dual powers of the last WMMSE step (:func:`.wmmse.transmit_step_dual`)
and the start's powers, with L-BFGS (strong Wolfe line search, float64) on
:math:`-\mathrm{EE}/\mathrm{EE}_0` (:func:`polish`), or with SLSQP under per-user
minimum rates (:func:`constrained_polish`, :mod:`.qos`). L-BFGS stops when the objective or the step changes by less than
:data:`TOLERANCE`, or after :data:`ITERATIONS` iterations. The caller keeps the better of
the start and the result, so the polish never loses EE.
"""
from __future__ import annotations

import numpy as np
import torch

from linksim.tasks.beamforming.cell import Cell
from linksim.tasks.beamforming.downlink import energy_efficiency, rates
from linksim.tasks.beamforming.structure import directions, gram
from linksim.tasks.beamforming.wmmse import receivers, transmit_step_dual

#: stop of the polish: change of the objective (relative EE) or of the parameters
TOLERANCE = 1e-12
ITERATIONS = 200
#: the start's power is pulled this far inside the budget (so s is finite)
EDGE = 1e-9


def dual_powers(h: torch.Tensor, w: torch.Tensor, p_max: torch.Tensor, cell: Cell
                ) -> torch.Tensor:
    """[B, K] dual powers of one Dinkelbach-WMMSE step from w (the structure's q)."""
    price = energy_efficiency(h, w, cell) * torch.log(torch.tensor(2.0, dtype=torch.float64)) \
        / (cell.bandwidth_hz * cell.pa_efficiency)
    u, v = receivers(h, w)
    return transmit_step_dual(h, gram(h), u, v, price, p_max)[1]


def structured(h: torch.Tensor, g: torch.Tensor, log_q: torch.Tensor, b: torch.Tensor,
               s: torch.Tensor, p_max: torch.Tensor) -> torch.Tensor:
    """W [B, M, K] of the structure's parameters."""
    p = (p_max * torch.sigmoid(s))[..., None] * b.softmax(dim=-1)
    return directions(h, log_q.exp(), g) * p.sqrt().to(h.dtype)[..., None, :]


def start_params(w: torch.Tensor, q: torch.Tensor, p_max: torch.Tensor
                 ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """(log q, b, s) of the start w [1, M, K] with dual powers q [1, K]."""
    col = w.abs().square().sum(dim=-2)
    ratio = (col.sum(-1) / p_max).clamp(1e-12, 1.0 - EDGE)
    s = (ratio / (1.0 - ratio)).log()
    b = (col / col.sum(-1, keepdim=True)).clamp_min(1e-30).log()
    return q.clamp(1e-30, 1e30).log(), b, s


def polish_one(h: torch.Tensor, w: torch.Tensor, q: torch.Tensor, p_max: torch.Tensor,
               cell: Cell, iterations: int = ITERATIONS) -> torch.Tensor:
    """L-BFGS for one instance (h [1, K, M], w [1, M, K], q [1, K], p_max [1]); W [1, M, K]."""
    g = gram(h)
    log_q, b, s = (t.clone().requires_grad_(True) for t in start_params(w, q, p_max))
    scale = float(energy_efficiency(h, w, cell)) or 1.0
    opt = torch.optim.LBFGS([log_q, b, s], lr=1.0, max_iter=iterations, tolerance_grad=1e-300,
                            tolerance_change=TOLERANCE, history_size=20,
                            line_search_fn="strong_wolfe")

    def closure() -> torch.Tensor:
        opt.zero_grad()
        wb = structured(h, g, log_q, b, s, p_max)
        loss = -energy_efficiency(h, wb, cell).sum() / scale
        loss.backward()
        return loss

    opt.step(closure)
    with torch.no_grad():
        out = structured(h, g, log_q, b, s, p_max)
    return out if bool(torch.isfinite(out).all()) else w


def constrained_polish(h: torch.Tensor, w: torch.Tensor, q: torch.Tensor, p_max: torch.Tensor,
                       cell: Cell, r_min: float, iterations: int = 500) -> torch.Tensor:
    """SLSQP for one instance (shapes of :func:`polish_one`) on the structure's parameters:
    maximize EE subject to every user's rate >= ``r_min``, exact gradients and constraint
    Jacobian by autograd; returns W [1, M, K] (not yet exactly feasible: see
    :func:`.qos.repair`)."""
    g = gram(h)
    k = h.shape[-2]
    x0 = torch.cat([t.reshape(-1) for t in start_params(w, q, p_max)]).numpy()
    scale = float(energy_efficiency(h, w, cell)) or 1.0

    def build(x: torch.Tensor) -> torch.Tensor:
        return structured(h, g, x[None, :k], x[None, k:2 * k], x[2 * k:], p_max)

    def objective(x: np.ndarray) -> tuple[float, np.ndarray]:
        t = torch.tensor(x, dtype=torch.float64, requires_grad=True)
        f = -energy_efficiency(h, build(t), cell).sum() / scale
        f.backward()
        return float(f.detach()), t.grad.numpy().copy()

    def margins(x: np.ndarray) -> np.ndarray:
        with torch.no_grad():
            return (rates(h, build(torch.tensor(x, dtype=torch.float64)))[0] - r_min).numpy()

    def jacobian(x: np.ndarray) -> np.ndarray:
        t = torch.tensor(x, dtype=torch.float64)
        return torch.autograd.functional.jacobian(lambda y: rates(h, build(y))[0], t).numpy()

    from scipy.optimize import minimize  # here: 0.4 s that every command would pay at start

    with torch.enable_grad():
        res = minimize(objective, x0, jac=True, method="SLSQP",
                       constraints=[{"type": "ineq", "fun": margins, "jac": jacobian}],
                       options={"maxiter": iterations, "ftol": 1e-13})
    with torch.no_grad():
        out = build(torch.tensor(res.x, dtype=torch.float64))
    return out if bool(torch.isfinite(out).all()) else w


def polish(h: torch.Tensor, w: torch.Tensor, p_max: torch.Tensor, cell: Cell,
           iterations: int = ITERATIONS) -> torch.Tensor:
    """[B, M, K]: each instance polished, kept only where its EE did not drop."""
    q = dual_powers(h, w, p_max, cell)
    with torch.enable_grad():
        out = torch.cat([polish_one(h[i:i + 1], w[i:i + 1], q[i:i + 1], p_max[i:i + 1], cell,
                                    iterations=iterations) for i in range(h.shape[0])])
    better = energy_efficiency(h, out, cell) >= energy_efficiency(h, w, cell)
    return torch.where(better[:, None, None], out, w)
