"""Image fidelity metrics, per image: ``fn(x, x_hat) -> [B]`` float64.

Both inputs are [B, 3, H, W] float in [0, 1]; the reconstruction is rounded to
8 bits first (as a receiver would display or store it), so PSNR is the one the
literature reports for 8-bit images.
"""
from __future__ import annotations

import torch

from linksim.errors import LinksimError
from linksim.core.metric import metric

MS_SSIM_WIN = 11


def quantize8(x: torch.Tensor, dtype: torch.dtype | None = None) -> torch.Tensor:
    """Round to the nearest of the 256 levels of an 8-bit image, in [0, 1], as a new
    tensor of ``dtype`` (default: ``x``'s). One allocation: a 768x512 batch of four in
    float64 is 38 MB, and fresh tensors per step cost more in page faults than the
    arithmetic."""
    return x.to(dtype or x.dtype, copy=True).clamp_(0.0, 1.0).mul_(255.0).round_().div_(255.0)


@metric("psnr", unit="dB", label="PSNR (dB)", bounds=(0.0, 100.0), task="image")
def psnr(x: torch.Tensor, x_hat: torch.Tensor) -> torch.Tensor:
    r"""PSNR in dB, :math:`10\log_{10}(1/\mathrm{MSE})` per image on 8-bit values (capped at 100 dB)."""
    err = quantize8(x, torch.float64).sub_(quantize8(x_hat, torch.float64))
    mse = err.square_().flatten(1).mean(1)
    return (10.0 * torch.log10(1.0 / mse.clamp_min(1e-10))).clamp_max(100.0)


def ms_ssim_window(size: int) -> int:
    """Gaussian window for MS-SSIM: 11 (the standard) when the image's short side
    exceeds 160 px, else the largest odd window whose 5 scales still fit (>= 3)."""
    fit = (size - 1) // 16 + 1
    return MS_SSIM_WIN if fit >= MS_SSIM_WIN else max(3, fit - (fit + 1) % 2)


@metric("ms_ssim", label="MS-SSIM", bounds=(0.0, 1.0), task="image")
def ms_ssim(x: torch.Tensor, x_hat: torch.Tensor) -> torch.Tensor:
    """MS-SSIM (Wang et al. 2003, pytorch-msssim, 5 scales) per image on 8-bit values
    (computed in float32, returned as float64).

    The window is the standard 11 px from a short side of 161 px up; smaller
    images use a smaller window (:func:`ms_ssim_window`), down to 3 px at 33-48 px.
    """
    from pytorch_msssim import ms_ssim as _ms_ssim

    side = min(x.shape[-2:])
    if side <= 32:
        raise LinksimError(f"ms_ssim: images of {side} px are too small (needs > 32 px); "
                           "drop ms_ssim from [metrics] names or use larger crops")
    q, q_hat = (quantize8(v, torch.float64).float() for v in (x, x_hat))
    return _ms_ssim(q, q_hat, data_range=1.0,
                    size_average=False, win_size=ms_ssim_window(side)).double()
