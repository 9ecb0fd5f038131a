"""The layers of the learned beamformers: graph attention over users, and Mamba over users.

Both map node embeddings x [B, K, d] (float32) to [B, K, d], pre-norm with a residual
connection and a position-wise feed-forward part, so they can be swapped one for one
(GNN-Mamba replaces some :class:`GraphAttention` layers of the GNN by :class:`UserMamba`).
"""
from __future__ import annotations

import torch
from torch import nn

from linksim.mamba.gssm import GSSM


class FeedForward(nn.Module):
    def __init__(self, dim: int, ratio: int = 2) -> None:
        super().__init__()
        self.net = nn.Sequential(nn.LayerNorm(dim), nn.Linear(dim, ratio * dim), nn.GELU(),
                                 nn.Linear(ratio * dim, dim))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.net(x)


class GraphAttention(nn.Module):
    """Multi-head dot-product attention over the complete user graph with edge features:
    an edge bias on the logits and attention-weighted edge values, O(K^2 (d + e)) per layer.

    :input x: [B, K, d]; :input edge: [B, K, K, e] embedded features of the pair (k, j).
    """

    def __init__(self, dim: int, edge_dim: int, heads: int = 4) -> None:
        super().__init__()
        self.heads, self.head_dim = heads, dim // heads
        self.norm = nn.LayerNorm(dim)
        self.qkv = nn.Linear(dim, 3 * dim)
        self.edge_bias = nn.Linear(edge_dim, heads)
        self.edge_value = nn.Linear(heads * edge_dim, dim)
        self.out = nn.Linear(dim, dim)
        self.ffn = FeedForward(dim)

    def forward(self, x: torch.Tensor, edge: torch.Tensor, order: torch.Tensor | None = None
                ) -> torch.Tensor:
        b, k, d = x.shape
        qkv = self.qkv(self.norm(x)).view(b, k, 3, self.heads, self.head_dim).permute(2, 0, 3, 1, 4)
        q, key, v = qkv.unbind(0)                                         # [B, H, K, c]
        logits = (q @ key.transpose(-1, -2)) * self.head_dim ** -0.5
        attn = (logits + self.edge_bias(edge).permute(0, 3, 1, 2)).softmax(dim=-1)  # [B,H,K,K]
        msg = (attn @ v).transpose(1, 2).reshape(b, k, d)
        ev = (attn.transpose(1, 2) @ edge).reshape(b, k, -1)              # [B, K, H e]
        return self.ffn(x + self.out(msg) + self.edge_value(ev))


class UserMamba(nn.Module):
    """A Mamba block over the users in a given order, both directions (linksim's selective
    scan through :class:`~linksim.mamba.gssm.GSSM` with the identity and reversed scans),
    O(K d N) per layer. Edge features are not used (the attention layers carry them).

    :input x: [B, K, d]; :input order: [B, K] long, the scan order (a permutation of users).
    """

    def __init__(self, dim: int, edge_dim: int = 0, d_state: int = 16, expand: int = 2) -> None:
        super().__init__()
        inner = expand * dim
        self.norm = nn.LayerNorm(dim)
        self.in_proj = nn.Linear(dim, 2 * inner)
        self.ssm = GSSM(inner, d_state=d_state, dt_rank=max(4, dim // 16))
        self.out = nn.Linear(inner, dim)
        self.ffn = FeedForward(dim)

    def forward(self, x: torch.Tensor, edge: torch.Tensor | None = None,
                order: torch.Tensor | None = None) -> torch.Tensor:
        b, k, d = x.shape
        idx = order[..., None].expand(-1, -1, d)
        xs = torch.gather(x, 1, idx)                                    # users in scan order
        u, z = self.in_proj(self.norm(xs)).chunk(2, dim=-1)
        y = self.ssm(nn.functional.silu(u).transpose(1, 2)[:, :, None, :])   # [B, D, 1, K]
        y = self.out(y[:, :, 0, :].transpose(1, 2) * nn.functional.silu(z))
        out = torch.empty_like(x).scatter_(1, idx, y)                   # back to user order
        return self.ffn(x + out)


#: layer codes of a network's ``layers`` string
LAYERS = {"a": GraphAttention, "m": UserMamba}
