r"""MambaJSCC encoder (Fig. 1(a), transmitter side).

::

    x [B,3,H,W] -> PatchEmbed(p) -> Stage 1: N_1 x VSSM-CA(C_1)
                -> PatchMerging(C_1, C_2) -> Stage 2: N_2 x VSSM-CA(C_2) -> ...
                -> Stage S: N_S x VSSM-CA(C_S) [-> Channel ModNet]
                -> Conv1x1(C_S, c) -> z [B, c, H/f, W/f],   f = p 2^{S-1}

The SNR enters every VSSM-CA block through CSI-ReST (``adaptation="csi_rest"``), or the
Channel ModNet before the compression convolution (``"modnet"``), or not at all (``"none"``).
"""
from __future__ import annotations

from typing import Sequence

import torch
from torch import nn

from linksim.models.layers import ChannelModNet, PatchEmbed, PatchMerging
from linksim.models.mambajscc.vssm_ca import VSSMStage, stage_dims


class MambaEncoder(nn.Module):
    """Hierarchical VSSM-CA encoder with convolutional compression.

    :param dims: widths :math:`C_1..C_S`.
    :param depths: blocks per stage :math:`N_1..N_S`.
    :param latent: output channels :math:`c` of the compression convolution.
    :param patch: patch side :math:`p` of the embedding.
    :param adaptation: ``"csi_rest"``, ``"modnet"`` or ``"none"``.
    :param block: keyword arguments of :class:`~linksim.models.mambajscc.vssm_ca.VSSMCA`.
    :input x: [B, 3, H, W], float32, H and W multiples of :math:`f`.
    :input snr_db: [B], float32.
    :output: [B, c, H/f, W/f], float32.
    """

    def __init__(self, dims: Sequence[int], depths: Sequence[int], latent: int, patch: int = 2,
                 adaptation: str = "csi_rest", **block: object) -> None:
        super().__init__()
        pairs = stage_dims(dims, depths)
        self.csi_rest = adaptation == "csi_rest"
        self.embed = PatchEmbed(3, pairs[0][0], patch)
        self.stages = nn.ModuleList(VSSMStage(d, n, **block) for d, n in pairs)
        self.merges = nn.ModuleList(PatchMerging(a, b) for (a, _), (b, _) in zip(pairs, pairs[1:]))
        self.modnet = ChannelModNet(pairs[-1][0]) if adaptation == "modnet" else None
        self.head = nn.Conv2d(pairs[-1][0], latent, kernel_size=1)

    def forward(self, x: torch.Tensor, snr_db: torch.Tensor) -> torch.Tensor:
        csi = snr_db if self.csi_rest else None
        x = self.embed(x)
        for i, stage in enumerate(self.stages):
            x = stage(x, csi)
            if i < len(self.merges):
                x = self.merges[i](x)
        if self.modnet is not None:
            x = self.modnet(x, snr_db)
        return self.head(x.permute(0, 3, 1, 2))
