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
The layer is ``head1.0`` either way, so the state-dict keys are the same.

The second U (``stages = 2``, configs ``paper-wnet`` and ``small-wnet``; RadioWNet's
``phase="secondU"``) takes [first U's estimate, inputs] (3 channels) and has the same
structure with encoder widths 20, 30, 40, 50, 60, 70, 90, 110, 150 (decoder 110, 90, 70,
60, 50, 40, 30, 20), scaled by ``width``. As in the paper, training is in two stages: the
first U alone (``stages = 1``), then the second with the first frozen and loaded from the
stage-1 checkpoint ``first_u`` (its gradient never reaches the first U; in evaluation the
first U's estimate is clipped to [0, 1] before the second sees it). Its parameters are
``second.*``; the first U's keep their names, so a stage-1 checkpoint's keys are a subset.
"""
from __future__ import annotations

from typing import Any

import torch
from torch import nn

from linksim.base.registry import SYSTEMS
from linksim.errors import LinksimError
from linksim.tasks.radiomap.system import LearnedRadioMap

#: encoder (width, kernel, pool), e0 .. e8
ENCODER = ((6, 3, 1), (40, 5, 2), (50, 5, 2), (60, 5, 1), (100, 5, 2), (100, 3, 1),
           (150, 5, 2), (300, 5, 2), (500, 5, 2))
#: the second U's encoder (its input: the first U's estimate and the inputs)
SECOND_ENCODER = ((20, 3, 1), (30, 5, 2), (40, 5, 2), (50, 5, 1), (60, 5, 2), (70, 3, 1),
                  (90, 5, 2), (110, 5, 2), (150, 5, 2))


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


def build_u(u: nn.Module, encoder: tuple, width: float, inputs: int, output_relu: bool) -> None:
    """Give ``u`` the layers of one U of RadioUNet (``encoder``: (width, kernel, pool) of
    e0..e8; decoder widths e7..e1 and 20, as both Us of the authors' code)."""
    w = [max(1, round(c * width)) for c, _, _ in encoder]
    cins = [inputs] + w[:-1]
    u.encoder = nn.ModuleList(conv_relu(ci, co, k, p) for ci, co, (_, k, p)
                              in zip(cins, w, encoder))
    # decoder: (kind, out width, kernel, skip encoder index); input = previous + skip
    plan = (("up", w[7], 4, None), ("up", w[6], 4, 7), ("up", w[5], 4, 6),
            ("conv", w[4], 3, 5), ("up", w[3], 6, 4), ("conv", w[2], 5, 3),
            ("up", w[1], 6, 2), ("up", max(1, round(20 * width)), 6, 1))
    u.skips = [s for _, _, _, s in plan]
    layers, prev = [], w[8]
    for kind, cout, k, skip in plan:
        cin = prev + (w[skip] if skip is not None else 0)
        layers.append(up_relu(cin, cout, k) if kind == "up" else conv_relu(cin, cout, k))
        prev = cout
    u.decoder = nn.ModuleList(layers)
    u.head0 = conv_relu(prev + w[0] + inputs, prev, 5)
    u.head1 = (conv_relu(prev + inputs, 1, 5) if output_relu else
               nn.Sequential(nn.Conv2d(prev + inputs, 1, 5, padding=2)))


def run_u(u: nn.Module, x: torch.Tensor) -> torch.Tensor:
    """One U (layers of :func:`build_u`) on ``x`` [B, inputs, H, W] -> [B, 1, H, W]."""
    feats, h = [], x
    for layer in u.encoder:
        h = layer(h)
        feats.append(h)
    for layer, skip in zip(u.decoder, u.skips):
        h = layer(h if skip is None else torch.cat([h, feats[skip]], dim=1))
    h = u.head0(torch.cat([h, feats[0], x], dim=1))
    return u.head1(torch.cat([h, x], dim=1))


class SecondU(nn.Module):
    """RadioUNet's second U: (first U's estimate, inputs) -> the refined estimate."""

    def __init__(self, width: float, inputs: int, output_relu: bool) -> None:
        super().__init__()
        build_u(self, SECOND_ENCODER, width, inputs + 1, output_relu)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return run_u(self, x)


@SYSTEMS.register("radiounet")
class RadioUNet(LearnedRadioMap):
    """RadioUNet: the first U-Net, and with ``stages = 2`` the second on top of it."""

    configs = {"paper": {"width": 1.0, "inputs": 2, "output_relu": True, "tx_dilation": 1},
               "small": {"width": 0.5, "inputs": 2, "output_relu": False, "tx_dilation": 1},
               "paper-wnet": {"width": 1.0, "inputs": 2, "output_relu": True, "tx_dilation": 1,
                              "stages": 2, "first_u": ""},
               "small-wnet": {"width": 0.5, "inputs": 2, "output_relu": False,
                              "tx_dilation": 1, "stages": 2, "first_u": ""}}
    multiple = 64

    def build(self, width: float, inputs: int, output_relu: bool = True, stages: int = 1,
              first_u: str = "") -> None:
        if stages not in (1, 2):
            raise LinksimError(f"stages={stages!r}: RadioUNet has one or two U-Nets (1 or 2)")
        build_u(self, ENCODER, width, inputs, output_relu)
        self.stages, self.first_u = stages, first_u
        self.second = SecondU(width, inputs, output_relu) if stages == 2 else None
        if self.second is not None:  # the first U is trained first, then frozen
            for name, p in self.named_parameters():
                p.requires_grad_(name.startswith("second."))

    def prepare_training(self, data: Any) -> None:
        """Stage 2 starts from the first U of checkpoint ``first_u`` (trained alone)."""
        if self.second is None:
            return
        if not self.first_u:
            raise LinksimError("stages=2 trains the second U on a trained first U: --set "
                               "first_u=<zoo id of a stages=1 RadioUNet checkpoint>")
        from linksim import zoo

        card = zoo.read_card(self.first_u)
        if card.get("system") != "radiounet" or card["config"].get("stages", 1) != 1:
            raise LinksimError(f"first_u={self.first_u!r}: not a one-stage RadioUNet checkpoint")
        state = zoo.read_weights(card["path"], f"checkpoint {self.first_u!r}")
        missing = self.load_state_dict(state, strict=False)
        if missing.unexpected_keys or any(not k.startswith("second.")
                                          for k in missing.missing_keys):
            raise LinksimError(f"first_u={self.first_u!r}: its tensors do not fit this "
                               "first U (another width or inputs?)")

    def network(self, x: torch.Tensor) -> torch.Tensor:
        if self.second is None:
            return run_u(self, x)
        with torch.no_grad():
            first = run_u(self, x)
        if not self.training:
            first = first.clamp(0.0, 1.0)
        return self.second(torch.cat([first, x], dim=1))

    def extra_repr(self) -> str:
        return f"config={self.config}"


def parameter_count(config: dict[str, Any]) -> int:
    """Parameters of a RadioUNet with ``config`` (for cards and tests)."""
    return sum(p.numel() for p in RadioUNet(config=config).parameters())
