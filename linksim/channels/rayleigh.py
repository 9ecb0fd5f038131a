r"""Rayleigh flat fading, :math:`y_i = h_i x_i + n_i`, :math:`h \sim \mathcal{CN}(0,1)`,
followed by a perfect-CSI single-tap equalizer (:mod:`linksim.channels.equalizers`).

Fading models (along the last axis of the drawn shape, the channel uses):

- ``"block"``: one :math:`h` per example (``block_size=None``) or per block of
  ``block_size`` consecutive symbols (quasi-static).
- ``"fast"``: an independent :math:`h` per entry (ideal interleaving; also the i.i.d.
  [B, K, M] gains of a multi-user MISO downlink).

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
from typing import Sequence

import torch

from linksim.channels.base import (CSI, Channel, Realization, per_example, snr_db_to_no,
                                   unit_normal)
from linksim.channels.equalizers import check_equalizer
from linksim.core.registry import CHANNELS, EQUALIZERS
from linksim.errors import LinksimError

FADING = ("block", "fast")
CSI_SNR = ("average", "effective")


@CHANNELS.register("rayleigh")
class Rayleigh(Channel):
    """Rayleigh fading + equalization.

    :param fading: ``"block"`` or ``"fast"``.
    :param block_size: symbols per fading block for ``"block"`` (``None``: the whole example).
    :param equalizer: a registered equalizer, ``"mmse"`` or ``"zf"``.
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
        if csi_snr not in CSI_SNR:
            raise LinksimError(f"csi_snr={csi_snr!r}: choose one of {', '.join(CSI_SNR)}")
        if block_size is not None and (fading != "block" or isinstance(block_size, bool)
                                       or not isinstance(block_size, int) or block_size < 1):
            raise LinksimError("block_size: a positive integer, and only with fading='block'")
        self.fading, self.block_size = fading, block_size
        self.equalizer = check_equalizer(equalizer)
        self.csi_snr = csi_snr

    def draw_h(self, shape: Sequence[int], device: torch.device | str,
               generators: Sequence[torch.Generator] | None = None) -> torch.Tensor:
        """[B, ..., n] complex64 gains, h ~ CN(0, 1) per block of the last axis."""
        *lead, n = shape
        if self.fading == "fast":
            blocks, size = n, 1
        elif self.block_size is None:
            blocks, size = 1, n
        else:
            blocks, size = math.ceil(n / self.block_size), self.block_size
        h = unit_normal((*lead, blocks), device, generators)
        return h.repeat_interleave(size, dim=-1)[..., :n]

    def receive(self, y: torch.Tensor | None, real: Realization, snr_db: torch.Tensor
                ) -> tuple[torch.Tensor | None, CSI]:
        no = snr_db_to_no(snr_db)
        x_hat, gain, no_eff = EQUALIZERS.get(self.equalizer)(y, real.h, per_example(no, real.h))
        csi = CSI(snr_db=snr_db, no=no, h=real.h, gain=gain, no_eff=no_eff)
        if self.csi_snr == "effective":
            csi.snr_db = 10.0 * torch.log10(csi.sinr.mean(dim=-1))
        return x_hat, csi
