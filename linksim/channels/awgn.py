r"""Additive white Gaussian noise channel."""
from __future__ import annotations

import torch

from linksim.channels.base import CSI, Channel, Realization, per_example, snr_db_to_no
from linksim.channels.equalizers import check_equalizer
from linksim.core.registry import CHANNELS, EQUALIZERS


@CHANNELS.register("awgn")
class AWGN(Channel):
    r""":math:`y = x + \sqrt{N_0} w`, :math:`w \sim \mathcal{CN}(0, 1)`.

    :param equalizer: a registered equalizer, the receiver of
        :class:`~linksim.channels.rayleigh.Rayleigh` with :math:`h = 1`, so AWGN is exactly
        the no-fading case of that channel. ``"zf"`` (default) is then the identity: the
        receiver passes :math:`y` on (gain 1, :math:`N_0^{\mathrm{eff}} = N_0`); ``"mmse"`` gives
        :math:`\hat x = y/(1+N_0)`, gain :math:`1/(1+N_0)`,
        :math:`N_0^{\mathrm{eff}} = N_0/(1+N_0)^2`, the input a decoder trained behind the
        Rayleigh MMSE equalizer was trained on. Receivers that use the CSI (LLRs, LMMSE,
        capacity) give the same result either way: the unbiased SINR is :math:`1/N_0`.

    :input x: [B, n], complex64.
    :input snr_db: float or [B], float32.
    :output y: [B, n], complex64.
    :output csi: :class:`CSI` with ``h=None``.
    """

    def __init__(self, equalizer: str = "zf") -> None:
        super().__init__()
        self.equalizer = check_equalizer(equalizer)

    def receive(self, y: torch.Tensor | None, real: Realization, snr_db: torch.Tensor
                ) -> tuple[torch.Tensor | None, CSI]:
        no = snr_db_to_no(snr_db)
        h = torch.ones_like(real.w)
        x_hat, gain, no_eff = EQUALIZERS.get(self.equalizer)(y, h, per_example(no, real.w))
        return x_hat, CSI(snr_db=snr_db, no=no, h=None, gain=gain, no_eff=no_eff)
