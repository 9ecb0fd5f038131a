r"""Patch embedding, merging (2x down) and division (pixel-shuffle up), channels-last.

::

    PatchEmbed     [B, C_in, H, W]      -> Conv p x p / p -> LN        -> [B, H/p, W/p, C]
    PatchMerging   [B, H, W, C]         -> 2x2 concat -> LN(4C) -> FC  -> [B, H/2, W/2, C_out]
    PatchDivision  [B, H, W, C]         -> LN(C) -> FC(C, s^2 C_out) -> PixelShuffle(s)
                                                                      -> [B, sH, sW, C_out]

PatchMerging is Swin Transformer's (Liu et al., ICCV 2021); PatchDivision is the
"2D patch division" of MambaJSCC (Sec. II-B): the FC layer multiplies the number of
patches by :math:`s^2` and each group of :math:`s^2` is pixel-shuffled into one larger
patch. With ``s = p`` the last division undoes :class:`PatchEmbed`.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from linksim.errors import LinksimError


class PatchEmbed(nn.Module):
    """Non-overlapping ``patch`` x ``patch`` convolution followed by LayerNorm.

    :param in_chans: input channels (3 for RGB).
    :param dim: output feature dimension :math:`C`.
    :param patch: patch side :math:`p` (kernel = stride).
    :input x: [B, in_chans, H, W], float32, H and W multiples of ``patch``.
    :output: [B, H/p, W/p, dim], float32.
    """

    def __init__(self, in_chans: int, dim: int, patch: int = 2) -> None:
        super().__init__()
        self.patch = patch
        self.proj = nn.Conv2d(in_chans, dim, kernel_size=patch, stride=patch)
        self.norm = nn.LayerNorm(dim)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.norm(self.proj(x).permute(0, 2, 3, 1))


class PatchMerging(nn.Module):
    r"""Merge each 2x2 neighbourhood into one patch: LN(4C) then a bias-free FC to ``out_dim``.

    :input x: [B, H, W, C], H and W even.
    :output: [B, H/2, W/2, out_dim].
    """

    def __init__(self, dim: int, out_dim: int) -> None:
        super().__init__()
        self.norm = nn.LayerNorm(4 * dim)
        self.reduction = nn.Linear(4 * dim, out_dim, bias=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h, w = x.shape[1:3]
        if h % 2 or w % 2:
            raise LinksimError(f"PatchMerging: feature map {h}x{w} must have even sides")
        x = torch.cat([x[:, 0::2, 0::2], x[:, 1::2, 0::2], x[:, 0::2, 1::2], x[:, 1::2, 1::2]],
                      dim=-1)
        return self.reduction(self.norm(x))


class PatchDivision(nn.Module):
    r"""Divide patches into ``scale``:sup:`2` times more, smaller-feature patches.

    LN(C) -> bias-free FC(C, scale² · out_dim) -> PixelShuffle(scale).

    :input x: [B, H, W, C].
    :output: [B, scale·H, scale·W, out_dim].
    """

    def __init__(self, dim: int, out_dim: int, scale: int = 2) -> None:
        super().__init__()
        self.scale = scale
        self.norm = nn.LayerNorm(dim)
        self.increment = nn.Linear(dim, out_dim * scale * scale, bias=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.increment(self.norm(x)).permute(0, 3, 1, 2)
        return F.pixel_shuffle(x, self.scale).permute(0, 2, 3, 1)
