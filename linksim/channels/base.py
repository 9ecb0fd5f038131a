r"""Channel interface shared by every link type.

Convention (``../shared/DESIGN.md``): SNR is :math:`E_s/N_0` per complex channel
use with unit average transmit power per complex symbol; noise is
:math:`\mathcal{CN}(0, N_0)` with :math:`N_0 = 10^{-\mathrm{SNR}/10}`.

A channel applies propagation, noise and (for fading) a perfect-CSI equalizer.
Its output is written as

.. math:: \hat{x}_i = g_i x_i + e_i, \qquad e_i \sim \mathcal{CN}(0, N_{0,i}^{\mathrm{eff}})

and :class:`CSI` returns :math:`g_i` (``gain``) and :math:`N_{0,i}^{\mathrm{eff}}`
(``no_eff``) so a receiver can compute LLRs or condition on the SNR.
All operations are differentiable with respect to ``x``.
"""
from __future__ import annotations

import functools
from dataclasses import dataclass

import torch
from torch import nn


def snr_db_to_no(snr_db: torch.Tensor) -> torch.Tensor:
    """:math:`N_0 = 10^{-\\mathrm{SNR}/10}` for unit symbol energy."""
    return torch.pow(10.0, -snr_db / 10.0)


@functools.lru_cache(maxsize=None)
def _sionna_awgn(device: str):
    from sionna.phy.channel import AWGN

    return AWGN(precision="single", device=device)


def add_noise(x: torch.Tensor, no: torch.Tensor) -> torch.Tensor:
    """``x + n`` with :math:`n \\sim \\mathcal{CN}(0, N_0)` from Sionna's ``AWGN`` block.

    :param x: [B, n], complex64.
    :param no: [B], float32 noise variance per example.
    """
    return _sionna_awgn(str(x.device))(x, no)


def power_normalize(z: torch.Tensor) -> torch.Tensor:
    r"""Scale each example to unit average energy per complex symbol.

    :param z: [B, n], complex. Channel symbols.
    :returns: [B, n], complex, with :math:`\frac1n\sum_i |z_i|^2 = 1` per row.
    """
    energy = z.abs().square().mean(dim=-1, keepdim=True)
    return z * torch.rsqrt(energy.clamp_min(1e-12))


def as_snr_tensor(snr_db: float | torch.Tensor, batch: int) -> torch.Tensor:
    """Broadcast a scalar or [B] SNR in dB to a float32 tensor of shape [B]."""
    t = torch.as_tensor(snr_db, dtype=torch.float32)
    return t.expand(batch).clone() if t.dim() == 0 else t.reshape(batch)


@dataclass
class CSI:
    """What the receiver knows after the channel (perfect CSI).

    :ivar snr_db: [B], float32. The SNR in dB the receiver reports to the decoder: the
        channel's average :math:`E_s/N_0` unless the channel says otherwise
        (Rayleigh ``csi_snr="effective"``).
    :ivar no: [B], float32. Noise variance :math:`N_0` before equalization.
    :ivar h: [B, n], complex64, or ``None`` on AWGN. Channel gains per symbol.
    :ivar gain: [B, n], float32. Equalizer output gain :math:`g_i` (1 for AWGN and ZF).
    :ivar no_eff: [B, n], float32. Post-equalization noise variance.
    """

    snr_db: torch.Tensor
    no: torch.Tensor
    h: torch.Tensor | None
    gain: torch.Tensor
    no_eff: torch.Tensor

    @property
    def sinr(self) -> torch.Tensor:
        r"""[B, n] unbiased post-equalization SINR :math:`g_i^2 / N^{\mathrm{eff}}_{0,i}`."""
        return self.gain.square() / self.no_eff


class Channel(nn.Module):
    """Base class: ``forward(x, snr_db) -> (x_hat, csi)``.

    :input x: [B, n], complex64. Transmitted symbols (unit average power per row).
    :input snr_db: float or [B] float32. :math:`E_s/N_0` in dB.
    :output x_hat: [B, n], complex64. Equalized received symbols.
    :output csi: :class:`CSI`.

    Random draws use Sionna's generator, which :func:`linksim.core.seeding.seed_everything`
    resets.
    """

    def forward(self, x: torch.Tensor, snr_db: float | torch.Tensor) -> tuple[torch.Tensor, CSI]:
        raise NotImplementedError
