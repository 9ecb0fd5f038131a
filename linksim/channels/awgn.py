"""Additive white Gaussian noise channel (Sionna's ``AWGN`` block)."""
from __future__ import annotations

import torch

from linksim.channels.base import CSI, Channel, add_noise, as_snr_tensor, snr_db_to_no
from linksim.core.registry import CHANNELS


@CHANNELS.register("awgn")
class AWGN(Channel):
    r""":math:`y = x + n`, :math:`n \sim \mathcal{CN}(0, N_0)`; no equalizer needed.

    :input x: [B, n], complex64.
    :input snr_db: float or [B], float32.
    :output y: [B, n], complex64.
    :output csi: :class:`CSI` with ``h=None``, ``gain=1``, ``no_eff=N_0``.
    """

    def forward(self, x: torch.Tensor, snr_db: float | torch.Tensor) -> tuple[torch.Tensor, CSI]:
        snr = as_snr_tensor(snr_db, x.shape[0]).to(x.device)
        no = snr_db_to_no(snr)
        y = add_noise(x, no)
        ones = torch.ones(x.shape, dtype=no.dtype, device=x.device)
        return y, CSI(snr_db=snr, no=no, h=None, gain=ones, no_eff=no[:, None] * ones)
