r"""RadioMamba's composite training loss (Sec. V-A-4, eq. 26), registry ``LOSSES``:

.. math:: \mathcal L = 0.4\,\mathcal L_{L1} + 0.1\,\mathcal L_{MSE}
          + 0.2\,(1 - \mathrm{SSIM}(\hat P, P)) + 0.3\,\lVert\nabla\hat P - \nabla P\rVert_1

with :math:`\nabla` the horizontal and vertical 3x3 Sobel responses (mean absolute
difference over both). ``fn(batch, P_hat) -> scalar``; ``P_hat`` [B, 1, H, W] unclipped.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F

from linksim.base.registry import LOSSES

WEIGHTS = {"l1": 0.4, "mse": 0.1, "ssim": 0.2, "grad": 0.3}
_SOBEL = torch.tensor([[-1.0, 0.0, 1.0], [-2.0, 0.0, 2.0], [-1.0, 0.0, 1.0]])


def sobel(x: torch.Tensor) -> torch.Tensor:
    """[B, 1, H, W] -> [B, 2, H, W] horizontal and vertical Sobel responses (zero padding)."""
    k = torch.stack([_SOBEL, _SOBEL.T])[:, None].to(x)
    return F.conv2d(x, k, padding=1)


def composite_terms(batch, p_hat: torch.Tensor) -> dict[str, torch.Tensor]:
    """The four terms of eq. (26), each a scalar."""
    from pytorch_msssim import ssim

    p = batch.target
    return {"l1": F.l1_loss(p_hat, p), "mse": F.mse_loss(p_hat, p),
            "ssim": 1.0 - ssim(p_hat, p, data_range=1.0, size_average=True),
            "grad": F.l1_loss(sobel(p_hat), sobel(p))}


@LOSSES.register("radiomap")
def composite(batch, p_hat: torch.Tensor) -> torch.Tensor:
    """RadioMamba's weighted sum L1 + MSE + SSIM + gradient (weights 0.4, 0.1, 0.2, 0.3)."""
    return sum(WEIGHTS[k] * v for k, v in composite_terms(batch, p_hat).items())


@LOSSES.register("radiomap_mse")
def mse(batch, p_hat: torch.Tensor) -> torch.Tensor:
    """Mean squared error of the normalized path gain (what NMSE and PSNR score).

    On both of linksim's ray-traced data sets, where most cells are 0 (buildings, cells no
    ray reaches), the composite loss drives RadioUNet to an all-zero prediction (its L1,
    SSIM and gradient terms all favour 0 there; ``results/radiomap/seerlike/composite.toml``);
    MSE does not have that minimum."""
    return F.mse_loss(p_hat, batch.target)
