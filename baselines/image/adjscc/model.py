r"""ADJSCC: J. Xu, B. Ai, W. Chen, A. Yang, P. Sun, M. Rodrigues, "Wireless Image
Transmission Using Deep Source Channel Coding With Attention Modules", IEEE TCSVT 32(4),
2022 (Fig. 2-4; layer settings of the authors' released code).

::

    x [B,3,H,W] -> Conv9x9/2 256 -GDN-PReLU-AF -> Conv5x5/2 256 -GDN-PReLU-AF
                -> Conv5x5/1 256 -GDN-PReLU-AF -> Conv5x5/1 256 -GDN-PReLU-AF
                -> Conv5x5/1 c -GDN -> z [B, c, H/4, W/4] -> n complex symbols
    y -> TConv5x5/1 256 -IGDN-PReLU-AF (x3) -> TConv5x5/2 256 -IGDN-PReLU-AF
      -> TConv9x9/2 3 -IGDN-sigmoid -> x_hat

    AF(F, snr):  s = sigmoid(FC(C/16 -> C)(ReLU(FC(C+1 -> C/16)([mean_hw F, snr]))))
                 output F * s  (channel-wise)

One model serves every SNR: each AF module sees the SNR in dB (the transmitter's at the
encoder, ``csi.snr_db`` at the decoder). The PReLU slopes are per channel (the reference
code shares them over H and W only). :math:`f = 4`, so :math:`c = \lceil 96\,\mathrm{CBR}\rceil`.

``paper`` has 10,578,711 parameters at CBR 1/48 and 46.20 G MACs on a 256x256 image
(MambaJSCC's Table I: 10.57 M, 46.21 G); ``small`` (64 channels) has 707,903 at CBR 1/16.
"""
from __future__ import annotations

from typing import Any

import torch
from torch import nn

from linksim.baselines.image.adjscc.gdn import GDN
from linksim.tasks.image.hierarchical import LatentJSCC
from linksim.base.registry import SYSTEMS

FACTOR = 4  # two stride-2 layers
PAPER = {"width": 256, "kernel": 5, "first_kernel": 9, "reduction": 16}
SMALL = {**PAPER, "width": 64, "reduction": 8}


class AFModule(nn.Module):
    """Attention feature module: SNR-conditioned channel scaling.

    :param channels: :math:`C`; :param reduction: hidden width :math:`C/r` (r = 16).
    :input x: [B, C, H, W]; :input snr_db: [B]. :output: [B, C, H, W].
    """

    def __init__(self, channels: int, reduction: int = 16) -> None:
        super().__init__()
        hidden = max(1, channels // reduction)
        self.fc = nn.Sequential(nn.Linear(channels + 1, hidden), nn.ReLU(),
                                nn.Linear(hidden, channels), nn.Sigmoid())

    def forward(self, x: torch.Tensor, snr_db: torch.Tensor) -> torch.Tensor:
        context = torch.cat([x.mean(dim=(2, 3)), snr_db.to(x.dtype).reshape(-1, 1)], dim=1)
        return x * self.fc(context)[:, :, None, None]


class _Layer(nn.Module):
    """(T)Conv -> (I)GDN -> [PReLU -> AF] (the last layer of each side has no PReLU/AF)."""

    def __init__(self, cin: int, cout: int, kernel: int, stride: int, decoder: bool,
                 attention: int | None) -> None:
        super().__init__()
        pad = kernel // 2
        self.conv = (nn.ConvTranspose2d(cin, cout, kernel, stride, pad, output_padding=stride - 1)
                     if decoder else nn.Conv2d(cin, cout, kernel, stride, pad))
        self.gdn = GDN(cout, inverse=decoder)
        self.act = nn.PReLU(cout) if attention else None
        self.af = AFModule(cout, attention) if attention else None

    def forward(self, x: torch.Tensor, snr_db: torch.Tensor) -> torch.Tensor:
        x = self.gdn(self.conv(x))
        return self.af(self.act(x), snr_db) if self.af is not None else x


class _Stack(nn.Module):
    """The five layers of one side; ``forward(x, snr_db)`` (decoder ends with a sigmoid)."""

    def __init__(self, chans: list[int], kernels: list[int], strides: list[int],
                 decoder: bool, reduction: int) -> None:
        super().__init__()
        last = len(kernels) - 1
        self.layers = nn.ModuleList(
            _Layer(chans[i], chans[i + 1], kernels[i], strides[i], decoder,
                   None if i == last else reduction) for i in range(len(kernels)))
        self.decoder = decoder

    def forward(self, x: torch.Tensor, snr_db: torch.Tensor) -> torch.Tensor:
        for layer in self.layers:
            x = layer(x, snr_db)
        return torch.sigmoid(x) if self.decoder else x


@SYSTEMS.register("adjscc")
class ADJSCC(LatentJSCC):
    """ADJSCC (Xu et al. 2022): GDN CNN with SNR attention-feature modules, one model for all SNRs.

    Configs: ``"paper"`` (256 channels, 9x9 then 5x5 kernels, AF reduction 16) and
    ``"small"`` (64 channels, reduction 8; CPU-trainable). Keys: ``width``, ``kernel``,
    ``first_kernel``, ``reduction``.
    """

    configs = {"paper": PAPER, "small": SMALL}

    def build(self, **config: Any) -> None:
        cfg = self.checked_config("adjscc", config, PAPER)
        width, red = int(cfg["width"]), int(cfg["reduction"])
        kernels = [int(cfg["first_kernel"])] + [int(cfg["kernel"])] * 4
        self.latent_channels = self.latent_channels_for(self.cbr, FACTOR)
        chans = [3, width, width, width, width, self.latent_channels]
        strides = [2, 2, 1, 1, 1]
        self.set_codec(_Stack(chans, kernels, strides, False, red),
                       _Stack(chans[::-1], kernels[::-1], strides[::-1], True, red), FACTOR)
