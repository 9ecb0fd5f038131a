"""Per-user minimum rates (issue 30): the minimum-power design and feasibility against a
random search, the constrained reference against an independent constrained multi-start
search (SLSQP) on tiny instances, and the QoS metrics on feasible instances only."""
from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from scipy.optimize import minimize

import linksim.baselines.beamforming  # noqa: F401
import linksim.tasks.beamforming  # noqa: F401
from linksim.tasks.beamforming.cell import Cell
from linksim.tasks.beamforming.downlink import energy_efficiency, power, rates
from linksim.tasks.beamforming.qos import RATE_TOL, min_power
from linksim.tasks.beamforming.reference import reference

from test_beamforming_reference import CELL, np_ee, tiny, unpack

#: measured: the constrained reference is at most 3e-9 below the search's best (K <= M)
GAP = 1e-6


def random_min_power(h: torch.Tensor, r_min: float, draws: int = 20000, seed: int = 0) -> float:
    """The least total power meeting ``r_min`` over random unit directions [M, K] of one
    instance h [K, M] (powers from the linear SINR equations; inf if none is feasible)."""
    gamma = 2.0 ** r_min - 1.0
    k, m = h.shape
    gen = torch.Generator().manual_seed(seed)
    v = torch.randn(draws, m, k, dtype=torch.complex128, generator=gen)
    v = v / torch.linalg.vector_norm(v, dim=-2, keepdim=True)
    gv = (h @ v).abs().square()                                   # [N, K, K]
    a = -gv.clone()
    idx = torch.arange(k)
    a[:, idx, idx] = gv[:, idx, idx] / gamma
    p = torch.linalg.solve(a, torch.ones(draws, k, dtype=torch.float64))
    ok = (p >= 0).all(-1)
    return float(p.sum(-1)[ok].min()) if bool(ok.any()) else math.inf


@pytest.mark.parametrize("k,m,r_min", [(2, 2, 1.0), (2, 3, 3.0), (3, 2, 1.0), (3, 4, 2.0)])
def test_min_power_meets_the_targets_with_the_least_power(k, m, r_min):
    h, _ = tiny(k, m)
    big = torch.full((len(h),), 1e6, dtype=torch.float64)        # no budget in the way
    w, ok, undecided = min_power(h, big, r_min)
    for b in range(len(h)):
        found = random_min_power(h[b], r_min, seed=b)
        if not bool(ok[b]):          # unreachable at any power: no random design reaches it
            assert found == math.inf or found > 1e6, (b, found)
            continue
        assert float(rates(h[b:b + 1], w[b:b + 1]).min()) >= r_min - 1e-8
        assert float(power(w[b:b + 1])) <= found * (1 + 1e-9), (b, float(power(w[b:b + 1])), found)
    assert not bool(undecided.any())


def test_infeasible_instances_are_reported():
    """A budget below the minimum power, and targets no power can meet (K > M)."""
    h, p_max = tiny(3, 4)
    _, ok_free, _ = min_power(h, torch.full_like(p_max, 1e6), 2.0)
    need = power(min_power(h, torch.full_like(p_max, 1e6), 2.0)[0])
    w, ok, _ = min_power(h, need * 0.99, 2.0)
    assert bool(ok_free.all()) and not bool(ok.any())
    _, feasible = reference(h, need * 0.99, CELL, r_min=2.0)
    assert not bool(feasible.any())
    h3, _ = tiny(3, 2)
    _, ok3, _ = min_power(h3, torch.full((len(h3),), 1e9, dtype=torch.float64), 12.0)
    assert not bool(ok3.any())


def slsqp_best(h: np.ndarray, p_max: float, r_min: float, starts: int = 20, seed: int = 0
               ) -> float:
    """Best EE over ``starts`` SLSQP runs from random W, subject to every user's rate >= r_min
    (NumPy, independent of the package); -inf if no run ends feasible."""
    k, m = h.shape
    rng = np.random.default_rng(seed)
    best = -math.inf

    def user_rates(x):
        w = unpack(x, m, k, p_max)
        g = np.abs(h @ w) ** 2
        sig = np.diag(g)
        return np.log2(1.0 + sig / (g.sum(axis=1) - sig + 1.0))

    for _ in range(starts):
        x0 = np.concatenate([rng.standard_normal(2 * m * k), [rng.uniform(0.0, 8.0)]])
        scale = np_ee(h, unpack(x0, m, k, p_max)) or 1.0
        res = minimize(lambda x: -np_ee(h, unpack(x, m, k, p_max)) / scale, x0, method="SLSQP",
                       constraints=[{"type": "ineq", "fun": lambda x: user_rates(x) - r_min}],
                       options={"maxiter": 2000, "ftol": 1e-14})
        if user_rates(res.x).min() >= r_min - 1e-7:
            best = max(best, np_ee(h, unpack(res.x, m, k, p_max)))
    return best


@pytest.mark.slow
@pytest.mark.parametrize("k,m,r_min", [(2, 2, 2.0), (3, 4, 2.0), (3, 2, 1.0)])
def test_constrained_reference_meets_the_constrained_multistart_optimum(k, m, r_min):
    h, p_max = tiny(k, m)
    w, feasible = reference(h, p_max, CELL, r_min=r_min)
    ee = energy_efficiency(h, w, CELL)
    for b in range(len(h)):
        best = slsqp_best(h[b].numpy(), float(p_max[b]), r_min, seed=b)
        if not bool(feasible[b]):
            assert best == -math.inf, (b, best)
            continue
        assert float(rates(h[b:b + 1], w[b:b + 1]).min()) >= r_min - RATE_TOL
        assert float(power(w[b:b + 1])) <= float(p_max[b]) * (1 + 1e-9)
        gap = 1.0 - float(ee[b]) / best
        assert gap <= GAP, (b, float(ee[b]), best, gap)


@pytest.mark.slow
def test_qos_metrics_score_feasible_instances_only():
    """Six drops at K = 4, M = 4 with a target some cannot meet: ee_ratio, qos_ee_ratio and
    qos_violation have one value per feasible instance, the same instances for every system;
    the reference never violates, and a violation scores 0 in qos_ee_ratio."""
    from linksim.tasks.beamforming.metrics import (ee_ratio, qos_ee_ratio, qos_feasible,
                                                   qos_violation)
    from test_beamforming import designed, drops

    x = drops(6, 4, [0.0, 10.0, 20.0], seed=7)
    ref = designed("ee_opt", x, 4, r_min=0.5)
    mrt = designed("mrt", x, 4, r_min=0.5)
    feasible = qos_feasible(x, ref)
    n = int((feasible > 0).sum())
    assert 0 < n < 6                                     # some instances are infeasible
    assert torch.equal(feasible, qos_feasible(x, mrt))
    for out in (ref, mrt):
        assert len(ee_ratio(x, out)) == len(qos_violation(x, out)) == n
    assert torch.allclose(ee_ratio(x, ref), torch.full((n,), 100.0, dtype=torch.float64))
    assert qos_violation(x, ref).tolist() == [0.0] * n
    missed = qos_violation(x, mrt) > 0
    assert bool((qos_ee_ratio(x, mrt)[missed] == 0).all())
    assert torch.equal(qos_ee_ratio(x, mrt)[~missed], ee_ratio(x, mrt)[~missed])
