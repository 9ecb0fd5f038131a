"""Additive white Gaussian noise channel."""
from __future__ import annotations

import torch

from linksim.channels.base import CSI, Channel, Realization, snr_db_to_no
from linksim.core.registry import CHANNELS


@CHANNELS.register("awgn")
class AWGN(Channel):
    r""":math:`y = x + \sqrt{N_0} w`, :math:`w \sim \mathcal{CN}(0, 1)`; no equalizer needed.

    :input x: [B, n], complex64.
    :input snr_db: float or [B], float32.
    :output y: [B, n], complex64.
    :output csi: :class:`CSI` with ``h=None``, ``gain=1``, ``no_eff=N_0``.
    """

    def receive(self, y: torch.Tensor | None, real: Realization, snr_db: torch.Tensor
                ) -> tuple[torch.Tensor | None, CSI]:
        no = snr_db_to_no(snr_db)
        ones = torch.ones(real.w.shape, dtype=no.dtype, device=real.w.device)
        return y, CSI(snr_db=snr_db, no=no, h=None, gain=ones, no_eff=no[:, None] * ones)
