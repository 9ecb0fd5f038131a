r"""Channel ModNet: SNR-conditioned channel-wise scaling (SwinJSCC, Yang et al., TCCN 2024).

::

    x [B, L, C] -> FC(C, M) -> * bm_1(snr) -> FC(M, M) -> * bm_2(snr) ... (``layers`` times)
                -> FC(M, C) -> sigmoid -> s [B, L, C];       output  x * s
    bm_i(snr) = sigmoid(FC(M, M)(relu(FC(M, M)(relu(FC(1, M)(snr))))))      [B, 1, M]

with :math:`M = \lfloor 1.5\,C \rfloor` and ``layers = 7`` as in SwinJSCC (the SNR enters
in dB). MambaJSCC uses it as the "w/o CA with Channel ModNet" ablation (Table II:
+9.87 M parameters for C = 320, once in the encoder and once in the decoder).
Differences from the reference code: the input to the first FC is not detached
(SwinJSCC's code stops that gradient; we keep the module an ordinary layer).
"""
from __future__ import annotations

import torch
from torch import nn


def _modulator(width: int) -> nn.Sequential:
    return nn.Sequential(nn.Linear(1, width), nn.ReLU(), nn.Linear(width, width), nn.ReLU(),
                         nn.Linear(width, width), nn.Sigmoid())


class ChannelModNet(nn.Module):
    """SNR-adaptive channel modulation of a feature map.

    :param dim: channels :math:`C`.
    :param hidden_ratio: :math:`M / C` (1.5 in SwinJSCC).
    :param layers: number of SNR-modulated hidden layers (7 in SwinJSCC).
    :input x: [B, ..., C], float32 (any spatial layout, channels last).
    :input snr_db: [B], float32.
    :output: [B, ..., C], ``x`` scaled channel-wise by values in (0, 1).
    """

    def __init__(self, dim: int, hidden_ratio: float = 1.5, layers: int = 7) -> None:
        super().__init__()
        hidden = int(dim * hidden_ratio)
        widths = [dim] + [hidden] * layers
        self.fcs = nn.ModuleList(nn.Linear(a, b) for a, b in zip(widths[:-1], widths[1:]))
        self.modulators = nn.ModuleList(_modulator(hidden) for _ in range(layers))
        self.out = nn.Linear(hidden, dim)

    def forward(self, x: torch.Tensor, snr_db: torch.Tensor) -> torch.Tensor:
        shape = (x.shape[0],) + (1,) * (x.dim() - 2) + (-1,)
        snr = snr_db.to(x.dtype).reshape(-1, 1)
        t = x
        for fc, mod in zip(self.fcs, self.modulators):
            t = fc(t) * mod(snr).reshape(shape)
        return x * torch.sigmoid(self.out(t))
