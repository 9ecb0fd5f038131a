r"""Channel interface shared by every link type: draw a realization, apply it, equalize.

Convention (``../shared/DESIGN.md``): SNR is :math:`E_s/N_0` per complex channel
use with unit average transmit power per complex symbol; noise is
:math:`\mathcal{CN}(0, N_0)` with :math:`N_0 = 10^{-\mathrm{SNR}/10}`.

A channel is split the way Sionna splits ``GenerateFlatFadingChannel`` and
``ApplyFlatFadingChannel``:

- :meth:`Channel.draw` returns a :class:`Realization`: the fading gains ``h`` and
  *unit-variance* noise ``w`` of a batch, on tensors of any rank (``[B, n]`` for a
  point-to-point link, ``[B, K, M]`` gains for a multi-user MISO downlink);
- :meth:`Channel.apply` computes :math:`y = h x + \sqrt{N_0}\, w`, so one realization
  serves every SNR (common random numbers across SNR and across systems);
- an equalizer (:mod:`linksim.channels.equalizers`) turns ``y`` into
  :math:`\hat{x}_i = g_i x_i + e_i`, :math:`e_i \sim \mathcal{CN}(0, N_{0,i}^{\mathrm{eff}})`,
  and :class:`CSI` carries :math:`g_i` (``gain``) and :math:`N_{0,i}^{\mathrm{eff}}`
  (``no_eff``) so a receiver can compute LLRs or condition on the SNR.

:class:`Link` binds a channel, the SNRs and the draws of one batch; systems send
through it (``y, csi = link(z)``) or read its state without sending
(``link.state(shape)``). Everything is differentiable with respect to ``x``.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Sequence

import torch
from torch import nn

from linksim.channels.equalizers import check_equalizer
from linksim.base.registry import EQUALIZERS
from linksim.base.seeding import channel_rng, derive_seed
from linksim.errors import LinksimError

#: what a receiver may report as ``CSI.snr_db``
CSI_SNR = ("average", "effective")


def snr_db_to_no(snr_db: torch.Tensor) -> torch.Tensor:
    """:math:`N_0 = 10^{-\\mathrm{SNR}/10}` for unit symbol energy."""
    return torch.pow(10.0, -snr_db / 10.0)


def per_example(v: torch.Tensor, like: torch.Tensor) -> torch.Tensor:
    """A [B] tensor viewed as [B, 1, ...] to broadcast against ``like`` [B, ...] of any rank."""
    return v.reshape(-1, *([1] * (like.dim() - 1)))


def as_snr_tensor(snr_db: float | torch.Tensor, batch: int) -> torch.Tensor:
    """Broadcast a scalar or [B] SNR in dB to a float32 tensor of shape [B]."""
    t = torch.as_tensor(snr_db, dtype=torch.float32)
    return t.expand(batch).clone() if t.dim() == 0 else t.reshape(batch)


def complex_normal(shape: Sequence[int], device: torch.device | str,
                   generator: torch.Generator) -> torch.Tensor:
    r"""complex64 :math:`\mathcal{CN}(0, 1)` samples of ``shape``: the real parts, then the
    imaginary parts, each :math:`\mathcal{N}(0, 1/2)` from ``generator``; the same draws as
    Sionna's ``complex_normal`` in eager mode (without importing Sionna)."""
    std = math.sqrt(0.5)
    real = torch.normal(0.0, std, size=tuple(shape), dtype=torch.float32, device=device,
                        generator=generator)
    imag = torch.normal(0.0, std, size=tuple(shape), dtype=torch.float32, device=device,
                        generator=generator)
    return torch.complex(real, imag)


def unit_normal(shape: Sequence[int], device: torch.device | str,
                generators: Sequence[torch.Generator] | None = None) -> torch.Tensor:
    r"""[B, *shape[1:]] complex64 :math:`\mathcal{CN}(0, 1)` samples.

    ``generators``: one per example (common random numbers: example ``b`` depends on its
    own generator only), or ``None`` for Sionna's global generator (training).
    """
    if generators is None:
        return complex_normal(shape, device, channel_rng(device))
    if len(generators) != shape[0]:
        raise ValueError(f"{len(generators)} generators for a batch of {shape[0]}")
    rows = [complex_normal(shape[1:], "cpu", g) for g in generators]
    return torch.stack(rows).to(device)


@dataclass
class Realization:
    """The random part of one batch's channel, independent of the SNR.

    :ivar h: [B, ...] complex64 fading gains (``None``: no fading, AWGN).
    :ivar w: [B, ...] complex64 unit-variance noise, shaped like the received signal.
    """

    h: torch.Tensor | None
    w: torch.Tensor


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

    def to(self, device: torch.device | str) -> "CSI":
        return CSI(*(None if t is None else t.to(device)
                     for t in (self.snr_db, self.no, self.h, self.gain, self.no_eff)))


class Channel(nn.Module):
    r"""Base class of the point-to-point channels: :math:`y = h x + \sqrt{N_0} w` and one
    perfect-CSI single-tap receiver for all of them.

    The base is the channel without fading (:math:`h = 1`, AWGN). A fading channel
    implements :meth:`draw_h` (see :class:`~linksim.channels.fading.FadingChannel`); the
    receiver (:meth:`receive`: the registered ``equalizer`` on the drawn :math:`h`, then
    the :class:`CSI`) is shared.

    :param equalizer: a registered equalizer (:mod:`linksim.channels.equalizers`).
    :param csi_snr: what the receiver reports as ``CSI.snr_db``: ``"average"`` (the
        nominal :math:`E_s/N_0`) or ``"effective"`` (the realized post-equalization SNR
        :math:`10\log_{10}\big(\frac1n\sum_i \mathrm{SINR}_i\big)`).

    :input x: [B, n], complex64. Transmitted symbols (unit average power per row).
    :input snr_db: float or [B] float32. :math:`E_s/N_0` in dB.
    :output x_hat: [B, n], complex64. Equalized received symbols.
    :output csi: :class:`CSI`.
    """

    def __init__(self, equalizer: str = "zf", csi_snr: str = "average") -> None:
        super().__init__()
        if csi_snr not in CSI_SNR:
            raise LinksimError(f"csi_snr={csi_snr!r}: choose one of {', '.join(CSI_SNR)}")
        self.equalizer, self.csi_snr = check_equalizer(equalizer), csi_snr

    def draw_h(self, shape: Sequence[int], device: torch.device | str,
               generators: Sequence[torch.Generator] | None = None) -> torch.Tensor | None:
        """Fading gains [B, ...] (``None`` without fading)."""
        return None

    def draw(self, shape: Sequence[int], device: torch.device | str = "cpu",
             generators: Sequence[torch.Generator] | None = None) -> Realization:
        """Gains, then noise, for a signal of ``shape`` (each example from its generator)."""
        h = self.draw_h(shape, device, generators)
        return Realization(h=h, w=unit_normal(shape, device, generators))

    @staticmethod
    def apply(x: torch.Tensor, real: Realization, no: torch.Tensor) -> torch.Tensor:
        r""":math:`y = h x + \sqrt{N_0} w` for x [B, n], a realization of the same shape
        and ``no`` [B]."""
        hx = x if real.h is None else real.h * x
        return hx + real.w * per_example(no.sqrt(), real.w).to(real.w.real.dtype)

    def receive(self, y: torch.Tensor | None, real: Realization, snr_db: torch.Tensor
                ) -> tuple[torch.Tensor | None, CSI]:
        """Equalize ``y`` ([B, n], or ``None`` for the state alone) knowing ``real.h``
        (:math:`h = 1` without fading); ``snr_db`` [B]."""
        no = snr_db_to_no(snr_db)
        h = torch.ones_like(real.w) if real.h is None else real.h
        x_hat, gain, no_eff = EQUALIZERS.get(self.equalizer)(y, h, per_example(no, h))
        csi = CSI(snr_db=snr_db, no=no, h=real.h, gain=gain, no_eff=no_eff)
        if self.csi_snr == "effective":
            csi.snr_db = 10.0 * torch.log10(csi.sinr.mean(dim=-1))
        return x_hat, csi

    def forward(self, x: torch.Tensor, snr_db: float | torch.Tensor,
                realization: Realization | None = None) -> tuple[torch.Tensor, CSI]:
        snr = as_snr_tensor(snr_db, x.shape[0]).to(x.device)
        real = _prefix(realization or self.draw(tuple(x.shape), x.device), x.shape[1])
        return self.receive(self.apply(x, real, snr_db_to_no(snr)), real, snr)


def _prefix(real: Realization, n: int) -> Realization:
    """The first ``n`` channel uses of a [B, n', ...] realization (a system may use fewer
    channel uses than the point's budget, e.g. whole code blocks)."""
    return Realization(h=None if real.h is None else real.h[:, :n], w=real.w[:, :n])


class Link:
    """One batch through one channel at given SNRs, with the batch's draws.

    :param channel: the :class:`Channel`.
    :param snr_db: float or [B] float32, :math:`E_s/N_0` in dB.
    :param batch: B, the number of transmissions.
    :param seeds: one seed per transmission (common random numbers: the runner derives
        them from the item and repeat only, so every system and every SNR sees the same
        fades and noise); ``None``: Sionna's global generator (training).
    :param shape: the channel-use budget of one transmission (e.g. ``(n,)``), the shape the
        realization is drawn for; a system sending fewer symbols uses the first ones.
        ``None``: drawn for whatever is sent.
    :param device: where the draws live.
    :param lengths: each transmission's own budget along the first axis of ``shape``
        (transmissions of different lengths padded to one batch, e.g. sentences), or
        ``None``: all have ``shape``. With lengths, transmission ``b`` is drawn for
        ``(lengths[b], *shape[1:])`` from its own generator and padded (gain 1, noise 0),
        so its draws depend on its seed and length only, never on the batch it travels in.

    ``link(z)`` applies the realization and equalizes. :meth:`state` gives the CSI of the
    realization without sending, for systems that decide from the channel state (the
    separated chain's block fates, the capacity bound).
    """

    def __init__(self, channel: Channel, snr_db: float | torch.Tensor, batch: int,
                 seeds: Sequence[int] | None = None, shape: Sequence[int] | None = None,
                 device: torch.device | str = "cpu", lengths: Sequence[int] | None = None
                 ) -> None:
        self.channel, self.batch, self.device = channel, batch, torch.device(device)
        self.lengths = None if lengths is None or seeds is None else [int(n) for n in lengths]
        self.snr_db = as_snr_tensor(snr_db, batch).to(self.device)
        self.seeds = None if seeds is None else [int(s) for s in seeds]
        self.shape = None if shape is None else tuple(int(s) for s in shape)
        self._draws: dict[tuple[int, ...], Realization] = {}

    def generators(self, stream: str = "channel") -> list[torch.Generator] | None:
        """One fresh generator per transmission for ``stream`` (``None`` without seeds)."""
        if self.seeds is None:
            return None
        return [torch.Generator().manual_seed(derive_seed(s, stream)) for s in self.seeds]

    def realization(self, n: int) -> Realization:
        """The draws of the first ``n`` channel uses of every transmission."""
        shape = self.shape or (n,)
        if shape[0] < n:
            raise ValueError(f"{n} channel uses sent, but the budget is {shape[0]}")
        if shape not in self._draws:
            self._draws[shape] = (self.channel.draw((self.batch, *shape), self.device,
                                                    self.generators())
                                  if self.lengths is None else self._draw_own(shape))
        return _prefix(self._draws[shape], n)

    def _draw_own(self, shape: tuple[int, ...]) -> Realization:
        """Each transmission drawn for its own length, padded to ``shape`` (gain 1, noise 0)."""
        if len(self.lengths) != self.batch or max(self.lengths) > shape[0]:
            raise ValueError(f"lengths {self.lengths} do not fit a batch of {self.batch} "
                             f"with budget {shape[0]}")
        rows = [self.channel.draw((1, n, *shape[1:]), self.device, [g])
                for n, g in zip(self.lengths, self.generators())]
        w = torch.zeros((self.batch, *shape), dtype=rows[0].w.dtype, device=self.device)
        h = None if rows[0].h is None else torch.ones_like(w, dtype=rows[0].h.dtype)
        for b, (n, real) in enumerate(zip(self.lengths, rows)):
            w[b, :n] = real.w[0]
            if h is not None:
                h[b, :n] = real.h[0]
        return Realization(h=h, w=w)

    def __call__(self, z: torch.Tensor) -> tuple[torch.Tensor, CSI]:
        """[B, n] complex symbols -> (equalized [B, n], :class:`CSI`)."""
        return self.channel(z, self.snr_db.to(z.device), self.realization(z.shape[1]))

    def state(self, n: int) -> CSI:
        """The :class:`CSI` of the first ``n`` channel uses, no symbols sent."""
        return self.channel.receive(None, self.realization(n), self.snr_db)[1]
