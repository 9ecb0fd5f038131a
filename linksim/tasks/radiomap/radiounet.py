r"""RadioUNet's first U-Net (Levie, Yapar, Kutyniok, Caire, IEEE TWC 2021), system ``radiounet``.

The first U of RadioUNet maps (building map, transmitter map) [B, 2, H, W] to the
normalized path gain [B, 1, H, W]. Every layer is convolution + ReLU (+ max-pooling on
the way down, transposed convolution of stride 2 on the way up); each decoder output is
concatenated with the encoder output of the same resolution, and the last two layers see
the inputs again. With ``width = 1`` the widths, kernels and poolings are those of the
authors' ``RadioWNet(phase="firstU")`` (``lib/modules.py`` of RonLevie/RadioUNet):

- encoder e0..e8, (width, kernel, pool): (6, 3, 1), (40, 5, 2), (50, 5, 2), (60, 5, 1),
  (100, 5, 2), (100, 3, 1), (150, 5, 2), (300, 5, 2), (500, 5, 2);
- decoder, each on [previous, skip]: T4 -> 300 (on e8 alone), T4 -> 150 [e7],
  T4 -> 100 [e6], 3x3 -> 100 [e5], T6 -> 60 [e4], 5x5 -> 50 [e3], T6 -> 40 [e2],
  T6 -> 20 [e1]; then 5x5 -> 20 on [., e0, x] and 5x5 -> 1 on [., x].

(T k: transposed convolution, kernel k, stride 2.) Six poolings: map sides must be a
multiple of 64. ``width`` scales every hidden width (``small``: 0.5). With
``output_relu = True`` (``paper``) the output layer keeps its ReLU, as in the original, so
predictions are non-negative. ``small`` has a linear output layer instead (predictions are
clipped to [0, 1] in evaluation, as for every radio-map system): on the procedural data set,
where about 80 % of the cells are 0 (buildings and cells no ray reaches), the ReLU output
died within the first 250 steps of a run at lr 5e-4 (every prediction 0, no gradient).
The layer is ``head1.0`` either way, so the state-dict keys are the same. The second U-Net
(RadioWNet) is not implemented.
"""
from __future__ import annotations

from typing import Any

import torch
from torch import nn

from linksim.base.registry import SYSTEMS
from linksim.tasks.radiomap.system import LearnedRadioMap

#: encoder (width, kernel, pool), e0 .. e8
ENCODER = ((6, 3, 1), (40, 5, 2), (50, 5, 2), (60, 5, 1), (100, 5, 2), (100, 3, 1),
           (150, 5, 2), (300, 5, 2), (500, 5, 2))


def conv_relu(cin: int, cout: int, kernel: int, pool: int = 1) -> nn.Sequential:
    """Convolution ('same' padding) + ReLU (+ max-pooling by ``pool``)."""
    layers: list[nn.Module] = [nn.Conv2d(cin, cout, kernel, padding=kernel // 2),
                               nn.ReLU(inplace=True)]
    if pool > 1:
        layers.append(nn.MaxPool2d(pool))
    return nn.Sequential(*layers)


def up_relu(cin: int, cout: int, kernel: int) -> nn.Sequential:
    """Transposed convolution of stride 2 (exactly doubles the side) + ReLU."""
    return nn.Sequential(nn.ConvTranspose2d(cin, cout, kernel, stride=2, padding=kernel // 2 - 1),
                         nn.ReLU(inplace=True))


@SYSTEMS.register("radiounet")
class RadioUNet(LearnedRadioMap):
    """RadioUNet's first U-Net; ``inputs`` channels in, one out."""

    configs = {"paper": {"width": 1.0, "inputs": 2, "output_relu": True, "tx_dilation": 1},
               "small": {"width": 0.5, "inputs": 2, "output_relu": False, "tx_dilation": 1}}
    multiple = 64

    def build(self, width: float, inputs: int, output_relu: bool = True) -> None:
        w = [max(1, round(c * width)) for c, _, _ in ENCODER]
        cins = [inputs] + w[:-1]
        self.encoder = nn.ModuleList(conv_relu(ci, co, k, p) for ci, co, (_, k, p)
                                     in zip(cins, w, ENCODER))
        # decoder: (kind, out width, kernel, skip encoder index); input = previous + skip
        plan = (("up", w[7], 4, None), ("up", w[6], 4, 7), ("up", w[5], 4, 6),
                ("conv", w[4], 3, 5), ("up", w[3], 6, 4), ("conv", w[2], 5, 3),
                ("up", w[1], 6, 2), ("up", max(1, round(20 * width)), 6, 1))
        self.skips = [s for _, _, _, s in plan]
        layers, prev = [], w[8]
        for kind, cout, k, skip in plan:
            cin = prev + (w[skip] if skip is not None else 0)
            layers.append(up_relu(cin, cout, k) if kind == "up" else conv_relu(cin, cout, k))
            prev = cout
        self.decoder = nn.ModuleList(layers)
        self.head0 = conv_relu(prev + w[0] + inputs, prev, 5)
        self.head1 = (conv_relu(prev + inputs, 1, 5) if output_relu else
                      nn.Sequential(nn.Conv2d(prev + inputs, 1, 5, padding=2)))

    def network(self, x: torch.Tensor) -> torch.Tensor:
        feats, h = [], x
        for layer in self.encoder:
            h = layer(h)
            feats.append(h)
        for layer, skip in zip(self.decoder, self.skips):
            h = layer(h if skip is None else torch.cat([h, feats[skip]], dim=1))
        h = self.head0(torch.cat([h, feats[0], x], dim=1))
        return self.head1(torch.cat([h, x], dim=1))

    def extra_repr(self) -> str:
        return f"config={self.config}"


def parameter_count(config: dict[str, Any]) -> int:
    """Parameters of a RadioUNet with ``config`` (for cards and tests)."""
    return sum(p.numel() for p in RadioUNet(config=config).parameters())
