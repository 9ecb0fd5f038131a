"""``ee_opt``: the reference optimizer as a system (:func:`.reference.reference`); with its
default settings on the true channel its designs are the reference the ``ee_ratio`` metric
divides by, so it stores them in :mod:`.reference_cache`."""
from __future__ import annotations

import torch

from linksim.base.registry import SYSTEMS
from linksim.tasks.beamforming.cell import Cell
from linksim.tasks.beamforming.reference import DEFAULTS, reference
from linksim.tasks.beamforming.reference_cache import store
from linksim.tasks.beamforming.system import BeamformingSystem


@SYSTEMS.register("ee_opt")
class EEOpt(BeamformingSystem):
    """The reference optimizer (Dinkelbach over WMMSE, :func:`.reference.ee_opt`).

    :param outer, inner, tol: Dinkelbach steps, WMMSE steps per Dinkelbach step and the
        relative EE tolerance (defaults :data:`DEFAULTS`).
    """

    def __init__(self, num_users: float | None = None, p_max_dbm: float | None = None,
                 num_antennas: float = 64, r_min: float = 0.0, csi_error: float = 0.0,
                 outer: int = DEFAULTS["outer"], inner: int = DEFAULTS["inner"],
                 tol: float = DEFAULTS["tol"], polish: int = DEFAULTS["polish"]) -> None:
        super().__init__(num_users, p_max_dbm, num_antennas, r_min, csi_error)
        self.settings = {"outer": int(outer), "inner": int(inner), "tol": float(tol),
                         "polish": int(polish)}
        self.feasible: torch.Tensor | None = None

    def design(self, h: torch.Tensor, p_max: torch.Tensor, cell: Cell) -> torch.Tensor:
        w, self.feasible = reference(h, p_max, cell, self.r_min, **self.settings)
        return w

    def transmit(self, x, link):
        downlink, extra = super().transmit(x, link)
        if self.settings == DEFAULTS and downlink.exact_csi:
            # the reference of the ee_ratio metric (designed on the true channel): cache it
            ee = downlink.ee()
            store(downlink, torch.where(self.feasible, ee, torch.full_like(ee, float("nan"))))
        return downlink, extra
