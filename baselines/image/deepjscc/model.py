r"""DeepJSCC: E. Bourtsoulatze, D. Burth Kurka, D. Gündüz, "Deep Joint Source-Channel
Coding for Wireless Image Transmission", IEEE TCCN 5(3), 2019, Fig. 2.

::

    x [B,3,H,W] -> Conv5x5/2 16 -> Conv5x5/2 32 -> Conv5x5/1 32 -> Conv5x5/1 32 -> Conv5x5/1 c
                 (each followed by PReLU)   -> z~ [B, c, H/4, W/4] -> flatten, pair into complex
                 -> power normalization z = sqrt(k) z~ / ||z~||        [B, k] complex64
    channel (AWGN, or Rayleigh + equalizer) -> y [B, k]
    y -> TConv5x5/1 32 -> TConv5x5/1 32 -> TConv5x5/1 32 -> TConv5x5/2 16 (PReLU each)
      -> TConv5x5/2 3 + sigmoid -> x_hat [B,3,H,W]

The latent carries :math:`c\,HW/16` real values, i.e. :math:`k = cHW/32` complex channel
uses, so the bandwidth ratio :math:`k/n = c/96` per real source value; ``c`` is
:math:`\lceil 96\,\mathrm{CBR} \rceil` and the latent is truncated to exactly
``num_channel_uses(cbr, shape)`` symbols (zeros fill the dropped tail at the receiver).
Images whose sides are not multiples of 4 are padded (replicate) and cropped back.
The model has no SNR input: one network is trained per SNR (or over an SNR range).
"""
from __future__ import annotations

import math
from typing import Sequence

import torch
import torch.nn.functional as F
from torch import nn

from linksim.channels.base import CSI
from linksim.nn import latent_to_symbols, symbols_to_latent
from linksim.base.registry import SYSTEMS
from linksim.tasks.image.system import SNR_FREE, num_channel_uses
from linksim.tasks.image.systems.learned import LearnedSystem

DOWNSAMPLE = 4  # two stride-2 layers
PAPER = {"widths": (16, 32, 32, 32), "kernel": 5}


def _conv(cin: int, cout: int, kernel: int, stride: int, transposed: bool) -> nn.Module:
    pad = kernel // 2
    if transposed:
        return nn.ConvTranspose2d(cin, cout, kernel, stride, pad, output_padding=stride - 1)
    return nn.Conv2d(cin, cout, kernel, stride, pad)


def _stack(chans: Sequence[int], strides: Sequence[int], kernel: int, transposed: bool,
           last: nn.Module) -> nn.Sequential:
    layers: list[nn.Module] = []
    for i, stride in enumerate(strides):
        layers += [_conv(chans[i], chans[i + 1], kernel, stride, transposed),
                   nn.PReLU() if i < len(strides) - 1 else last]
    return nn.Sequential(*layers)


@SYSTEMS.register("deepjscc")
class DeepJSCC(LearnedSystem):
    """DeepJSCC (Bourtsoulatze et al. 2019): five-layer CNN encoder/decoder with PReLU.

    Configs: ``"paper"`` (widths 16, 32, 32, 32; 5x5 kernels; the paper's network is
    already small, so ``"small"`` is the same network).
    """

    configs = {"paper": PAPER, "small": PAPER}

    def build(self, widths: Sequence[int], kernel: int) -> None:
        self.latent_channels = math.ceil(96 * self.cbr - 1e-9)
        w = [int(v) for v in widths]
        strides = (2, 2, 1, 1, 1)
        self.encoder = _stack([3, *w, self.latent_channels], strides, kernel, False, nn.PReLU())
        self.decoder = _stack([self.latent_channels, *reversed(w), 3], strides[::-1], kernel, True,
                              nn.Sigmoid())

    def transmitter_axes(self) -> tuple[str, ...]:
        return SNR_FREE  # no SNR input: the symbols depend on the image and the CBR only

    @staticmethod
    def _padded(h: int, w: int) -> tuple[int, int]:
        return -h % DOWNSAMPLE, -w % DOWNSAMPLE

    def encode(self, x: torch.Tensor, snr_db: torch.Tensor) -> torch.Tensor:
        """[B, 3, H, W] in [0, 1] -> [B, k] complex64, unit average power per row."""
        ph, pw = self._padded(*x.shape[-2:])
        xp = F.pad(x, (0, pw, 0, ph), mode="replicate") if ph or pw else x
        return latent_to_symbols(self.encoder(xp), num_channel_uses(self.cbr, x.shape))

    def decode(self, y: torch.Tensor, csi: CSI, shape: tuple[int, int]) -> torch.Tensor:
        """[B, k] complex64 (equalized) -> [B, 3, H, W] in [0, 1]."""
        h, w = shape
        ph, pw = self._padded(h, w)
        latent = (self.latent_channels, (h + ph) // DOWNSAMPLE, (w + pw) // DOWNSAMPLE)
        x_hat = self.decoder(symbols_to_latent(y, latent))
        return x_hat[..., :h, :w]

    def extra_repr(self) -> str:
        return f"cbr={self.cbr:g}, latent_channels={self.latent_channels}"


def paper_param_count(widths: Sequence[int], kernel: int, latent: int) -> int:
    """Closed-form parameter count (weights + biases + one PReLU slope per layer)."""
    chans = [3, *widths, latent]
    convs = sum(kernel * kernel * a * b + b for a, b in zip(chans[:-1], chans[1:]))
    tconvs = sum(kernel * kernel * a * b + b for a, b in zip(chans[::-1][:-1], chans[::-1][1:]))
    return convs + tconvs + 2 * len(widths) + 1


