"""Per-instance metrics of the beamforming task; ``x`` is the :class:`Drops` batch, ``x_hat``
the system's :class:`~linksim.tasks.beamforming.downlink.Downlink`.

``ee_ratio`` divides each instance's EE by the reference optimizer's EE on the *same*
instance (same drop, same fades, same budget), computed once per instance and cached
(:mod:`linksim.tasks.beamforming.reference_cache`), so it is a paired, per-instance ratio
whatever system is scored; the reference system ``ee_opt`` itself scores 100% (with
perfect CSI).

With a per-user minimum rate ``r_min`` > 0 the reference solves the constrained problem
and may find an instance infeasible. ``ee_ratio`` (which a design that ignores r_min can
push above 100%), ``qos_ee_ratio`` (0 where a design misses r_min) and ``qos_violation``
return values
for the feasible instances only, in item order (fewer than the batch): every system at a
point has the same feasible instances (a property of the instance), so their values still
pair one to one; ``qos_feasible`` gives the share of feasible instances.
"""
from __future__ import annotations

import torch

from linksim.core.metric import metric
from linksim.tasks.beamforming.downlink import Downlink


@metric("ee", unit="Mbit/J", label="energy efficiency (Mbit/J)", task="beamforming")
def ee(x, x_hat: Downlink) -> torch.Tensor:
    """EE in Mbit/J (1 Mbit/J = 1e6 bit/J)."""
    return x_hat.ee() / 1e6


@metric("ee_ratio", unit="%", label="EE / reference EE (%)", task="beamforming")
def ee_ratio(x, x_hat: Downlink) -> torch.Tensor:
    """100 EE / EE of ``ee_opt`` on the same instance."""
    from linksim.tasks.beamforming.reference_cache import reference_ee

    ref = reference_ee(x_hat)
    ratio = 100.0 * x_hat.ee() / ref
    return ratio[torch.isfinite(ref)]


@metric("qos_ee_ratio", unit="%", label="EE / reference EE, 0 if r_min is missed (%)",
        task="beamforming")
def qos_ee_ratio(x, x_hat: Downlink) -> torch.Tensor:
    """``ee_ratio`` where every user meets ``r_min`` (to 1e-6 bit/s/Hz), 0 where one misses
    it: a design that breaks the constraint scores nothing (feasible instances only)."""
    from linksim.tasks.beamforming.downlink import qos_shortfall
    from linksim.tasks.beamforming.qos import RATE_TOL
    from linksim.tasks.beamforming.reference_cache import reference_ee

    ref = reference_ee(x_hat)
    met = qos_shortfall(x_hat.h, x_hat.w, x_hat.r_min) <= RATE_TOL
    ratio = torch.where(met, 100.0 * x_hat.ee() / ref, torch.zeros_like(ref))
    return ratio[torch.isfinite(ref)]


@metric("qos_violation", unit="%", label="instances missing r_min (%)", higher_is_better=False,
        bounds=(0.0, 100.0), task="beamforming")
def qos_violation(x, x_hat: Downlink) -> torch.Tensor:
    """100 where some user's rate (on the true channel) is more than 1e-6 bit/s/Hz below
    ``r_min``, else 0; on the instances the reference finds feasible only."""
    from linksim.tasks.beamforming.downlink import qos_shortfall
    from linksim.tasks.beamforming.qos import RATE_TOL
    from linksim.tasks.beamforming.reference_cache import reference_ee

    missed = 100.0 * (qos_shortfall(x_hat.h, x_hat.w, x_hat.r_min) > RATE_TOL).double()
    return missed[torch.isfinite(reference_ee(x_hat))]


@metric("qos_feasible", unit="%", label="instances where r_min is feasible (%)",
        bounds=(0.0, 100.0), task="beamforming")
def qos_feasible(x, x_hat: Downlink) -> torch.Tensor:
    """100 where the reference finds every user's ``r_min`` reachable within P_max, else 0."""
    from linksim.tasks.beamforming.reference_cache import reference_ee

    return 100.0 * torch.isfinite(reference_ee(x_hat)).double()


@metric("sum_rate", unit="Mbit/s", label="sum rate (Mbit/s)", task="beamforming")
def sum_rate(x, x_hat: Downlink) -> torch.Tensor:
    from linksim.tasks.beamforming.downlink import rates

    return x_hat.cell.bandwidth_hz * rates(x_hat.h, x_hat.w).sum(dim=-1) / 1e6


@metric("tx_power", unit="W", label="transmit power used (W)", higher_is_better=False,
        task="beamforming")
def tx_power(x, x_hat: Downlink) -> torch.Tensor:
    r""":math:`\sum_k \|w_k\|^2` in W (lower is cheaper; not a quality by itself)."""
    return x_hat.power()


@metric("violation", unit="", label="power-budget violation", higher_is_better=False,
        task="beamforming")
def violation(x, x_hat: Downlink) -> torch.Tensor:
    """Relative excess over :math:`P_{\\max}` (0: feasible; 1: non-finite beamformers)."""
    return x_hat.violation()


@metric("time_ms", unit="ms", label="inference time per instance (ms)", higher_is_better=False,
        task="beamforming")
def time_ms(x, x_hat: Downlink) -> torch.Tensor:
    """Design wall time per instance (the batch's time / B), ms, on the run's device."""
    return 1e3 * x_hat.seconds
