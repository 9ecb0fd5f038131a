r"""A Mamba block for token sequences, on linksim's selective scan (:mod:`linksim.mamba`).

The survey's Mamba-DeepSC (Fig. 4) inserts "a Mamba block" after the Transformer semantic
encoder and after the channel decoder. This is the Mamba block of Gu & Dao (2023) with a
bidirectional scan (both insertion points see the whole sentence, as the Transformer
layers around them do), pre-norm and a residual::

    x [B, L, C] -> LN -+-> Linear(C, E) -> DWConv1d(k) -> SiLU -> GSSM(identity + reverse) -+
                       +-> Linear(C, E) -> SiLU ------------------------------------- (*) ---+
                    -> Linear(E, C) -> (+ x)

with :math:`E` = ``expand`` :math:`\cdot C`. The scan is :class:`linksim.mamba.gssm.GSSM`
on a ``[B, E, 1, L]`` map (its row-major order is the token order), so every
:func:`~linksim.mamba.scan.selective_scan` backend (reference, chunked, cpp, cuda) runs it;
no CSI-ReST (DeepSC's receiver gets no SNR). Padding tokens are zeroed before the scan so
they carry nothing into the real tokens of the reverse direction. Cost is linear in
:math:`L` (the latency-versus-length table in the README measures it).
"""
from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

from linksim.mamba.gssm import DIRECTIONS, GSSM


class MambaBlock(nn.Module):
    """Bidirectional Mamba block over tokens.

    :param dim: model width :math:`C`; :param d_state: state size :math:`N` (16);
    :param expand: :math:`E / C` (2); :param d_conv: depthwise kernel (4, Mamba's).
    :input x: [B, L, C] float32; :input mask: [B, L] bool (True at real tokens) or None.
    :output: [B, L, C] float32 (residual included).
    """

    def __init__(self, dim: int, d_state: int = 16, expand: float = 2.0, d_conv: int = 4) -> None:
        super().__init__()
        inner = int(expand * dim)
        self.norm = nn.LayerNorm(dim)
        self.in_proj = nn.Linear(dim, 2 * inner, bias=False)
        self.conv = nn.Conv1d(inner, inner, d_conv, padding=d_conv - 1, groups=inner)
        self.gssm = GSSM(inner, d_state, dt_rank=math.ceil(dim / 16), orders=DIRECTIONS[2])
        self.out_proj = nn.Linear(inner, dim, bias=False)

    def forward(self, x: torch.Tensor, mask: torch.Tensor | None = None) -> torch.Tensor:
        length = x.shape[1]
        u, z = self.in_proj(self.norm(x)).chunk(2, dim=-1)
        u = F.silu(self.conv(u.transpose(1, 2))[..., :length])        # [B, E, L] (causal conv)
        if mask is not None:
            u = u * mask[:, None, :].to(u.dtype)
        y = self.gssm(u[:, :, None, :])[:, :, 0, :].transpose(1, 2)   # [B, L, E]
        return x + self.out_proj(y * F.silu(z))
