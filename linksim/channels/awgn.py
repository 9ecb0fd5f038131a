r"""Additive white Gaussian noise channel."""
from __future__ import annotations

from linksim.channels.base import Channel
from linksim.base.registry import CHANNELS


@CHANNELS.register("awgn")
class AWGN(Channel):
    r""":math:`y = x + \sqrt{N_0} w`, :math:`w \sim \mathcal{CN}(0, 1)`: the base channel
    with gain :math:`h = 1`, so its receiver is the fading channels' receiver at :math:`h = 1`.

    :param equalizer: a registered equalizer. ``"zf"`` (default) is the identity: the
        receiver passes :math:`y` on (gain 1, :math:`N_0^{\mathrm{eff}} = N_0`); ``"mmse"`` gives
        :math:`\hat x = y/(1+N_0)`, gain :math:`1/(1+N_0)`,
        :math:`N_0^{\mathrm{eff}} = N_0/(1+N_0)^2`, the input a decoder trained behind the
        Rayleigh MMSE equalizer was trained on. Receivers that use the CSI (LLRs, LMMSE,
        capacity) give the same result either way: the unbiased SINR is :math:`1/N_0`.

    :input x: [B, n], complex64.
    :input snr_db: float or [B], float32.
    :output y: [B, n], complex64.
    :output csi: :class:`~linksim.channels.base.CSI` with ``h=None``.
    """

    def __init__(self, equalizer: str = "zf") -> None:
        super().__init__(equalizer=equalizer)
