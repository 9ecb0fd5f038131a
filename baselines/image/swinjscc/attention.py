r"""Window multi-head self-attention with relative position bias, plain or shifted
(Swin Transformer, Liu et al., ICCV 2021, Sec. 3.2), on channels-last maps.

::

    x [B,H,W,C] -(pad to multiples of the window)-> roll by (-s_h, -s_w)
      -> windows [B·nW, M_h·M_w, C] -> softmax(Q Kᵀ/√d + B_rel + mask) V -> FC
      -> merge windows -> roll back -> crop -> [B,H,W,C]

(the roll and the window partition, and their inverses, are one gather each:
:func:`window_order`)

The window is :math:`M \times M` (``window``), clamped per side to the feature map as
Swin does for maps no larger than the window (and then not shifted along that side).
Sides that are larger than, but not multiples of, the window are zero-padded and the
padded tokens are masked out of every real token's keys. The relative position bias
:math:`B_\text{rel}` is read from a learned :math:`(2M-1)^2 \times \text{heads}` table;
a clamped :math:`M_h \times M_w` window reads the central part of it.
The attention products are plain matrix multiplies (so complexity counters see them).
"""
from __future__ import annotations

from functools import lru_cache

import torch
from torch import nn

from linksim.errors import LinksimError


@lru_cache(maxsize=64)
def relative_index(win_h: int, win_w: int, window: int) -> torch.Tensor:
    """[N, N] int64 index into the :math:`(2M-1)^2` bias table, :math:`N = M_h M_w`."""
    coords = torch.stack(torch.meshgrid(torch.arange(win_h), torch.arange(win_w),
                                        indexing="ij")).flatten(1)
    rel = coords[:, :, None] - coords[:, None, :] + (window - 1)
    return rel[0] * (2 * window - 1) + rel[1]


def _axis_labels(size: int, padded: int, win: int, shift: int) -> torch.Tensor:
    """Region label of each position along one side, before the cyclic roll.

    Positions that the roll by ``-shift`` wraps into the last window get labels 1 and 2
    (they must not attend across the wrap); padded positions get 3.
    """
    pos = torch.arange(padded)
    labels = torch.zeros(padded, dtype=torch.long)
    if shift:
        labels[pos >= padded - win + shift] = 1
        labels[pos < shift] = 2
    labels[pos >= size] = 3
    return labels


@lru_cache(maxsize=64)
def attention_mask(size: tuple[int, int], padded: tuple[int, int], win: tuple[int, int],
                   shift: tuple[int, int]) -> torch.Tensor | None:
    """[nW, N, N] additive mask (0 or -100) for the rolled windows, or ``None`` if not needed."""
    if shift == (0, 0) and size == padded:
        return None
    labels = (_axis_labels(size[0], padded[0], win[0], shift[0])[:, None] * 4
              + _axis_labels(size[1], padded[1], win[1], shift[1])[None, :])
    gather, _ = window_order(padded, win, shift)
    windows = labels.reshape(-1)[gather].reshape(-1, win[0] * win[1])  # [nW, N], rolled
    differ = windows[:, :, None] != windows[:, None, :]
    return differ.float() * -100.0


def partition(x: torch.Tensor, win: tuple[int, int]) -> torch.Tensor:
    """[B, H, W, C] -> [B·nW, M_h·M_w, C] (H, W multiples of the window)."""
    b, h, w, c = x.shape
    x = x.reshape(b, h // win[0], win[0], w // win[1], win[1], c).transpose(2, 3)
    return x.reshape(-1, win[0] * win[1], c)


@lru_cache(maxsize=64)
def window_order(padded: tuple[int, int], win: tuple[int, int], shift: tuple[int, int]
                 ) -> tuple[torch.Tensor, torch.Tensor]:
    """(gather, scatter) int64 [H'·W'] position maps of the roll by ``-shift`` followed by
    :func:`partition`: for x [B, H', W', C], ``x.reshape(B, -1, C).index_select(1, gather)`` is
    the windows' tokens in window order, and for those tokens t [B, H'·W', C],
    ``t.index_select(1, scatter)`` puts them back and undoes the roll. One copy each way
    instead of a roll and a partition (two)."""
    pos = torch.arange(padded[0] * padded[1]).reshape(1, *padded, 1)
    gather = partition(torch.roll(pos, (-shift[0], -shift[1]), (1, 2)), win).reshape(-1)
    return gather, torch.argsort(gather)


class WindowAttention(nn.Module):
    r"""(Shifted) window multi-head self-attention.

    :param dim: channels :math:`C`.
    :param heads: attention heads (head width :math:`d = C/\text{heads}`).
    :param window: window side :math:`M` (8 in SwinJSCC).
    :param shifted: shift the windows by :math:`\lfloor M/2 \rfloor` (SW-MSA).
    :input x: [B, H, W, C], float32 (already layer-normalized).
    :output: [B, H, W, C], float32.
    """

    def __init__(self, dim: int, heads: int, window: int = 8, shifted: bool = False) -> None:
        super().__init__()
        if dim % heads:
            raise LinksimError(f"swin attention: dim={dim} is not divisible by heads={heads}; "
                               "choose head_dim dividing every stage width")
        self.heads, self.window = heads, window
        self.shift = window // 2 if shifted else 0
        self.scale = (dim // heads) ** -0.5
        self.bias_table = nn.Parameter(torch.zeros((2 * window - 1) ** 2, heads))
        nn.init.trunc_normal_(self.bias_table, std=0.02)
        self.qkv = nn.Linear(dim, 3 * dim)
        self.proj = nn.Linear(dim, dim)

    def geometry(self, h: int, w: int) -> tuple[tuple[int, int], tuple[int, int], tuple[int, int]]:
        """(window, shift, padded size) for an H x W map, clamped as in Swin."""
        win = (min(self.window, h), min(self.window, w))
        shift = (self.shift if h > self.window else 0, self.shift if w > self.window else 0)
        return win, shift, (h + (-h % win[0]), w + (-w % win[1]))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        b, h, w, c = x.shape
        win, shift, (hp, wp) = self.geometry(h, w)
        if (hp, wp) != (h, w):
            x = nn.functional.pad(x, (0, 0, 0, wp - w, 0, hp - h))
        gather, scatter = (i.to(x.device) for i in window_order((hp, wp), win, shift))
        n = win[0] * win[1]
        windows = x.reshape(b, hp * wp, c).index_select(1, gather).reshape(-1, n, c)  # [B·nW, N, C]
        q, k, v = self.qkv(windows).reshape(-1, n, 3, self.heads, c // self.heads).unbind(2)
        q, k, v = q.transpose(1, 2), k.transpose(1, 2), v.transpose(1, 2)  # [B·nW, heads, N, d]
        attn = (q * self.scale) @ k.transpose(-2, -1)  # [B·nW, heads, N, N]
        index = relative_index(*win, self.window).to(x.device)
        attn = attn + self.bias_table[index.reshape(-1)].reshape(n, n, -1).permute(2, 0, 1)
        mask = attention_mask((h, w), (hp, wp), win, shift)
        if mask is not None:
            nw = mask.shape[0]
            attn = (attn.reshape(b, nw, self.heads, n, n) + mask.to(x.device)[None, :, None])
            attn = attn.reshape(-1, self.heads, n, n)
        out = (attn.softmax(-1) @ v).transpose(1, 2).reshape(-1, n, c)
        x = self.proj(out).reshape(b, hp * wp, c).index_select(1, scatter).reshape(b, hp, wp, c)
        return x[:, :h, :w]
