r"""Flat fading with block or fast variation, the base of every fading channel.

A fading channel draws unit-variance complex Gaussian samples :math:`g \sim \mathcal{CN}(0,1)`
per fading block and maps them to gains :math:`h = \mathrm{fade}(g)`; drawing, blocking and
the receiver are shared, a channel only states :meth:`FadingChannel.fade`.

Fading models (along the last axis of the drawn shape, the channel uses):

- ``"block"``: one :math:`h` per example (``block_size=None``) or per block of
  ``block_size`` consecutive symbols (quasi-static).
- ``"fast"``: an independent :math:`h` per entry (ideal interleaving; also the i.i.d.
  [B, K, M] gains of a multi-user MISO downlink).
"""
from __future__ import annotations

import math
from typing import Sequence

import torch

from linksim.channels.base import Channel, unit_normal
from linksim.errors import LinksimError

FADING = ("block", "fast")


class FadingChannel(Channel):
    """Flat fading :math:`y_i = h_i x_i + \\sqrt{N_0} w_i` + the shared receiver.

    :param fading: ``"block"`` or ``"fast"``.
    :param block_size: symbols per fading block for ``"block"`` (``None``: the whole example).
    :param equalizer: a registered equalizer, ``"mmse"`` (default) or ``"zf"``.
    :param csi_snr: ``"average"`` or ``"effective"``: the SNR reported in ``CSI.snr_db``.

    :input x: [B, n], complex64.
    :input snr_db: float or [B], float32.
    :output x_hat: [B, n], complex64, equalized.
    :output csi: :class:`~linksim.channels.base.CSI` with the drawn ``h`` [B, n].
    """

    def __init__(self, fading: str = "block", block_size: int | None = None,
                 equalizer: str = "mmse", csi_snr: str = "average") -> None:
        super().__init__(equalizer=equalizer, csi_snr=csi_snr)
        if fading not in FADING:
            raise LinksimError(f"fading={fading!r}: choose one of {', '.join(FADING)}")
        if block_size is not None and (fading != "block" or isinstance(block_size, bool)
                                       or not isinstance(block_size, int) or block_size < 1):
            raise LinksimError("block_size: a positive integer, and only with fading='block'")
        self.fading, self.block_size = fading, block_size

    def fade(self, g: torch.Tensor) -> torch.Tensor:
        """Gains from unit samples: g [..., blocks] complex64 CN(0, 1) -> h, same shape."""
        raise NotImplementedError

    def draw_h(self, shape: Sequence[int], device: torch.device | str,
               generators: Sequence[torch.Generator] | None = None) -> torch.Tensor:
        """[B, ..., n] complex64 gains, one :meth:`fade` per block of the last axis."""
        *lead, n = shape
        if self.fading == "fast":
            blocks, size = n, 1
        elif self.block_size is None:
            blocks, size = 1, n
        else:
            blocks, size = math.ceil(n / self.block_size), self.block_size
        h = self.fade(unit_normal((*lead, blocks), device, generators))
        return h.repeat_interleave(size, dim=-1)[..., :n]
