r"""TinyJSCC: a small SNR-adaptive convolutional JSCC (220,590 parameters at CBR 1/16).

::

    x [B,3,H,W] -> Conv3x3/2 64 -> PReLU -> Conv3x3/2 96 -> PReLU -> Conv3x3 96
                -> FiLM(SNR) -> PReLU -> Conv3x3 c -> z [B, c, H/4, W/4]
                -> complex symbols, unit average power            [B, k] complex64
    channel -> y, CSI (the receiver's SNR)
    y -> Conv3x3 96 -> FiLM(SNR) -> PReLU -> TConv/2 64 -> PReLU -> TConv/2 3 -> sigmoid

``c = ceil(96 CBR)`` latent channels carry :math:`c HW/16` real values, that is
:math:`k = c HW/32` complex channel uses: CBR :math:`= k / (3HW) = c / 96`; the latent is cut
to exactly the scenario's channel-use budget. FiLM: a per-channel scale and shift computed
from the SNR in dB by a two-layer MLP (the encoder sees the transmitter's SNR, the decoder
the receiver's CSI), so one model serves a range of SNRs.
"""
from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

import linksim
from linksim.nn import latent_to_symbols, symbols_to_latent
from linksim.tasks.image.system import num_channel_uses

DOWNSAMPLE = 4


class FiLM(nn.Module):
    """Per-channel ``x * (1 + scale(snr)) + shift(snr)`` from the SNR in dB."""

    def __init__(self, channels: int, hidden: int = 32) -> None:
        super().__init__()
        self.mlp = nn.Sequential(nn.Linear(1, hidden), nn.ReLU(), nn.Linear(hidden, 2 * channels))

    def forward(self, x: torch.Tensor, snr_db: torch.Tensor) -> torch.Tensor:
        scale, shift = self.mlp(snr_db.reshape(-1, 1).float() / 20.0).chunk(2, dim=1)
        return x * (1 + scale[..., None, None]) + shift[..., None, None]


@linksim.SYSTEMS.register("tinyjscc")
class TinyJSCC(linksim.LearnedSystem):
    """TinyJSCC: a 0.22 M-parameter SNR-adaptive CNN JSCC (the own-model example plugin)."""

    configs = {"small": {"widths": (64, 96)}}

    def build(self, widths) -> None:
        w1, w2 = (int(v) for v in widths)
        self.latent_channels = math.ceil(96 * self.cbr - 1e-9)
        self.enc1 = nn.Sequential(nn.Conv2d(3, w1, 3, 2, 1), nn.PReLU(),
                                  nn.Conv2d(w1, w2, 3, 2, 1), nn.PReLU(),
                                  nn.Conv2d(w2, w2, 3, 1, 1))
        self.enc_film = FiLM(w2)
        self.enc2 = nn.Sequential(nn.PReLU(), nn.Conv2d(w2, self.latent_channels, 3, 1, 1))
        self.dec1 = nn.Conv2d(self.latent_channels, w2, 3, 1, 1)
        self.dec_film = FiLM(w2)
        self.dec2 = nn.Sequential(
            nn.PReLU(), nn.ConvTranspose2d(w2, w1, 3, 2, 1, output_padding=1), nn.PReLU(),
            nn.ConvTranspose2d(w1, 3, 3, 2, 1, output_padding=1), nn.Sigmoid())

    def encode(self, x: torch.Tensor, snr_db: torch.Tensor) -> torch.Tensor:
        """[B, 3, H, W] in [0, 1] -> [B, k] complex64 with unit average power."""
        h, w = x.shape[-2:]
        xp = F.pad(x, (0, -w % DOWNSAMPLE, 0, -h % DOWNSAMPLE), mode="replicate")
        z = self.enc2(self.enc_film(self.enc1(xp), snr_db))
        return latent_to_symbols(z, num_channel_uses(self.cbr, x.shape))

    def decode(self, y: torch.Tensor, csi, shape: tuple[int, int]) -> torch.Tensor:
        """[B, k] complex64 (equalized) -> [B, 3, H, W] in [0, 1]."""
        h, w = shape
        latent = (self.latent_channels, -(-h // DOWNSAMPLE), -(-w // DOWNSAMPLE))
        z = symbols_to_latent(y, latent)
        x_hat = self.dec2(self.dec_film(self.dec1(z), csi.snr_db))
        return x_hat[..., :h, :w]
