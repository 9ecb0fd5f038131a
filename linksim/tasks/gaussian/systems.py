r"""Systems of the Gaussian task: uncoded linear transmission and the OPTA bound.

With :math:`L` samples per item and :math:`n = \mathrm{cbr}\cdot L` complex channel uses,
there are :math:`2n` real channel dimensions.

``uncoded``: real dimension :math:`j` carries sample :math:`j \bmod L` (each sample
repeated when :math:`2n > L`; samples :math:`\ge 2n` dropped when :math:`2n < L`),
scaled by :math:`\alpha` to unit average energy per complex symbol (one number of side
information per item, not counted). The receiver combines a sample's copies
:math:`y_k = g_k u + e_k`, :math:`e_k \sim \mathcal N(0, v_k)`, by linear MMSE,
:math:`\hat u = P\sum_k g_k y_k / v_k \,/\, (1 + P\sum_k g_k^2/v_k)` with prior
:math:`P = 1/2`; a dropped sample is estimated by its mean, 0. On AWGN this gives
:math:`D = \sigma^2/(1 + r\,\mathrm{SNR})` for :math:`r` copies.

``opta``: the optimal performance theoretically attainable, Shannon's
:math:`R(D) = \tfrac12\log_2(\sigma^2/D)` per sample equated to the capacity of the
realized channel, :math:`D = \sigma^2\, 2^{-2\,\mathrm{cbr}\, C}` with
:math:`C = \frac1n\sum_i \log_2(1 + \gamma_i)` (:math:`\gamma_i` the post-equalization
SINR): :math:`\sigma^2(1+\mathrm{SNR})^{-2\,\mathrm{cbr}}` on AWGN, the ergodic
capacity on fast Rayleigh fading (up to the average over :math:`n` draws), the
instantaneous capacity under block fading (a genie bound). The reconstruction is drawn
from the rate-distortion test channel, :math:`\hat x = a x + \sqrt{a D}\,\xi` with
:math:`a = 1 - D/\sigma^2`, so its MSE is :math:`D` in expectation; :math:`\sigma^2` is the
item's empirical variance.
"""
from __future__ import annotations

from typing import ClassVar

import torch

from linksim.channels.base import Link
from linksim.base.registry import SYSTEMS
from linksim.core.system import System, check_ratio
from linksim.tasks.gaussian.task import num_channel_uses


class GaussianSystem(System):
    """Base: the task and the bandwidth ``cbr`` (complex channel uses per real sample)."""

    task: ClassVar[str] = "gaussian"

    def __init__(self, cbr: float) -> None:
        super().__init__()
        self.cbr = check_ratio(cbr, "cbr")


@SYSTEMS.register("uncoded")
class GaussianUncoded(GaussianSystem):
    """Uncoded linear transmission: repeat or drop samples to fit, linear MMSE receiver."""

    def transmit(self, x: torch.Tensor, link: Link) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
        b, length = x.shape
        n = num_channel_uses(self.cbr, length)
        index = torch.arange(2 * n, device=x.device) % length      # sample of each real dim
        t = x[:, index]                                            # [B, 2n]
        alpha = (n / t.square().sum(dim=1).clamp_min(1e-30)).sqrt()[:, None]
        u = alpha * t
        z = torch.complex(u[:, 0::2], u[:, 1::2])                  # [B, n], unit energy
        y, csi = link(z)
        yr = torch.stack((y.real, y.imag), dim=-1).reshape(b, 2 * n)
        g = csi.gain.repeat_interleave(2, dim=1)                   # [B, 2n]
        v = (csi.no_eff / 2).repeat_interleave(2, dim=1)
        prior = 0.5
        num = torch.zeros(b, length, dtype=yr.dtype, device=x.device)
        den = torch.zeros_like(num)
        num.index_add_(1, index, g * yr / v)
        den.index_add_(1, index, g.square() / v)
        u_hat = prior * num / (1.0 + prior * den)                  # 0 where never sent
        return u_hat / alpha, {}


@SYSTEMS.register("opta")
class OPTA(GaussianSystem):
    """Rate-distortion bound at the capacity of the realized channel (test-channel draw)."""

    role = "bound"

    def transmit(self, x: torch.Tensor, link: Link) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
        b, length = x.shape
        n = num_channel_uses(self.cbr, length)
        capacity = torch.log2(1.0 + link.state(n).sinr.double()).mean(dim=1)   # [B] bit/use
        var = x.double().square().mean(dim=1)                                   # [B]
        d = var * torch.pow(2.0, -2.0 * (n / length) * capacity)
        a = (1.0 - d / var)[:, None]
        gens = link.generators("opta")
        xi = (torch.randn(b, length, dtype=torch.float64) if gens is None else
              torch.stack([torch.randn(length, dtype=torch.float64, generator=g) for g in gens]))
        x_hat = a * x.double() + (a * d[:, None]).sqrt() * xi.to(x.device)
        return x_hat.float(), {"distortion_db": 10.0 * torch.log10(d)}
