"""Iterative baselines: WMMSE for the sum rate (full power) and ZF with EE-optimal power."""
from __future__ import annotations

import torch

from linksim.base.registry import SYSTEMS
from linksim.tasks.beamforming.cell import Cell
from linksim.tasks.beamforming.reference import equal_power, zf_ee
from linksim.tasks.beamforming.structure import rzf
from linksim.tasks.beamforming.system import BeamformingSystem
from linksim.tasks.beamforming.wmmse import wmmse

from linksim.baselines.beamforming.linear import NeedsKLessEqualM


@SYSTEMS.register("wmmse")
class WMMSESumRate(BeamformingSystem):
    """WMMSE sum-rate maximization (no power price, so it spends the budget), ``iterations``
    steps from RZF at full power."""

    def __init__(self, num_users: float | None = None, p_max_dbm: float | None = None,
                 num_antennas: float = 64, r_min: float = 0.0, csi_error: float = 0.0,
                 iterations: int = 100) -> None:
        super().__init__(num_users, p_max_dbm, num_antennas, r_min, csi_error)
        self.iterations = int(iterations)

    def design(self, h: torch.Tensor, p_max: torch.Tensor, cell: Cell) -> torch.Tensor:
        return wmmse(h, equal_power(rzf(h, p_max), p_max), p_max, iterations=self.iterations)


@SYSTEMS.register("zf_ee")
class ZFEnergyEfficient(NeedsKLessEqualM):
    """ZF directions with EE-optimal water-filling powers (Dinkelbach, exact)."""

    def design(self, h: torch.Tensor, p_max: torch.Tensor, cell: Cell) -> torch.Tensor:
        return zf_ee(h, p_max, cell)
