"""Linear precoders at full power with equal power per user: MRT, ZF and regularized ZF.

Directions from :mod:`linksim.tasks.beamforming.structure`; every user gets
:math:`P_{\\max}/K`. ZF needs K <= M (a one-line error otherwise).
"""
from __future__ import annotations

import torch

from linksim.base.registry import SYSTEMS
from linksim.errors import LinksimError
from linksim.tasks.beamforming.cell import Cell
from linksim.tasks.beamforming.reference import equal_power
from linksim.tasks.beamforming.structure import mrt, rzf, zf
from linksim.tasks.beamforming.system import BeamformingSystem


@SYSTEMS.register("mrt")
class MRT(BeamformingSystem):
    """Maximum-ratio transmission, :math:`w_k \\propto \\tilde h_k^*`, full power."""

    def design(self, h: torch.Tensor, p_max: torch.Tensor, cell: Cell) -> torch.Tensor:
        return equal_power(mrt(h), p_max)


class NeedsKLessEqualM(BeamformingSystem):
    """A precoder defined only for K <= M (the check runs when the point is built)."""

    def __init__(self, num_users: float | None = None, p_max_dbm: float | None = None,
                 num_antennas: float = 64, r_min: float = 0.0, csi_error: float = 0.0) -> None:
        super().__init__(num_users, p_max_dbm, num_antennas, r_min, csi_error)
        if self.num_users is not None and self.num_users > self.num_antennas:
            raise LinksimError(f"num_users={self.num_users} > num_antennas={self.num_antennas}: "
                               "zero forcing needs K <= M; restrict this system with "
                               "num_users = [...] <= M, or use rzf")


@SYSTEMS.register("zf")
class ZF(NeedsKLessEqualM):
    """Zero forcing, columns of :math:`h^H(hh^H)^{-1}` normalized, full power."""

    def design(self, h: torch.Tensor, p_max: torch.Tensor, cell: Cell) -> torch.Tensor:
        return equal_power(zf(h), p_max)


@SYSTEMS.register("rzf")
class RZF(BeamformingSystem):
    """Regularized ZF, :math:`h^H(hh^H + K/P_{\\max} I)^{-1}` normalized, full power."""

    def design(self, h: torch.Tensor, p_max: torch.Tensor, cell: Cell) -> torch.Tensor:
        return equal_power(rzf(h, p_max), p_max)
