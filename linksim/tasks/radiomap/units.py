r"""Path gain in dB, its floor, and RadioMapSeer's normalization to [0, 1].

RadioMapSeer (Levie et al., RadioUNet, IEEE TWC 2021) stores path gain in dB mapped
linearly to gray levels between a floor and a ceiling. linksim does the same:

.. math:: P = \mathrm{clip}\!\left(\frac{G_{\mathrm{dB}} - F}{C - F},\, 0,\, 1\right),
          \qquad G_{\mathrm{dB}} = 10\log_{10} g

with floor :math:`F` = ``FLOOR_DB`` (cells no ray reaches, :math:`g = 0`, and cells
inside buildings are set to the floor, :math:`P = 0`) and ceiling :math:`C` = ``CEIL_DB``
(cells within a few metres of the transmitter clip to 1). The 100 dB span is
RadioMapSeer's; the values suit 3.5 GHz over 256 m (free-space loss at 1 m is 43.3 dB).
Stored as 8-bit PNG, :math:`P` is quantized to steps of 100/255 = 0.39 dB.
"""
from __future__ import annotations

import math

import numpy as np
import torch

#: path gain (dB) of normalized value 0: cells no ray reaches, and inside buildings
FLOOR_DB = -140.0
#: path gain (dB) of normalized value 1 (higher values clip)
CEIL_DB = -40.0
SPAN_DB = CEIL_DB - FLOOR_DB
SPEED_OF_LIGHT = 299_792_458.0


def friis_gain_db(d_m: torch.Tensor, frequency_hz: float) -> torch.Tensor:
    r"""Free-space path gain :math:`-20\log_{10}(4\pi d f / c)` in dB at distance ``d_m`` (m)."""
    return -20.0 * torch.log10(4.0 * math.pi * d_m * frequency_hz / SPEED_OF_LIGHT)


def gain_to_unit(gain: np.ndarray, buildings: np.ndarray | None = None) -> np.ndarray:
    """Linear path gain -> normalized :math:`P` in [0, 1] (float32), buildings at 0."""
    with np.errstate(divide="ignore"):
        db = 10.0 * np.log10(np.asarray(gain, dtype=np.float64))
    unit = np.clip((db - FLOOR_DB) / SPAN_DB, 0.0, 1.0)
    if buildings is not None:
        unit[buildings > 0] = 0.0
    return unit.astype(np.float32)


def unit_to_db(unit: torch.Tensor) -> torch.Tensor:
    """Normalized :math:`P` -> path gain in dB (:math:`F + P (C - F)`)."""
    return FLOOR_DB + unit * SPAN_DB


def db_to_unit(db: torch.Tensor) -> torch.Tensor:
    """Path gain in dB -> normalized :math:`P`, clipped to [0, 1]."""
    return ((db - FLOOR_DB) / SPAN_DB).clamp(0.0, 1.0)


def to_uint8(unit: np.ndarray) -> np.ndarray:
    """[0, 1] -> 8-bit gray levels (rounded)."""
    return np.round(np.clip(unit, 0.0, 1.0) * 255.0).astype(np.uint8)
