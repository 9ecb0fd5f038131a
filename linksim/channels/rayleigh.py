r"""Rayleigh flat fading, :math:`y_i = h_i x_i + n_i`, :math:`h \sim \mathcal{CN}(0,1)`,
followed by a perfect-CSI single-tap equalizer (:mod:`linksim.channels.equalizers`).

Fading models:

- ``"block"``: one :math:`h` per example (``block_size=None``) or per block of
  ``block_size`` consecutive symbols (quasi-static).
- ``"fast"``: an independent :math:`h` per symbol (ideal interleaving).

What the receiver reports as ``CSI.snr_db`` (the value decoders with channel
adaptation condition on), ``csi_snr``:

- ``"average"``: the average :math:`E_s/N_0` (the MambaJSCC paper's choice for
  Rayleigh fading, and the default);
- ``"effective"``: the realized post-equalization SNR of each example,
  :math:`10\log_{10}\big(\frac1n\sum_i \mathrm{SINR}_i\big)`, which under one fade
  per example is :math:`\mathrm{SNR}_{\mathrm{dB}} + 10\log_{10}|h|^2`. The receiver
  knows it because it knows :math:`h`; the transmitter still only knows the average.
"""
from __future__ import annotations

import math

import torch
from sionna.phy.config import config as sionna_config
from sionna.phy.utils import complex_normal

from linksim.channels.base import CSI, Channel, add_noise, as_snr_tensor, snr_db_to_no
from linksim.channels.equalizers import EQUALIZERS
from linksim.errors import LinksimError
from linksim.core.registry import CHANNELS

FADING = ("block", "fast")
CSI_SNR = ("average", "effective")


@CHANNELS.register("rayleigh")
class Rayleigh(Channel):
    """Rayleigh fading + equalization.

    :param fading: ``"block"`` or ``"fast"``.
    :param block_size: symbols per fading block for ``"block"`` (``None``: the whole example).
    :param equalizer: ``"mmse"`` or ``"zf"``.
    :param csi_snr: ``"average"`` or ``"effective"``: the SNR reported in ``CSI.snr_db``.

    :input x: [B, n], complex64.
    :input snr_db: float or [B], float32.
    :output x_hat: [B, n], complex64, equalized.
    :output csi: :class:`CSI` with the drawn ``h`` [B, n].
    """

    def __init__(self, fading: str = "block", block_size: int | None = None,
                 equalizer: str = "mmse", csi_snr: str = "average") -> None:
        super().__init__()
        if fading not in FADING:
            raise LinksimError(f"fading={fading!r}: choose one of {', '.join(FADING)}")
        if equalizer not in EQUALIZERS:
            raise LinksimError(f"equalizer={equalizer!r}: choose one of {', '.join(EQUALIZERS)}")
        if csi_snr not in CSI_SNR:
            raise LinksimError(f"csi_snr={csi_snr!r}: choose one of {', '.join(CSI_SNR)}")
        if block_size is not None and (fading != "block" or int(block_size) < 1):
            raise LinksimError("block_size: a positive integer, and only with fading='block'")
        self.fading, self.block_size, self.equalizer = fading, block_size, equalizer
        self.csi_snr = csi_snr

    def draw_h(self, batch: int, n: int, device: torch.device) -> torch.Tensor:
        """[B, n] complex64 fading gains, h ~ CN(0, 1) per block."""
        if self.fading == "fast":
            blocks, size = n, 1
        elif self.block_size is None:
            blocks, size = 1, n
        else:
            blocks, size = math.ceil(n / self.block_size), self.block_size
        gen = sionna_config.torch_rng(str(device))
        h = complex_normal((batch, blocks), precision="single", device=device, generator=gen)
        return h.repeat_interleave(size, dim=1)[:, :n]

    def forward(self, x: torch.Tensor, snr_db: float | torch.Tensor) -> tuple[torch.Tensor, CSI]:
        snr = as_snr_tensor(snr_db, x.shape[0]).to(x.device)
        no = snr_db_to_no(snr)
        h = self.draw_h(x.shape[0], x.shape[1], x.device)
        y = add_noise(h * x, no)
        x_hat, gain, no_eff = EQUALIZERS[self.equalizer](y, h, no[:, None])
        csi = CSI(snr_db=snr, no=no, h=h, gain=gain, no_eff=no_eff)
        if self.csi_snr == "effective":
            csi.snr_db = 10.0 * torch.log10(csi.sinr.mean(dim=-1))
        return x_hat, csi
