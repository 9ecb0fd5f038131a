"""Image training losses (registry ``LOSSES``) ``fn(x, x_hat) -> scalar`` on [B, 3, H, W] images in [0, 1]."""
from __future__ import annotations

import torch
import torch.nn.functional as F

from linksim.base.registry import LOSSES
from linksim.tasks.image.metrics import ms_ssim_window


@LOSSES.register("mse")
def mse(x: torch.Tensor, x_hat: torch.Tensor) -> torch.Tensor:
    """Mean squared error (the loss for PSNR)."""
    return F.mse_loss(x_hat, x)


@LOSSES.register("ms_ssim")
def ms_ssim(x: torch.Tensor, x_hat: torch.Tensor) -> torch.Tensor:
    """1 - MS-SSIM (pytorch-msssim, 5 scales, window by :func:`ms_ssim_window`)."""
    from pytorch_msssim import ms_ssim as _ms_ssim

    win = ms_ssim_window(min(x.shape[-2:]))
    return 1.0 - _ms_ssim(x_hat, x, data_range=1.0, size_average=True, win_size=win)

