r"""The cell: user drops, 3GPP UMi path loss with log-normal shadowing, thermal noise.

Path loss (3GPP TR 38.901 V17, Table 7.4.1-1, UMi street canyon, NLOS), distances in m,
carrier :math:`f_c` in GHz:

.. math::

    PL_{\mathrm{LOS}} &= 32.4 + 21\log_{10} d_{3D} + 20\log_{10} f_c
        \quad (d_{2D} < d'_{BP} = 4 h'_{BS} h'_{UT} f_c / c)\\
    PL'_{\mathrm{NLOS}} &= 35.3\log_{10} d_{3D} + 22.4 + 21.3\log_{10} f_c - 0.3 (h_{UT} - 1.5)\\
    PL_{\mathrm{NLOS}} &= \max(PL_{\mathrm{LOS}}, PL'_{\mathrm{NLOS}}), \qquad
    \text{shadowing } \sigma_{SF} = 7.82\ \mathrm{dB}.

Every user is NLOS (a stated simplification: no LOS probability). The large-scale gain of
user k relative to the noise is :math:`\beta_k/\sigma^2` with
:math:`\sigma^2 = -174\ \mathrm{dBm/Hz} + 10\log_{10} B + NF`.
Users are dropped uniformly in the area of the annulus
:math:`r_{\min} \le d_{2D} \le r_{\max}` around the base station.
"""
from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import torch

from linksim.errors import LinksimError

SPEED_OF_LIGHT = 299_792_458.0
THERMAL_NOISE_DBM_HZ = -174.0


def dbm_to_w(dbm: float | torch.Tensor) -> float | torch.Tensor:
    """Power in W of ``dbm`` dBm."""
    return 10.0 ** ((dbm - 30.0) / 10.0)


@dataclass(frozen=True)
class Cell:
    r"""Every physical number of the cell (the README's table; the ``[source]`` keys).

    :ivar radius_m: outer drop radius :math:`r_{\max}` (m).
    :ivar min_distance_m: inner drop radius :math:`r_{\min}` (m).
    :ivar carrier_ghz: carrier frequency :math:`f_c` (GHz).
    :ivar bs_height_m, ue_height_m: antenna heights :math:`h_{BS}, h_{UT}` (m).
    :ivar shadowing_db: log-normal shadowing standard deviation :math:`\sigma_{SF}` (dB).
    :ivar bandwidth_mhz: system bandwidth :math:`B` (MHz).
    :ivar noise_figure_db: receiver noise figure NF (dB).
    :ivar circuit_power_dbm: static circuit power :math:`P_c` (dBm).
    :ivar pa_efficiency: power-amplifier efficiency :math:`\eta` in (0, 1].
    """

    radius_m: float = 150.0
    min_distance_m: float = 20.0
    carrier_ghz: float = 3.5
    bs_height_m: float = 10.0
    ue_height_m: float = 1.5
    shadowing_db: float = 7.82
    bandwidth_mhz: float = 10.0
    noise_figure_db: float = 9.0
    circuit_power_dbm: float = 30.0
    pa_efficiency: float = 0.35

    def __post_init__(self) -> None:
        for key, value in asdict(self).items():
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
                raise _error(key, f"{key}={value!r}: expected a finite number")
        positive = ("radius_m", "carrier_ghz", "bs_height_m", "ue_height_m", "bandwidth_mhz")
        for key in positive:
            if getattr(self, key) <= 0:
                raise _error(key, f"{key}={getattr(self, key)!r}: must be positive")
        if not 0 < self.min_distance_m < self.radius_m:
            raise _error("min_distance_m", f"min_distance_m={self.min_distance_m!r}: must be in "
                         f"(0, radius_m={self.radius_m:g})")
        if self.shadowing_db < 0:
            raise _error("shadowing_db", "shadowing_db must be >= 0")
        if not 0 < self.pa_efficiency <= 1:
            raise _error("pa_efficiency", f"pa_efficiency={self.pa_efficiency!r}: must be in (0, 1]")

    @property
    def noise_dbm(self) -> float:
        r"""Thermal noise power over the band, :math:`-174 + 10\log_{10}B + NF` (dBm)."""
        return THERMAL_NOISE_DBM_HZ + 10 * math.log10(self.bandwidth_mhz * 1e6) + self.noise_figure_db

    @property
    def bandwidth_hz(self) -> float:
        return self.bandwidth_mhz * 1e6

    @property
    def circuit_power_w(self) -> float:
        return float(dbm_to_w(self.circuit_power_dbm))

    def path_loss_db(self, d2d: torch.Tensor) -> torch.Tensor:
        """UMi street-canyon NLOS path loss (dB) at 2-D distances ``d2d`` (m), any shape."""
        d3d = torch.sqrt(d2d.square() + (self.bs_height_m - self.ue_height_m) ** 2)
        fc = self.carrier_ghz
        los = 32.4 + 21 * torch.log10(d3d) + 20 * math.log10(fc)
        d_bp = 4 * (self.bs_height_m - 1) * (self.ue_height_m - 1) * fc * 1e9 / SPEED_OF_LIGHT
        los_far = (32.4 + 40 * torch.log10(d3d) + 20 * math.log10(fc)
                   - 9.5 * math.log10(d_bp ** 2 + (self.bs_height_m - self.ue_height_m) ** 2))
        los = torch.where(d2d < d_bp, los, los_far)
        nlos = (35.3 * torch.log10(d3d) + 22.4 + 21.3 * math.log10(fc)
                - 0.3 * (self.ue_height_m - 1.5))
        return torch.maximum(los, nlos)

    def drop(self, count: int, users: int, generator: torch.Generator | None = None
             ) -> tuple[torch.Tensor, torch.Tensor]:
        r"""``count`` drops of ``users`` users: (2-D distances [count, users] in m,
        large-scale gains over noise :math:`10\log_{10}\beta_k/\sigma^2` [count, users] in dB),
        float64."""
        u = torch.rand(count, users, dtype=torch.float64, generator=generator)
        r0, r1 = self.min_distance_m, self.radius_m
        d2d = torch.sqrt(r0 ** 2 + u * (r1 ** 2 - r0 ** 2))      # uniform in the annulus area
        shadow = self.shadowing_db * torch.randn(count, users, dtype=torch.float64,
                                                 generator=generator)
        gain_db = -self.path_loss_db(d2d) + shadow - (self.noise_dbm - 30.0)
        return d2d, gain_db


def _error(key: str, message: str) -> LinksimError:
    err = LinksimError(message)
    err.key = key
    return err
