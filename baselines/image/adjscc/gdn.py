r"""Generalized divisive normalization (Ballé, Laparra, Simoncelli, ICLR 2016/2017).

.. math::

    y_i = \frac{x_i}{\sqrt{\beta_i + \sum_j \gamma_{ij} x_j^2}}
    \qquad\text{(inverse GDN: } y_i = x_i \sqrt{\beta_i + \sum_j \gamma_{ij} x_j^2}\text{)}

over channels at every pixel. :math:`\beta > 0` and :math:`\gamma \ge 0` are kept feasible
by the reparametrization of Ballé's ``tensorflow_compression`` (as in CompressAI):
a stored :math:`p` maps to :math:`\max(p, b)^2 - \epsilon^2` with pedestal
:math:`\epsilon = 2^{-18}` and bound :math:`b = \sqrt{m + \epsilon^2}` for the minimum
:math:`m` (:math:`10^{-6}` for :math:`\beta`, 0 for :math:`\gamma`); the bound passes
gradients that push the value back up (:class:`LowerBound`). Initialization
:math:`\beta = 1`, :math:`\gamma = 0.1 I`.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

PEDESTAL = 2.0 ** -36  # (2^-18)^2


class LowerBound(torch.autograd.Function):
    """``max(x, bound)`` whose gradient also flows where it would raise ``x`` above the bound."""

    @staticmethod
    def forward(ctx, x: torch.Tensor, bound: float) -> torch.Tensor:  # noqa: D102
        ctx.save_for_backward(x)
        ctx.bound = bound
        return x.clamp_min(bound)

    @staticmethod
    def backward(ctx, grad: torch.Tensor) -> tuple[torch.Tensor, None]:  # noqa: D102
        (x,) = ctx.saved_tensors
        return grad * ((x >= ctx.bound) | (grad < 0)).to(grad.dtype), None


def _decode(p: torch.Tensor, minimum: float) -> torch.Tensor:
    """Stored parameter -> non-negative value ``max(p, b)^2 - pedestal``."""
    return LowerBound.apply(p, (minimum + PEDESTAL) ** 0.5) ** 2 - PEDESTAL


def _encode(v: torch.Tensor) -> torch.Tensor:
    """Value -> stored parameter (inverse of :func:`_decode` above the bound)."""
    return torch.sqrt(torch.clamp_min(v + PEDESTAL, PEDESTAL))


class GDN(nn.Module):
    r"""GDN (or inverse GDN) over the channels of a [B, C, H, W] map.

    :param channels: :math:`C`.
    :param inverse: multiply instead of divide (IGDN, the decoder's).
    :param beta_min: minimum of :math:`\beta`.
    :input x: [B, C, H, W], float32. :output: same shape.
    """

    def __init__(self, channels: int, inverse: bool = False, beta_min: float = 1e-6,
                 gamma_init: float = 0.1) -> None:
        super().__init__()
        self.inverse, self.beta_min = inverse, beta_min
        self.beta = nn.Parameter(_encode(torch.ones(channels)))
        self.gamma = nn.Parameter(_encode(gamma_init * torch.eye(channels)))

    def effective(self) -> tuple[torch.Tensor, torch.Tensor]:
        r"""(:math:`\beta` [C], :math:`\gamma` [C, C]) after reparametrization."""
        return _decode(self.beta, self.beta_min), _decode(self.gamma, 0.0)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        beta, gamma = self.effective()
        c = x.shape[1]
        norm = torch.sqrt(F.conv2d(x * x, gamma.reshape(c, c, 1, 1), beta))
        return x * norm if self.inverse else x / norm

    def extra_repr(self) -> str:
        return f"channels={self.beta.numel()}, inverse={self.inverse}"
