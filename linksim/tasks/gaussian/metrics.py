"""Distortion of a real vector source, per item."""
from __future__ import annotations

import torch

from linksim.core.metric import metric


@metric("mse_db", unit="dB", label="MSE (dB)", higher_is_better=False, task="gaussian")
def mse_db(x: torch.Tensor, x_hat: torch.Tensor) -> torch.Tensor:
    r""":math:`10\log_{10}\frac1L\sum_l (x_l - \hat x_l)^2` per item, x and x_hat [B, L]."""
    mse = (x.double() - x_hat.double()).square().mean(dim=-1)
    return 10.0 * torch.log10(mse.clamp_min(1e-30))
