r"""RadioMamba (Jia, Cheng, Wang, Zhou, Sun, Shen, IEEE TNSE 2025), system ``radiomamba``.

A U-Net whose every stage is a run of *MambaConvBlocks* (Sec. IV, Figs. 2-3):

::

    x [B, 2, H, W] -> Conv3x3 -> C0
    encoder s = 0..S-1: depth[s] blocks at C_s, then Conv2x2 stride 2 -> C_{s+1}  (H/2^s)
    bottleneck: depth[S] blocks at C_S                                            (H/2^S)
    decoder s = S-1..0: ConvT2x2 stride 2 -> C_s, concat skip, Conv1x1 2C_s -> C_s,
                        depth[S+1+s'] blocks
    Conv1x1 C_0 -> 1  ->  P_hat [B, 1, H, W]

MambaConvBlock on X [B, C, H, W] (eqs. 21-25):

- local branch (ResidualConvBlock): :math:`Y_{conv} = X + \mathrm{PW}(\mathrm{GELU}(\mathrm{DW}_{3\times3}(X)))`;
- global branch (SS2D-Mamba): :math:`x_{seq} = \mathcal S(\mathrm{LN}(X))` (raster order,
  length :math:`L = HW`), :math:`X_{mamba} = \mathcal S^{-1}(\mathcal M(x_{seq}) +
  \mathcal R(\mathcal M(\mathcal R(x_{seq}))))` with one Mamba block :math:`\mathcal M`
  (:class:`linksim.mamba.mixer.MambaBlock`, the selective scan of :mod:`linksim.mamba.scan`
  with all its backends) used in both directions;
- fusion by addition: :math:`Y_{out} = Y_{conv} + X_{mamba}`.

Configurations: ``paper`` (widths 64-128-256-512, two blocks per stage and three in the
last encoder stage, N = 16, expand 2: 8,699,905 parameters; the paper reports about 8.6 M
but not its widths or depths, which are our choice to meet that count) and ``small`` for
CPU training (widths 16-32-64-128, one block per stage, N = 8, and a 2x2 patch stem:
a stride-2 convolution in, a stride-2 transposed convolution plus a 3x3 convolution on
[features, inputs] out, so the longest scan is (H/2)(W/2) tokens, not HW; a CPU
concession the paper does not make) and a transmitter map dilated to 9 x 9 cells
(``tx_dilation``, see :mod:`.system`: with the one-cell map of the paper, ``small`` stays on
a mean-map plateau that ignores the transmitter; README, "Radio maps"). Map sides must be a multiple of
:math:`p\,2^S` (8 for ``paper``, 16 for ``small``).
"""
from __future__ import annotations

import torch
from torch import nn

from linksim.base.registry import SYSTEMS
from linksim.mamba.mixer import MambaBlock, bidirectional
from linksim.tasks.radiomap.system import LearnedRadioMap


class MambaConvBlock(nn.Module):
    """Local depthwise-separable residual branch + bidirectional Mamba branch, added.

    :input x: [B, C, H, W] float32; :output: [B, C, H, W].
    """

    def __init__(self, dim: int, d_state: int, expand: float, d_conv: int, backend: str) -> None:
        super().__init__()
        self.dw = nn.Conv2d(dim, dim, 3, padding=1, groups=dim)
        self.pw = nn.Conv2d(dim, dim, 1)
        self.norm = nn.LayerNorm(dim)
        self.mamba = MambaBlock(dim, d_state, expand, d_conv, backend)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        b, c, h, w = x.shape
        local = x + self.pw(nn.functional.gelu(self.dw(x)))
        seq = self.norm(x.flatten(2).transpose(1, 2))                # [B, HW, C], raster order
        glob = bidirectional(self.mamba, seq).transpose(1, 2).reshape(b, c, h, w)
        return local + glob


def _stage(dim: int, depth: int, **block) -> nn.Sequential:
    return nn.Sequential(*(MambaConvBlock(dim, **block) for _ in range(depth)))


@SYSTEMS.register("radiomamba")
class RadioMamba(LearnedRadioMap):
    """RadioMamba's hybrid Mamba-UNet."""

    configs = {
        "paper": {"dims": [64, 128, 256, 512], "depths": [2, 2, 3, 2, 2, 2, 2], "d_state": 16,
                  "expand": 2.0, "d_conv": 4, "patch": 1, "inputs": 2, "backend": "auto",
                  "tx_dilation": 1},
        "small": {"dims": [16, 32, 64, 128], "depths": [1, 1, 1, 1, 1, 1, 1], "d_state": 8,
                  "expand": 2.0, "d_conv": 4, "patch": 2, "inputs": 2, "backend": "auto",
                  "tx_dilation": 9},
    }

    def build(self, dims: list[int], depths: list[int], d_state: int, expand: float,
              d_conv: int, patch: int, inputs: int, backend: str) -> None:
        stages = len(dims) - 1
        if len(depths) != 2 * stages + 1:
            from linksim.errors import LinksimError

            raise LinksimError(f"depths={depths}: expected {2 * stages + 1} numbers (encoder, "
                               "bottleneck, decoder) for dims of length {len(dims)}")
        self.multiple = patch * 2 ** stages
        block = {"d_state": d_state, "expand": expand, "d_conv": d_conv, "backend": backend}
        self.stem = (nn.Conv2d(inputs, dims[0], 3, padding=1) if patch == 1 else
                     nn.Conv2d(inputs, dims[0], patch, stride=patch))
        self.enc = nn.ModuleList(_stage(dims[s], depths[s], **block) for s in range(stages))
        self.down = nn.ModuleList(nn.Conv2d(dims[s], dims[s + 1], 2, stride=2)
                                  for s in range(stages))
        self.mid = _stage(dims[-1], depths[stages], **block)
        order = list(reversed(range(stages)))
        self.up = nn.ModuleList(nn.ConvTranspose2d(dims[s + 1], dims[s], 2, stride=2)
                                for s in order)
        self.fuse = nn.ModuleList(nn.Conv2d(2 * dims[s], dims[s], 1) for s in order)
        self.dec = nn.ModuleList(_stage(dims[s], depths[stages + 1 + i], **block)
                                 for i, s in enumerate(order))
        if patch == 1:
            self.unpatch, self.head = None, nn.Conv2d(dims[0], 1, 1)
        else:
            self.unpatch = nn.ConvTranspose2d(dims[0], dims[0], patch, stride=patch)
            self.head = nn.Conv2d(dims[0] + inputs, 1, 3, padding=1)

    def network(self, x: torch.Tensor) -> torch.Tensor:
        h, skips = self.stem(x), []
        for stage, down in zip(self.enc, self.down):
            h = stage(h)
            skips.append(h)
            h = down(h)
        h = self.mid(h)
        for up, fuse, stage, skip in zip(self.up, self.fuse, self.dec, reversed(skips)):
            h = stage(fuse(torch.cat([up(h), skip], dim=1)))
        if self.unpatch is None:
            return self.head(h)
        return self.head(torch.cat([nn.functional.gelu(self.unpatch(h)), x], dim=1))
