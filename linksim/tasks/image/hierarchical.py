r"""The hierarchical JSCC skeleton shared by MambaJSCC and SwinJSCC, and the latent-to-symbol
system base they (and ADJSCC) use.

::

    encoder  x [B,3,H,W] -> PatchEmbed(p) -> stage(C_1, N_1)
                -> PatchMerging(C_1, C_2) -> stage(C_2, N_2) -> ... -> stage(C_S, N_S)
                [-> Channel ModNet(snr)] -> Conv1x1(C_S, c) -> z [B, c, H/f, W/f]
    decoder  z -> Conv1x1(c, C_S) [-> Channel ModNet(snr)] -> stage(C_S, N_S)
                -> PatchDivision(C_S, C_{S-1}) -> ... -> stage(C_1, N_1)
                -> PatchDivision(C_1, 3, scale p) -> sigmoid -> x_hat [B,3,H,W]

with :math:`f = p\,2^{S-1}`. Only the blocks inside a stage differ between models: a
*stage factory* ``stage(dim, depth) -> nn.Module`` builds them, and the module's
``forward(x [B,H,W,C], snr_db [B] | None) -> [B,H,W,C]`` receives the SNR when
``stage_snr`` is true (MambaJSCC's CSI-ReST) and ``None`` otherwise.

:class:`LatentJSCC` turns any encoder/decoder pair with a down-sampling factor ``f`` into a
:class:`~linksim.tasks.image.systems.learned.LearnedSystem`: reflect-pad the image to multiples of
``f``, send the first ``2n`` latent values as ``n`` power-normalized complex symbols
(``n = num_channel_uses(cbr, x.shape)`` of the *unpadded* image) and crop back.
"""
from __future__ import annotations

import math
from typing import Any, Callable, Sequence

import torch
import torch.nn.functional as F
from torch import nn

from linksim.channels.base import CSI, Link
from linksim.errors import LinksimError
from linksim.nn import (ChannelModNet, PatchDivision, PatchEmbed, PatchMerging,
                                   latent_to_symbols, symbols_to_latent)
from linksim.tasks.image.system import SNR_FREE, num_channel_uses
from linksim.tasks.image.systems.learned import LearnedSystem

StageFactory = Callable[[int, int], nn.Module]
"""``stage(dim, depth)``: a module mapping ([B,H,W,dim], snr_db [B] | None) -> [B,H,W,dim]."""


def stage_dims(dims: Sequence[int], depths: Sequence[int]) -> list[tuple[int, int]]:
    """Pair widths and depths, checking they have the same number of stages."""
    if len(dims) != len(depths) or not dims:
        raise LinksimError(f"dims={list(dims)} and depths={list(depths)}: need one depth per stage")
    return list(zip((int(d) for d in dims), (int(n) for n in depths)))


class HierarchicalEncoder(nn.Module):
    """Patch embedding, ``S`` stages joined by patch merging, 1x1 compression convolution.

    :param dims: widths :math:`C_1..C_S`.
    :param depths: blocks per stage :math:`N_1..N_S`.
    :param latent: output channels :math:`c`.
    :param stage: stage factory (see the module docstring).
    :param patch: patch side :math:`p` of the embedding.
    :param modnet: apply a :class:`~linksim.nn.ChannelModNet` before the head.
    :param stage_snr: pass ``snr_db`` to the stages (else ``None``).
    :input x: [B, 3, H, W], float32, H and W multiples of :math:`f = p 2^{S-1}`.
    :input snr_db: [B], float32.
    :output: [B, c, H/f, W/f], float32.
    """

    def __init__(self, dims: Sequence[int], depths: Sequence[int], latent: int,
                 stage: StageFactory, patch: int = 2, modnet: bool = False,
                 stage_snr: bool = False) -> None:
        super().__init__()
        pairs = stage_dims(dims, depths)
        self.stage_snr = stage_snr
        self.embed = PatchEmbed(3, pairs[0][0], patch)
        self.stages = nn.ModuleList(stage(d, n) for d, n in pairs)
        self.merges = nn.ModuleList(PatchMerging(a, b) for (a, _), (b, _) in zip(pairs, pairs[1:]))
        self.modnet = ChannelModNet(pairs[-1][0]) if modnet else None
        self.head = nn.Conv2d(pairs[-1][0], latent, kernel_size=1)

    @property
    def uses_snr(self) -> bool:
        """Whether the output depends on ``snr_db`` (CSI-ReST stages or a Channel ModNet)."""
        return self.stage_snr or self.modnet is not None

    @property
    def snr_free_body(self) -> bool:
        """Whether :meth:`body` ignores the SNR (no CSI-ReST stages): then only
        :meth:`tail` reads it."""
        return not self.stage_snr

    def body(self, x: torch.Tensor, snr_db: torch.Tensor | None = None) -> torch.Tensor:
        """[B, 3, H, W] -> [B, H/f, W/f, C_S] features: embedding, stages and merges
        (``snr_db`` is read by CSI-ReST stages only)."""
        state_snr = snr_db if self.stage_snr else None
        x = self.embed(x)
        for i, stage in enumerate(self.stages):
            x = stage(x, state_snr)
            if i < len(self.merges):
                x = self.merges[i](x)
        return x

    def tail(self, x: torch.Tensor, snr_db: torch.Tensor) -> torch.Tensor:
        """[B, H/f, W/f, C_S] features, [B] dB -> [B, c, H/f, W/f]: Channel ModNet, head."""
        if self.modnet is not None:
            x = self.modnet(x, snr_db)
        return self.head(x.permute(0, 3, 1, 2))

    def forward(self, x: torch.Tensor, snr_db: torch.Tensor) -> torch.Tensor:
        return self.tail(self.body(x, snr_db), snr_db)


class HierarchicalDecoder(nn.Module):
    """The encoder's mirror: 1x1 expansion, stages joined by patch division, sigmoid.

    Arguments as :class:`HierarchicalEncoder` (``dims``/``depths`` in encoder order).

    :input z: [B, c, h, w], float32 (the de-mapped latent).
    :input snr_db: [B], float32, the receiver's CSI.
    :output: [B, 3, f h, f w], float32 in (0, 1).
    """

    def __init__(self, dims: Sequence[int], depths: Sequence[int], latent: int,
                 stage: StageFactory, patch: int = 2, modnet: bool = False,
                 stage_snr: bool = False) -> None:
        super().__init__()
        pairs = stage_dims(dims, depths)[::-1]
        self.stage_snr = stage_snr
        self.head = nn.Conv2d(latent, pairs[0][0], kernel_size=1)
        self.modnet = ChannelModNet(pairs[0][0]) if modnet else None
        self.stages = nn.ModuleList(stage(d, n) for d, n in pairs)
        outs = [d for d, _ in pairs[1:]] + [3]
        scales = [2] * (len(pairs) - 1) + [patch]
        self.divisions = nn.ModuleList(PatchDivision(d, o, s)
                                       for (d, _), o, s in zip(pairs, outs, scales))

    def forward(self, z: torch.Tensor, snr_db: torch.Tensor) -> torch.Tensor:
        state_snr = snr_db if self.stage_snr else None
        x = self.head(z).permute(0, 2, 3, 1)
        if self.modnet is not None:
            x = self.modnet(x, snr_db)
        for stage, division in zip(self.stages, self.divisions):
            x = division(stage(x, state_snr))
        return torch.sigmoid(x.permute(0, 3, 1, 2))


class LatentJSCC(LearnedSystem):
    r"""A learned system around ``encoder(x, snr_db) -> z [B,c,H/f,W/f]`` and
    ``decoder(z, snr_db) -> x_hat``.

    Subclasses' :meth:`build` calls :meth:`set_codec`. The latent has
    :math:`c = \lceil 6\,\mathrm{CBR}\,f^2 \rceil` channels, so that ``2n`` real values
    fit for any image whose sides are multiples of ``f``; the receiver zero-fills what was
    not sent. Sides that are not multiples of ``f`` are reflect-padded (replicate when the
    image is smaller than the pad) and the reconstruction is cropped back; the symbol count
    stays that of the unpadded image.
    """

    factor: int
    latent_channels: int

    @classmethod
    def checked_config(cls, name: str, config: dict[str, Any], defaults: dict[str, Any],
                       **choices: Sequence[Any]) -> dict[str, Any]:
        """``defaults`` updated by ``config``; unknown keys and values outside ``choices``
        (key -> allowed values) raise :class:`~linksim.errors.LinksimError`."""
        unknown = sorted(set(config) - set(defaults))
        if unknown:
            raise LinksimError(f"{name}: unknown config key {unknown[0]!r}; "
                               f"known: {', '.join(sorted(defaults))}")
        cfg = {**defaults, **config}
        for key, allowed in choices.items():
            if cfg[key] not in allowed:
                raise LinksimError(f"{name}: {key}={cfg[key]!r}; choose one of "
                                   f"{', '.join(map(str, allowed))}")
        return cfg

    def set_codec(self, encoder: nn.Module, decoder: nn.Module, factor: int) -> None:
        """Install the networks; ``factor`` is the total down-sampling :math:`f`."""
        self.factor = int(factor)
        self.encoder, self.decoder = encoder, decoder

    @staticmethod
    def latent_channels_for(cbr: float, factor: int) -> int:
        r""":math:`c = \lceil 6\,\mathrm{CBR}\,f^2 \rceil` (2 reals per complex use, 3 colours)."""
        return math.ceil(6 * cbr * factor ** 2 - 1e-9)

    def transmitter_axes(self) -> tuple[str, ...] | None:
        """The CBR alone when the encoder's SNR-free part covers the sending: an encoder
        without channel adaptation (``uses_snr`` false: MambaJSCC w/o CA, SwinJSCC w/o SA)
        or one whose SNR enters only after an SNR-free body (``snr_free_body``: SwinJSCC's
        Channel ModNet before the head, see :meth:`send`); else ``None`` (CSI-ReST)."""
        return SNR_FREE if self._late_snr or not getattr(self.encoder, "uses_snr", True) else None

    @property
    def _late_snr(self) -> bool:
        """Whether the encoder reads the SNR, but only after its SNR-free body."""
        return getattr(self.encoder, "uses_snr", True) and getattr(self.encoder, "snr_free_body",
                                                                   False)

    def _padded(self, h: int, w: int) -> tuple[int, int]:
        """Padded (H', W'): the next multiples of the down-sampling factor ``f``."""
        f = self.factor
        return h + (-h % f), w + (-w % f)

    def _pad(self, x: torch.Tensor) -> torch.Tensor:
        """Reflect-pad (replicate when the image is smaller than the pad) to multiples of f."""
        h, w = x.shape[-2:]
        hp, wp = self._padded(h, w)
        if (hp, wp) == (h, w):
            return x
        mode = "reflect" if hp - h < h and wp - w < w else "replicate"
        return F.pad(x, (0, wp - w, 0, hp - h), mode=mode)

    def encode(self, x: torch.Tensor, snr_db: torch.Tensor) -> torch.Tensor:
        """[B, 3, H, W] in [0, 1], [B] dB -> [B, n] complex64, unit average power per row."""
        z = self.encoder(self._pad(x), snr_db.to(x.device, torch.float32))
        return latent_to_symbols(z, num_channel_uses(self.cbr, (3, *x.shape[-2:])))

    def send(self, x: torch.Tensor, link: Link) -> tuple[torch.Tensor, tuple[int, int], bool]:
        """``(symbols, (H, W), False)``, or for an encoder whose SNR enters only after its
        SNR-free body, ``(body features, (H, W), True)``: the rest of the encoder then runs
        in :meth:`receive` at the link's SNR (the same operations as :meth:`encode`)."""
        if not self._late_snr:
            return self.encode(x, link.snr_db.to(x.device)), tuple(x.shape[-2:]), False
        return self.encoder.body(self._pad(x)), tuple(x.shape[-2:]), True

    def receive(self, sent: tuple[torch.Tensor, tuple[int, int], bool], link: Link
                ) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
        out, shape, features = sent
        if features:
            z = self.encoder.tail(out, link.snr_db.to(out.device, torch.float32))
            out = latent_to_symbols(z, num_channel_uses(self.cbr, (3, *shape)))
        y, csi = link(out)
        return self.decode(y, csi, shape), {}

    def decode(self, y: torch.Tensor, csi: CSI, shape: tuple[int, int]) -> torch.Tensor:
        """[B, n] complex64 equalized symbols -> [B, 3, H, W] in (0, 1); SNR from ``csi.snr_db``."""
        h, w = shape
        hp, wp = self._padded(h, w)
        z = symbols_to_latent(y, (self.latent_channels, hp // self.factor, wp // self.factor))
        return self.decoder(z, csi.snr_db.to(y.device, torch.float32))[..., :h, :w]

    def extra_repr(self) -> str:
        return f"cbr={self.cbr:g}, factor={self.factor}, latent_channels={self.latent_channels}"
