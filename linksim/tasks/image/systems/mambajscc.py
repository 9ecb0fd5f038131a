r"""MambaJSCC as a linksim system: T. Wu, M. Tao et al., "MambaJSCC: Adaptive Deep Joint
Source-Channel Coding with Generalized State Space Model" (arXiv 2409.16592).

::

    x [B,3,H,W] -(reflect pad to f)-> encoder(x, snr) -> z [B, c, H'/f, W'/f]
      -> first 2n reals paired into n complex symbols -> power normalization   [B, n] complex64
    channel (AWGN / Rayleigh + MMSE) -> y [B, n], CSI
    y -> latent (zero-filled) -> decoder(z, csi.snr_db) -> crop to H x W -> x_hat

The encoder/decoder are :mod:`linksim.tasks.image.hierarchical`'s skeleton (shared with
SwinJSCC) with a stage of VSSM-CA blocks; the SNR enters every block through CSI-ReST
(``adaptation="csi_rest"``), the Channel ModNet before the compression convolution and
after the expansion (``"modnet"``), or not at all (``"none"``).

``n = num_channel_uses(cbr, x.shape)`` exactly; the latent has
:math:`c = \lceil 6\,\mathrm{CBR}\,f^2 \rceil` channels with the total down-sampling
:math:`f = p\,2^{S-1}` (16 in the paper, so CBR 1/48 gives c = 32 as in the reference code).

**Image sizes.** Sides that are not multiples of :math:`f` are reflect-padded
(replicate-padded when the image is smaller than the pad) up to the next multiple
and the reconstruction is cropped back. The transmitted symbol count stays
``num_channel_uses(cbr, (3, H, W))`` of the *unpadded* image; the latent values
of the padded area beyond the first ``2n`` are not sent (the receiver zero-fills
them), so odd sizes cost a little quality, never extra bandwidth.

**Configurations** (``configs``; any key can be overridden):

- ``dims``, ``depths``: stage widths/depths; ``patch``: embedding patch side.
- ``d_state`` (N), ``ssm_ratio`` (E/C), ``d_conv``: GSSM settings.
- ``directions``: 2 (identity + reverse, the paper) or 4 (VMamba cross-scan; ablation).
- ``mlp``: channel MLP on/off; ``mlp_ratio``: its hidden width / C (1 in the reference code).
- ``adaptation``: ``"csi_rest"`` (default), ``"modnet"`` (Channel ModNet, +9.87 M params
  in the paper configuration) or ``"none"`` (MambaJSCC w/o CA).
- ``csi_period``: CSI-ReST refreshes state index 0 with the SNR (dB) at tokens
  0, T, 2T, ... (``None``: the initial state only). Our copy of the paper does not give
  T and the released kernel refreshes only between 2048-token chunks; we use T = 64,
  a refresh well before the slowest default mode (A = -1) forgets it at typical Delta.

``paper`` has 14,547,936 parameters at CBR 1/48 (Table I: 14.54 M). ``small`` (2 stages,
widths 32/64, depths 2/2, patch 4 so f = 8, N = 8) has 248,696 at CBR 1/16 and runs a
forward+backward of a batch of 8 64x64 crops in about 0.13 CPU-seconds (one thread).
"""
from __future__ import annotations

from functools import partial
from typing import Any

from linksim.errors import LinksimError
from linksim.tasks.image.hierarchical import HierarchicalDecoder, HierarchicalEncoder, LatentJSCC
from linksim.mamba.gssm import DIRECTIONS
from linksim.mamba.vssm_ca import VSSMStage
from linksim.base.registry import SYSTEMS

ADAPTATIONS = ("csi_rest", "modnet", "none")

_COMMON: dict[str, Any] = {"patch": 2, "d_state": 16, "ssm_ratio": 2.0, "d_conv": 3,
                           "directions": 2, "mlp": True, "mlp_ratio": 1.0,
                           "adaptation": "csi_rest", "csi_period": 64}
PAPER = {**_COMMON, "dims": (128, 192, 256, 320), "depths": (2, 2, 6, 2)}
SMALL = {**_COMMON, "dims": (32, 64), "depths": (2, 2), "patch": 4, "d_state": 8}


@SYSTEMS.register("mambajscc")
class MambaJSCC(LatentJSCC):
    """MambaJSCC: VSSM-CA encoder/decoder with GSSM and zero-parameter CSI-ReST.

    Configs ``"paper"`` (4 stages, 128/192/256/320, depths 2/2/6/2, N = 16) and
    ``"small"`` (CPU-trainable); see the module docstring for every key.
    """

    configs = {"paper": PAPER, "small": SMALL}

    def build(self, **config: Any) -> None:
        missing = [k for k in ("dims", "depths") if k not in config]
        if missing:
            raise LinksimError(f"mambajscc: config needs {missing[0]!r} (e.g. {PAPER[missing[0]]})")
        cfg = self.checked_config("mambajscc", config, PAPER, adaptation=ADAPTATIONS)
        if int(cfg["directions"]) not in DIRECTIONS:
            raise LinksimError(f"mambajscc: directions={cfg['directions']!r}; choose 2 or 4")
        dims, depths, patch = list(cfg["dims"]), list(cfg["depths"]), int(cfg["patch"])
        factor = patch * 2 ** (len(dims) - 1)
        self.latent_channels = self.latent_channels_for(self.cbr, factor)
        stage = partial(VSSMStage, d_state=int(cfg["d_state"]), ssm_ratio=float(cfg["ssm_ratio"]),
                        d_conv=int(cfg["d_conv"]), directions=int(cfg["directions"]),
                        mlp_ratio=float(cfg["mlp_ratio"]) if cfg["mlp"] else 0.0,
                        csi_period=cfg["csi_period"])
        common = {"latent": self.latent_channels, "stage": stage, "patch": patch,
                  "modnet": cfg["adaptation"] == "modnet",
                  "stage_snr": cfg["adaptation"] == "csi_rest"}
        self.set_codec(HierarchicalEncoder(dims, depths, **common),
                       HierarchicalDecoder(dims, depths, **common), factor)
