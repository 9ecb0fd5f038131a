r"""MambaJSCC decoder (Fig. 1(a), receiver side), the mirror of the encoder.

::

    z [B, c, H/f, W/f] -> Conv1x1(c, C_S) [-> Channel ModNet]
        -> Stage S: N_S x VSSM-CA(C_S) -> PatchDivision(C_S, C_{S-1}) -> ...
        -> Stage 1: N_1 x VSSM-CA(C_1) -> PatchDivision(C_1, 3, scale p) -> sigmoid -> x_hat

The last patch division pixel-shuffles by the embedding's patch side ``p`` so the
output has the input's resolution; the sigmoid maps it to [0, 1].
"""
from __future__ import annotations

from typing import Sequence

import torch
from torch import nn

from linksim.models.layers import ChannelModNet, PatchDivision
from linksim.models.mambajscc.vssm_ca import VSSMStage, stage_dims


class MambaDecoder(nn.Module):
    """Hierarchical VSSM-CA decoder with patch division (pixel shuffle).

    Arguments as :class:`~linksim.models.mambajscc.encoder.MambaEncoder` (``dims`` and
    ``depths`` in encoder order; the decoder runs them backwards).

    :input z: [B, c, h, w], float32 (equalized, de-mapped latent).
    :input snr_db: [B], float32, the receiver's CSI.
    :output: [B, 3, f h, f w], float32 in (0, 1).
    """

    def __init__(self, dims: Sequence[int], depths: Sequence[int], latent: int, patch: int = 2,
                 adaptation: str = "csi_rest", **block: object) -> None:
        super().__init__()
        pairs = stage_dims(dims, depths)[::-1]
        self.csi_rest = adaptation == "csi_rest"
        self.head = nn.Conv2d(latent, pairs[0][0], kernel_size=1)
        self.modnet = ChannelModNet(pairs[0][0]) if adaptation == "modnet" else None
        self.stages = nn.ModuleList(VSSMStage(d, n, **block) for d, n in pairs)
        outs = [d for d, _ in pairs[1:]] + [3]
        scales = [2] * (len(pairs) - 1) + [patch]
        self.divisions = nn.ModuleList(PatchDivision(d, o, s)
                                       for (d, _), o, s in zip(pairs, outs, scales))

    def forward(self, z: torch.Tensor, snr_db: torch.Tensor) -> torch.Tensor:
        csi = snr_db if self.csi_rest else None
        x = self.head(z).permute(0, 2, 3, 1)
        if self.modnet is not None:
            x = self.modnet(x, snr_db)
        for stage, division in zip(self.stages, self.divisions):
            x = division(stage(x, csi))
        return torch.sigmoid(x.permute(0, 3, 1, 2))
