r"""Radio-map accuracy per map, as RadioMamba's Table II reports it: ``fn(batch, P_hat) -> [B]``.

``batch`` is a :class:`~linksim.tasks.radiomap.dataset.RadioBatch` (truth :math:`P`,
[B, 1, H, W] in [0, 1]); ``P_hat`` the prediction of the same shape, clipped to [0, 1]
first. Every cell counts (buildings too, where :math:`P = 0`), as on RadioMapSeer.

- NMSE :math:`\sum (\hat P - P)^2 / \sum P^2`; RMSE :math:`\sqrt{\overline{(\hat P - P)^2}}`
  on the normalized scale (the paper's "RMSE (dB)" column is on this scale: 0.0266) and
  ``rm_rmse_db`` the same in dB of path gain (times the 100 dB span, :mod:`.units`);
- SSIM (Wang et al. 2004, 11-px Gaussian window, sigma 1.5, data range 1; pytorch-msssim);
- PSNR :math:`10\log_{10}(1/\mathrm{MSE})` (peak 1).
"""
from __future__ import annotations

import torch

from linksim.core.metric import metric
from linksim.tasks.radiomap.units import SPAN_DB


def _pair(batch, p_hat: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    return batch.target.double(), p_hat.double().clamp(0.0, 1.0)


def _mse(batch, p_hat: torch.Tensor) -> torch.Tensor:
    p, q = _pair(batch, p_hat)
    return (q - p).square().flatten(1).mean(1)


@metric("rm_nmse", label="NMSE", higher_is_better=False, bounds=(0.0, None), task="radiomap")
def nmse(batch, p_hat: torch.Tensor) -> torch.Tensor:
    """Normalized MSE per map (lower is better)."""
    p, q = _pair(batch, p_hat)
    return (q - p).square().flatten(1).sum(1) / p.square().flatten(1).sum(1).clamp_min(1e-12)


@metric("rm_rmse", label="RMSE (normalized)", higher_is_better=False, bounds=(0.0, 1.0),
        task="radiomap")
def rmse(batch, p_hat: torch.Tensor) -> torch.Tensor:
    """RMSE per map on the normalized [0, 1] scale."""
    return _mse(batch, p_hat).sqrt()


@metric("rm_rmse_db", unit="dB", label="RMSE (dB of path gain)", higher_is_better=False,
        bounds=(0.0, None), task="radiomap")
def rmse_db(batch, p_hat: torch.Tensor) -> torch.Tensor:
    """RMSE per map in dB of path gain (floor-clipped scale)."""
    return _mse(batch, p_hat).sqrt() * SPAN_DB


@metric("rm_ssim", label="SSIM", bounds=(-1.0, 1.0), task="radiomap")
def ssim(batch, p_hat: torch.Tensor) -> torch.Tensor:
    """SSIM per map (pytorch-msssim, 11-px Gaussian window)."""
    from pytorch_msssim import ssim as _ssim

    p, q = _pair(batch, p_hat)
    return _ssim(q.float(), p.float(), data_range=1.0, size_average=False).double()


@metric("rm_psnr", unit="dB", label="PSNR (dB)", bounds=(0.0, 100.0), task="radiomap")
def psnr(batch, p_hat: torch.Tensor) -> torch.Tensor:
    """PSNR per map, peak 1 (capped at 100 dB)."""
    return (10.0 * torch.log10(1.0 / _mse(batch, p_hat).clamp_min(1e-10))).clamp_max(100.0)
