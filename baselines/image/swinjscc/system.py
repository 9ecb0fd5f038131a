r"""SwinJSCC: K. Yang, S. Wang, J. Dai, X. Qin, K. Niu, P. Zhang, "SwinJSCC: Taming Swin
Transformer for Deep Joint Source-Channel Coding", IEEE TCCN 2024 — the "w/ SA" variant
(Channel ModNet, no Rate ModNet) and "w/o SA&RA" (``adaptation="none"``) that MambaJSCC
compares with at equal depth.

::

    x [B,3,H,W] -(pad to f)-> PatchEmbed(2) -> Swin stage C_1 -> PatchMerging -> ... -> C_S
      [-> Channel ModNet(snr)] -> Conv1x1 -> z [B, c, H/f, W/f] -> n complex symbols
    channel -> y, CSI -> Conv1x1 [-> Channel ModNet(csi.snr_db)] -> Swin stage C_S
      -> PatchDivision -> ... -> Swin stage C_1 -> PatchDivision(scale 2) -> sigmoid -> x_hat

The skeleton is :mod:`linksim.tasks.image.hierarchical` (shared with MambaJSCC), so the two
differ only in the blocks and the channel adaptation. The 1x1 convolutions stand in for
the reference code's per-token linear heads (same map, same parameter count).

**Configurations** (``configs``; any key can be overridden):

- ``dims``, ``depths``, ``patch``: as MambaJSCC's (``paper``: 128/192/256/320, 2/2/6/2, 2).
- ``head_dim`` (32: 4/6/8/10 heads), ``window`` (8), ``mlp_ratio`` (4).
- ``adaptation``: ``"modnet"`` (w/ SA, default) or ``"none"`` (w/o SA&RA).

``paper`` (w/ SA) has 28,161,616 parameters at CBR 1/48 and 35.42 G MACs on a 256x256
image (MambaJSCC's Table I: 28.24 M, 35.54 G); the two Channel ModNets are 9.86 M of it.
``small`` mirrors MambaJSCC's ``small`` (widths 32/64, depths 2/2, patch 4, f = 8; 2/4
heads of 16) with 679,376 parameters at CBR 1/16.
"""
from __future__ import annotations

from functools import partial
from typing import Any

from linksim.baselines.image.swinjscc.blocks import SwinStage
from linksim.tasks.image.hierarchical import HierarchicalDecoder, HierarchicalEncoder, LatentJSCC
from linksim.base.registry import SYSTEMS

ADAPTATIONS = ("modnet", "none")
_COMMON: dict[str, Any] = {"patch": 2, "head_dim": 32, "window": 8, "mlp_ratio": 4.0,
                           "adaptation": "modnet"}
PAPER = {**_COMMON, "dims": (128, 192, 256, 320), "depths": (2, 2, 6, 2)}
SMALL = {**_COMMON, "dims": (32, 64), "depths": (2, 2), "patch": 4, "head_dim": 16}


@SYSTEMS.register("swinjscc")
class SwinJSCC(LatentJSCC):
    """SwinJSCC w/ SA (Channel ModNet) or w/o SA&RA: Swin Transformer encoder/decoder.

    Configs ``"paper"`` (MambaJSCC's depths and widths) and ``"small"`` (CPU-trainable).
    """

    configs = {"paper": PAPER, "small": SMALL}

    def build(self, **config: Any) -> None:
        cfg = self.checked_config("swinjscc", config, PAPER, adaptation=ADAPTATIONS)
        dims, depths, patch = list(cfg["dims"]), list(cfg["depths"]), int(cfg["patch"])
        factor = patch * 2 ** (len(dims) - 1)
        self.latent_channels = self.latent_channels_for(self.cbr, factor)
        stage = partial(SwinStage, head_dim=int(cfg["head_dim"]), window=int(cfg["window"]),
                        mlp_ratio=float(cfg["mlp_ratio"]))
        common = {"latent": self.latent_channels, "stage": stage, "patch": patch,
                  "modnet": cfg["adaptation"] == "modnet"}
        self.set_codec(HierarchicalEncoder(dims, depths, **common),
                       HierarchicalDecoder(dims, depths, **common), factor)
