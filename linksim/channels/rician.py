r"""Rician flat fading: a line-of-sight component beside the scattered one,

.. math:: h = \sqrt{\tfrac{K}{K+1}}\, e^{j\varphi} + \sqrt{\tfrac{1}{K+1}}\, g,
          \qquad g \sim \mathcal{CN}(0, 1),

so :math:`E|h|^2 = 1` for every Rice factor :math:`K` (linear, LoS over scattered power);
:math:`K = 0` is Rayleigh fading (the same draws give the same gains) and
:math:`K \to \infty` no fading.
"""
from __future__ import annotations

import cmath
import math

import torch

from linksim.channels.fading import FadingChannel
from linksim.base.registry import CHANNELS
from linksim.errors import LinksimError


@CHANNELS.register("rician")
class Rician(FadingChannel):
    """Rician fading + equalization.

    :param k_factor: Rice factor :math:`K \\ge 0`, linear (10 dB is ``k_factor = 10``).
    :param los_phase: :math:`\\varphi`, the LoS phase in radians.
    :param fading, block_size, equalizer, csi_snr: as in
        :class:`~linksim.channels.fading.FadingChannel`.
    """

    def __init__(self, k_factor: float = 0.0, los_phase: float = 0.0, **fading) -> None:
        super().__init__(**fading)
        if isinstance(k_factor, bool) or not isinstance(k_factor, (int, float)) \
                or not math.isfinite(k_factor) or k_factor < 0:
            raise LinksimError(f"k_factor={k_factor!r}: a finite number >= 0 (linear, "
                               "e.g. 10 for 10 dB)")
        self.k_factor, self.los_phase = float(k_factor), float(los_phase)

    def fade(self, g: torch.Tensor) -> torch.Tensor:
        k = self.k_factor
        los = math.sqrt(k / (k + 1.0)) * cmath.exp(1j * self.los_phase)
        return los + math.sqrt(1.0 / (k + 1.0)) * g
