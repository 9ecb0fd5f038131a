"""Base class of beamforming systems: the channel comes from the link, W from :meth:`design`.

:meth:`BeamformingSystem.transmit` is the one place a channel is assembled, so every
system designs for, and is scored on, the same channel: the drop's large-scale gains
(first K users) times the link's [B, K, M] Rayleigh fading. With ``csi_error`` > 0 the
system designs on the LMMSE estimate of the fading (pilot noise from the link's
``"pilots"`` stream, the same for every system at a point; large-scale gains known) and
is scored on the true channel. Subclasses implement
:meth:`design` only; its wall time per instance is recorded.
"""
from __future__ import annotations

import math
import time
from typing import Any, ClassVar

import torch

from linksim.channels.base import Link
from linksim.channels.estimation import check_error_variance, lmmse_estimate
from linksim.core.system import System
from linksim.errors import LinksimError
from linksim.tasks.beamforming.cell import Cell, dbm_to_w
from linksim.tasks.beamforming.downlink import Downlink
from linksim.tasks.beamforming.drops import Drops

#: the power budgets the task accepts (dBm); 30 dBm = 1 W
P_MAX_RANGE_DBM = (-30.0, 60.0)


def check_count(name: str, value: Any, low: int = 1) -> int:
    """A whole number >= ``low`` (floats like 30.0 from an axis are accepted)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value != int(value) \
            or value < low:
        raise LinksimError(f"{name}={value!r}: expected a whole number >= {low}")
    return int(value)


def check_r_min(value: Any) -> float:
    """A per-user minimum rate (bit/s/Hz) >= 0."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) \
            or value < 0:
        raise LinksimError(f"r_min={value!r}: the per-user minimum rate is in bit/s/Hz and "
                           "must be >= 0 (0: no QoS constraint)")
    return float(value)


def check_p_max_dbm(value: Any) -> float:
    """A power budget in dBm inside :data:`P_MAX_RANGE_DBM`."""
    lo, hi = P_MAX_RANGE_DBM
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) \
            or not lo <= value <= hi:
        raise LinksimError(f"p_max_dbm={value!r}: the power budget is in dBm and must be in "
                           f"[{lo:g}, {hi:g}] (30 dBm = 1 W; zero or negative watts have no dBm "
                           "value)")
    return float(value)


def channel(drops: Drops, fading: torch.Tensor) -> torch.Tensor:
    """[B, K, M] complex128 noise-normalized channel: :math:`\\sqrt{\\beta_k/\\sigma^2}\\,g_{k}`
    for fading g [B, K', M] (K' >= K; the first K rows are used)."""
    k = drops.num_users
    amp = torch.pow(10.0, drops.gain_db / 20.0)
    return fading[:, :k].to(torch.complex128) * amp[..., None]


class BeamformingSystem(System):
    """A downlink beamformer designer.

    :param num_users: K; ``None`` (training): as many users as the drops hold.
    :param p_max_dbm: :math:`P_{\\max}` in dBm; ``None`` (training): the drops carry it.
    :param num_antennas: M, the BS antennas.
    :param r_min: per-user minimum rate (bit/s/Hz) the design should meet; only the
        reference uses it (the others ignore it and are scored on their violations).
    :param csi_error: error variance of the LMMSE channel estimate the system designs on
        (:mod:`linksim.channels.estimation`; 0: the true channel).
    """

    task: ClassVar[str] = "beamforming"

    def __init__(self, num_users: float | None = None, p_max_dbm: float | None = None,
                 num_antennas: float = 64, r_min: float = 0.0, csi_error: float = 0.0) -> None:
        super().__init__()
        self.num_users = None if num_users is None else check_count("num_users", num_users)
        self.p_max_dbm = None if p_max_dbm is None else check_p_max_dbm(p_max_dbm)
        self.num_antennas = check_count("num_antennas", num_antennas)
        self.r_min = check_r_min(r_min)
        self.csi_error = check_error_variance(csi_error)

    def budget_w(self, drops: Drops) -> torch.Tensor:
        """[B] float64 :math:`P_{\\max}` in W."""
        if self.p_max_dbm is not None:
            return torch.full((len(drops),), float(dbm_to_w(self.p_max_dbm)), dtype=torch.float64,
                              device=drops.gain_db.device)
        if drops.p_max_dbm is None:
            raise LinksimError("no power budget: give the system p_max_dbm or drops carrying one")
        return dbm_to_w(drops.p_max_dbm.double())

    def transmit(self, x: Drops, link: Link) -> tuple[Downlink, dict[str, torch.Tensor]]:
        drops = x if self.num_users is None else x.first(self.num_users)
        if drops.num_users < (self.num_users or 0):
            raise LinksimError(f"num_users={self.num_users}: the drops hold only "
                               f"{drops.num_users} users; raise [source] max_users")
        fading = link.realization(drops.num_users).h
        if fading is None or fading.dim() != 3 or fading.shape[-1] != self.num_antennas:
            raise LinksimError("the beamforming task needs [B, K, M] fading gains with "
                               f"M={self.num_antennas}: use channel \"rayleigh\" with "
                               "fading = \"fast\"")
        h = channel(drops, fading)
        seen = h if self.csi_error == 0 else channel(
            drops, lmmse_estimate(fading[:, :drops.num_users].to(torch.complex128),
                                  self.csi_error, link.generators("pilots")))
        p_max = self.budget_w(drops)
        start = time.perf_counter()
        w = self.design(seen, p_max, drops.cell)
        seconds = (time.perf_counter() - start) / len(drops)
        return Downlink(h, w, p_max, drops.cell,
                        torch.full((len(drops),), seconds, dtype=torch.float64),
                        r_min=self.r_min, exact_csi=self.csi_error == 0), {}

    def design(self, h: torch.Tensor, p_max: torch.Tensor, cell: Cell) -> torch.Tensor:
        """Beamformers [B, M, K] complex128 with :math:`\\|W\\|_F^2 \\le P_{\\max}` for
        h [B, K, M] complex128 (noise-normalized) and p_max [B] float64 (W)."""
        raise NotImplementedError
