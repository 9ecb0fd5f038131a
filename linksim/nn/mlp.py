"""Channel MLP with pre-LayerNorm, applied per patch (token): ``LN -> FC -> GELU -> FC``.

The residual is added by the caller (``x + mlp(x)``).
"""
from __future__ import annotations

import torch
from torch import nn


class ChannelMLP(nn.Module):
    """Position-wise two-layer MLP over the last (channel) dimension.

    :param dim: channels :math:`C`.
    :param ratio: hidden width / ``dim`` (MambaJSCC uses 1, Swin Transformer 4).
    :input x: [..., C], float32.
    :output: [..., C], float32 (without the residual).
    """

    def __init__(self, dim: int, ratio: float = 4.0) -> None:
        super().__init__()
        hidden = max(1, int(round(dim * ratio)))
        self.norm = nn.LayerNorm(dim)
        self.fc1 = nn.Linear(dim, hidden)
        self.act = nn.GELU()
        self.fc2 = nn.Linear(hidden, dim)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc2(self.act(self.fc1(self.norm(x))))
