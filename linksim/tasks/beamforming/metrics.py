"""Per-instance metrics of the beamforming task; ``x`` is the :class:`Drops` batch, ``x_hat``
the system's :class:`~linksim.tasks.beamforming.downlink.Downlink`.

``ee_ratio`` divides each instance's EE by the reference optimizer's EE on the *same*
instance (same drop, same fades, same budget), computed once per instance and cached
(:mod:`linksim.tasks.beamforming.reference_cache`), so it is a paired, per-instance ratio
whatever system is scored; the reference system ``ee_opt`` itself scores 100%.
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

    return 100.0 * x_hat.ee() / reference_ee(x_hat)


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
