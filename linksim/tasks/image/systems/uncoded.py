r"""Uncoded analog transmission: pixels linearly mapped to complex symbols.

At CBR 1/2 each pair of mean-removed pixel values :math:`(s_{2i}, s_{2i+1})`
becomes one complex symbol :math:`z_i = \alpha (s_{2i} + j s_{2i+1})`, with
:math:`\alpha` setting unit average power per example. Below CBR 1/2 the image
is first resized (area) to the largest size whose values fit the
:math:`n` channel uses (unused uses carry zeros) and resized back (bicubic)
at the receiver. The per-image mean :math:`\mu` and scale :math:`\alpha` are
side information (two numbers per image, not counted).

Receiver, for :math:`\hat z = g z + e`, :math:`e \sim \mathcal{CN}(0, N_0^{\mathrm{eff}})`:

- ``lmmse=True``: :math:`\tilde z = \frac{g}{g^2 + N_0^{\mathrm{eff}}}\hat z` (unit-power prior);
- ``lmmse=False``: :math:`\tilde z = \hat z / g`.
"""
from __future__ import annotations

import math

import torch
import torch.nn.functional as F

from linksim.channels.base import CSI, Link
from linksim.errors import LinksimError
from linksim.nn.symbols import latent_to_symbols, symbols_to_latent
from linksim.base.registry import SYSTEMS
from linksim.tasks.image.system import SNR_FREE, ImageSystem, num_channel_uses


@SYSTEMS.register("uncoded")
class Uncoded(ImageSystem):
    """Linear analog mapping of pixels to symbols (CBR <= 1/2)."""

    def __init__(self, cbr: float = 0.5, lmmse: bool = True) -> None:
        super().__init__(cbr)
        if self.cbr > 0.5:
            raise LinksimError(f"uncoded: cbr={self.cbr:g} > 1/2 is not supported "
                               "(one complex symbol carries two pixel values)")
        if not isinstance(lmmse, bool):
            raise LinksimError(f"lmmse={lmmse!r}: expected true or false")
        self.lmmse = lmmse

    def _inner_size(self, h: int, w: int) -> tuple[int, int]:
        scale = math.sqrt(2.0 * self.cbr)
        return max(1, math.floor(h * scale + 1e-9)), max(1, math.floor(w * scale + 1e-9))

    def transmitter_axes(self) -> tuple[str, ...]:
        return SNR_FREE  # a linear map of the pixels: no SNR at the transmitter

    def send(self, x: torch.Tensor, link: Link | None = None):
        """The symbols, the side information and (H, W) of ``x``."""
        z, side = self.encode(x)
        return z, side, tuple(x.shape[-2:])

    def receive(self, sent, link: Link) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
        z, side, shape = sent
        y, csi = link(z)
        return self.decode(y, csi, shape, side), {}

    def encode(self, x: torch.Tensor, snr_db: torch.Tensor | None = None
               ) -> tuple[torch.Tensor, tuple[torch.Tensor, torch.Tensor]]:
        """[B, 3, H, W] -> ([B, n] symbols, side information (mean, scale) [B, 1, 1, 1])."""
        b, _, h, w = x.shape
        n = num_channel_uses(self.cbr, x.shape)
        xs = x if self.cbr == 0.5 else F.interpolate(x, size=self._inner_size(h, w), mode="area")
        mu = xs.mean(dim=(1, 2, 3), keepdim=True)
        z = latent_to_symbols(xs - mu, n)
        # the power-normalization scale, derived from the energies before and after
        alpha = (z.abs().square().sum(1) / (xs - mu).square().flatten(1).sum(1).clamp_min(1e-12)
                 ).sqrt().view(b, 1, 1, 1)
        return z, (mu, alpha)

    def decode(self, y: torch.Tensor, csi: CSI, shape: tuple[int, int],
               side: tuple[torch.Tensor, torch.Tensor]) -> torch.Tensor:
        mu, alpha = side
        g = csi.gain
        z = y * (g / (g.square() + csi.no_eff)) if self.lmmse else y / g.clamp_min(1e-12)
        h, w = shape
        ih, iw = (h, w) if self.cbr == 0.5 else self._inner_size(h, w)
        xs = symbols_to_latent(z, (3, ih, iw)) / alpha + mu
        x_hat = xs if (ih, iw) == (h, w) else F.interpolate(xs, size=(h, w), mode="bicubic",
                                                            align_corners=False)
        return x_hat.clamp(0.0, 1.0)
