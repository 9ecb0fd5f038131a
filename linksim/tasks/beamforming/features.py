"""Size-agnostic graph features of a downlink instance for the learned beamformers.

Nodes are users, the graph is complete. Values are normalized to O(1) for the common
ranges of the task (gains over noise 0..60 dB, P_max -10..50 dBm) and do not depend on
M beyond the array gain, so one network serves any K.
"""
from __future__ import annotations

import math

import torch

#: node features: array gain over noise, and the SNR at P_max/K, both dB / 20
NODE_FEATURES = 3
#: edge features (k, j): M |rho_kj|^2, log-ratio of gains, and their product
EDGE_FEATURES = 3


def graph_features(h: torch.Tensor, p_max: torch.Tensor, g: torch.Tensor
                   ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Node [B, K, 3], edge [B, K, K, 3] float32 features and the [B, K] gains (dB) that
    order users for scans.

    :param h: [B, K, M] complex128 noise-normalized channel.
    :param p_max: [B] float64 budget (W).
    :param g: [B, K, K] its Gram matrix :math:`h h^H`.
    """
    b, k, m = h.shape
    norm2 = torch.diagonal(g, dim1=-2, dim2=-1).real.clamp_min(1e-300)      # ||h_k||^2
    gain_db = 10 * torch.log10(norm2)
    p_db = 10 * torch.log10(p_max)[:, None]
    node = torch.stack([(gain_db - 40.0) / 20.0,
                        (gain_db + p_db - 10 * math.log10(k) - 20.0) / 20.0,
                        torch.full_like(gain_db, math.log10(k) - 1.5)], dim=-1)
    rho = g.abs().square() / (norm2[..., :, None] * norm2[..., None, :])  # |rho_kj|^2
    ratio = (gain_db[..., None, :] - gain_db[..., :, None]) / 20.0            # j over k
    corr = m * rho
    edge = torch.stack([corr, ratio, corr * torch.exp(ratio.clamp(max=3.0))], dim=-1)
    return node.float(), edge.float(), gain_db
