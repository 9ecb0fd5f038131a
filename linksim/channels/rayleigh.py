r"""Rayleigh flat fading, :math:`y_i = h_i x_i + n_i`, :math:`h \sim \mathcal{CN}(0,1)`,
followed by a perfect-CSI single-tap equalizer (:mod:`linksim.channels.equalizers`).

What the receiver reports as ``CSI.snr_db`` (``csi_snr``): ``"average"``, the MambaJSCC
paper's choice and the default, or ``"effective"``, which under one fade per example is
:math:`\mathrm{SNR}_{\mathrm{dB}} + 10\log_{10}|h|^2`. The receiver knows it because it
knows :math:`h`; the transmitter still only knows the average.
"""
from __future__ import annotations

import torch

from linksim.channels.fading import FadingChannel
from linksim.base.registry import CHANNELS


@CHANNELS.register("rayleigh")
class Rayleigh(FadingChannel):
    """Rayleigh fading + equalization (parameters of
    :class:`~linksim.channels.fading.FadingChannel`)."""

    def fade(self, g: torch.Tensor) -> torch.Tensor:
        return g
