"""Training loss of the learned beamformers (registry ``LOSSES``)."""
from __future__ import annotations

import torch

from linksim.base.registry import LOSSES
from linksim.tasks.beamforming.downlink import Downlink
from linksim.tasks.beamforming.drops import Drops


@LOSSES.register("neg_ee")
def neg_ee(x: Drops, x_hat: Downlink) -> torch.Tensor:
    """Negative mean EE per user and Hz, :math:`-\\frac1B\\sum_b \\mathrm{EE}_b/(K\\,B_{\\mathrm{Hz}})`
    (bit/J/Hz/user, O(1); dividing by K makes batches of different K comparable)."""
    k = x_hat.h.shape[-2]
    return -(x_hat.ee() / (x_hat.cell.bandwidth_hz * k)).mean()
