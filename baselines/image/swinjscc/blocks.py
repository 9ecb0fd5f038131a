r"""Swin Transformer block and stage (Liu et al., ICCV 2021, Eq. 3), channels-last.

::

    x [B,H,W,C] -> x + (S)W-MSA(LN(x)) = x'  ->  x' + MLP(LN(x'))     (MLP ratio 4, GELU)

Blocks alternate regular (W-MSA) and shifted (SW-MSA) windows, starting regular.
SwinJSCC feeds no SNR into the blocks; its adaptation is the Channel ModNet after
the last encoder stage and before the first decoder stage.
"""
from __future__ import annotations

import torch
from torch import nn

from linksim.baselines.image.swinjscc.attention import WindowAttention
from linksim.nn import ChannelMLP


class SwinBlock(nn.Module):
    """One Swin Transformer block.

    :param dim: channels :math:`C`; :param heads: attention heads; :param window: :math:`M`;
    :param shifted: SW-MSA instead of W-MSA; :param mlp_ratio: MLP hidden / C (4).
    :input x: [B, H, W, C], float32. :output: [B, H, W, C], float32.
    """

    def __init__(self, dim: int, heads: int, window: int = 8, shifted: bool = False,
                 mlp_ratio: float = 4.0) -> None:
        super().__init__()
        self.norm = nn.LayerNorm(dim)
        self.attn = WindowAttention(dim, heads, window, shifted)
        self.mlp = ChannelMLP(dim, mlp_ratio)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = x + self.attn(self.norm(x))
        return x + self.mlp(x)


class SwinStage(nn.Module):
    """``depth`` Swin blocks of width ``dim``, alternating W-MSA / SW-MSA.

    :param head_dim: channels per head (heads = dim / head_dim; 32 gives SwinJSCC's
        4/6/8/10 heads for widths 128/192/256/320).
    :input x: [B, H, W, dim]; :input snr_db: ignored (Swin blocks take no CSI).
    :output: [B, H, W, dim].
    """

    def __init__(self, dim: int, depth: int, head_dim: int = 32, window: int = 8,
                 mlp_ratio: float = 4.0) -> None:
        super().__init__()
        heads = max(1, dim // head_dim)
        self.blocks = nn.ModuleList(SwinBlock(dim, heads, window, i % 2 == 1, mlp_ratio)
                                    for i in range(depth))

    def forward(self, x: torch.Tensor, snr_db: torch.Tensor | None = None) -> torch.Tensor:
        for blk in self.blocks:
            x = blk(x)
        return x
