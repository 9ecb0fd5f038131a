r"""The separated baseline and the capacity bound as registered systems.

``separated`` (Shannon's separation, as the JSCC literature's "BPG + LDPC")::

    x -> 8 bit -> codec at the largest quality that fits C (k-24) bits -> [header | payload]
      -> CRC-24A + 5G NR LDPC (k, n) per block -> scrambler -> 2^m-QAM -> channel
      -> APP demapper -> BP decoder -> CRC -> codec decode -> x_hat

``mode="bit_true"`` runs that chain (:class:`~linksim.phy.bicm.BitTrueLink`);
``mode="abstracted"`` (default) reads the realized channel state of the
transmission (``link.state``: the same draws the bit-true mode sends through)
and decides each block's fate by a Bernoulli draw
with the bit-true BLER at the block's effective SNR
(:mod:`linksim.phy.abstraction`). If any block of an image fails, the
image is lost and replaced by the ``fallback`` (``"grey"``: every pixel 0.5),
as is an image whose lowest codec quality does not fit the budget.

The source bit budget is :math:`C(k-24)` (:class:`~linksim.phy.bicm.CodeBlocks`),
i.e. :math:`n\,m R` less the CRC bits and rounding to whole blocks; what the codec
spends of it is counted as described in :mod:`baselines.image.separated.codecs`.

``ideal``: error-free transmission at the capacity of the realized channel,
:math:`n \cdot \frac1n\sum_i \log_2(1 + \gamma_i)` bits with :math:`\gamma_i` the
post-equalization SINR of channel use :math:`i`, known to the transmitter. On
AWGN this is exactly :math:`n\log_2(1+\mathrm{SNR})`; on fast Rayleigh fading it
is the ergodic capacity (up to the average over :math:`n` draws); on block
fading it is the instantaneous capacity of each block (a genie upper bound: no
outage). The codec is then run at that budget.

Both return ``extra``: ``lost`` (0/1), ``bits_used`` (header + codec payload, 0
when lost for lack of budget) and ``quality`` (codec knob, -1 when nothing fits).
"""
from __future__ import annotations

from typing import Any, Callable

import numpy as np
import torch

from linksim.baselines.image.separated.codecs import HEADER_BYTES, get_codec, pack_header, parse_header
from linksim.baselines.image.separated.rate_control import CodecCache
from linksim.phy.envelope import McsEnvelope
from linksim.phy.bicm import CRC_BITS, BitTrueLink, CodeBlocks, shared_link
from linksim.channels.base import Link
from linksim.errors import LinksimError
from linksim.base.registry import SYSTEMS
from linksim.tasks.image.system import ImageSystem, num_channel_uses

MODES = ("abstracted", "bit_true")
FALLBACKS: dict[str, Callable[[tuple[int, ...]], torch.Tensor]] = {
    "grey": lambda shape: torch.full(shape, 0.5),
}
_CACHES: dict[str, CodecCache] = {}


def codec_cache(name: str) -> CodecCache:
    """One :class:`CodecCache` per codec name in this process (shared by all systems)."""
    if name not in _CACHES:
        _CACHES[name] = CodecCache(get_codec(name))
    return _CACHES[name]


def to_uint8(x: torch.Tensor) -> np.ndarray:
    """[B, 3, H, W] float in [0, 1] -> [B, H, W, 3] uint8, C-contiguous (the codec's and
    the cache key's layout: one transposing copy, of bytes rather than floats)."""
    levels = x.clamp(0, 1).mul_(255).round_().to(torch.uint8)
    return levels.permute(0, 2, 3, 1).contiguous().cpu().numpy()


class _CodecSystem(ImageSystem):
    """Shared parts: the codec at a bit budget, the fallback, the provenance."""

    def __init__(self, cbr: float, codec: str = "auto", fallback: str = "grey") -> None:
        super().__init__(cbr)
        if fallback not in FALLBACKS:
            raise LinksimError(f"fallback={fallback!r}: choose one of {', '.join(FALLBACKS)}")
        self.cache = codec_cache(codec)
        self.fallback = fallback

    def provenance(self) -> dict[str, Any]:
        return {"codec": self.cache.codec.name, "codec_version": self.cache.version,
                "header_bytes": HEADER_BYTES}

    def fit(self, img: np.ndarray, budget_bits: float) -> tuple[int, bytes, bytes] | None:
        """(knob, codec file, transmitted bytes = header + payload) or ``None``."""
        found = self.cache.fit(img, budget_bits)
        if found is None:
            return None
        quality, data = found
        payload = self.cache.codec.payload(data)
        return quality, data, pack_header(img.shape[1], img.shape[0], quality, len(payload)) + payload

    def finish(self, x: torch.Tensor, images: list[np.ndarray | None], fits: list
               ) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
        """Stack reconstructions (``None`` -> fallback) and the extra per-image values."""
        out = []
        for img in images:
            out.append(FALLBACKS[self.fallback](tuple(x.shape[1:])) if img is None else
                       torch.from_numpy(np.array(img)).permute(2, 0, 1).float().div(255.0))
        extra = {
            "lost": torch.tensor([float(img is None) for img in images]),
            "bits_used": torch.tensor([0.0 if f is None else 8.0 * len(f[2]) for f in fits]),
            "quality": torch.tensor([-1.0 if f is None else float(f[0]) for f in fits]),
        }
        return torch.stack(out).to(x.device), extra


@SYSTEMS.register("separated")
class Separated(McsEnvelope, _CodecSystem):
    """Image codec + CRC + 5G NR LDPC + QAM (see the module docstring).

    :param cbr: channel uses per real source value; ``n = cbr * 3HW`` symbols per image.
    :param mcs: index or name in :data:`~linksim.phy.mcs.MCS_TABLE`;
        ``"best"`` (default) is expanded by :meth:`param_grid` into every entry.
    :param codec: ``"auto"`` (BPG if installed, else HEIF/x265), ``"bpg"``, ``"heif"``,
        ``"jpeg2000"`` or ``"jpeg"``.
    :param mode: ``"abstracted"`` (BLER tables) or ``"bit_true"``.
    :param fallback: what a lost image is replaced with (``"grey"``).
    :param num_iter: maximum BP iterations (bit-true; the tables use 20).
    """

    def __init__(self, cbr: float, mcs: int | str = "best", codec: str = "auto",
                 mode: str = "abstracted", fallback: str = "grey", num_iter: int = 20) -> None:
        super().__init__(cbr, codec, fallback)
        if mode not in MODES:
            raise LinksimError(f"mode={mode!r}: choose one of {', '.join(MODES)}")
        self.mcs, self.mode, self.num_iter = self.one_mcs(mcs), mode, int(num_iter)
        self._links: dict[int, BitTrueLink] = {}

    def provenance(self) -> dict[str, Any]:
        return {**super().provenance(), "mode": self.mode, "mcs_name": self.mcs.name}

    def blocks(self, shape: tuple[int, ...]) -> CodeBlocks:
        """The code blocks for one image of ``shape`` (C, H, W)."""
        return CodeBlocks.plan(num_channel_uses(self.cbr, shape), self.mcs)

    def _link(self, blocks: CodeBlocks) -> BitTrueLink:
        if blocks.n_cu not in self._links:
            self._links[blocks.n_cu] = shared_link(blocks, num_iter=self.num_iter)
        return self._links[blocks.n_cu]

    def transmit(self, x: torch.Tensor, link: Link) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
        imgs = to_uint8(x)
        blocks = self.blocks(tuple(x.shape[1:]))
        fits = [self.fit(img, blocks.payload_bits) for img in imgs]
        if self.mode == "bit_true":
            chain = self._link(blocks)
            y, csi = link(chain.modulate(self._bits(fits, blocks)).to(x.device))
            bits_hat, ok = chain.receive(y.cpu(), csi.to("cpu"))
            received = [np.packbits(b.reshape(-1).numpy().astype(np.uint8)).tobytes()
                        for b in bits_hat]
        else:  # the block fates come from the tables at the realized channel state
            csi = link.state(blocks.n_cu)
            ok = self._block_fate(csi.sinr.cpu(), blocks, link.generators("block_fate"))
            received = [None if f is None else f[2] for f in fits]
        images = [None if f is None or not bool(ok[i].all()) else self._decode(f, received[i])
                  for i, f in enumerate(fits)]
        return self.finish(x, images, fits)

    @staticmethod
    def _bits(fits: list, blocks: CodeBlocks) -> torch.Tensor:
        """[B, C, k-24] float {0,1}: each image's header + payload, zero-padded."""
        bits = torch.zeros(len(fits), blocks.payload_bits)
        for i, f in enumerate(fits):
            if f is not None:
                sent = np.unpackbits(np.frombuffer(f[2], np.uint8))
                bits[i, : sent.size] = torch.from_numpy(sent.astype(np.float32))
        return bits.reshape(len(fits), blocks.num_blocks, blocks.k - CRC_BITS)

    def _block_fate(self, sinr: torch.Tensor, blocks: CodeBlocks,
                    generators: list[torch.Generator] | None = None) -> torch.Tensor:
        """[B, n_cu] SINRs -> [B, C] bool block success drawn from the BLER tables
        (one uniform per block from each transmission's generator: common random numbers
        across MCSs and SNRs)."""
        from linksim.phy.abstraction import effective_snr_db, table_store

        table = table_store().get(self.mcs.index, blocks.k, blocks.n)
        spb, c = blocks.symbols_per_block, blocks.num_blocks
        per_block = sinr[:, : c * spb].reshape(sinr.shape[0], c, spb).double().numpy()
        bler = torch.from_numpy(table(effective_snr_db(per_block, self.mcs.num_bits_per_symbol)))
        if generators is None:
            u = torch.rand(bler.shape, dtype=torch.float64)
        else:
            u = torch.stack([torch.rand(c, dtype=torch.float64, generator=g) for g in generators])
        return u >= bler

    def _decode(self, fit: tuple[int, bytes, bytes], received: bytes) -> np.ndarray:
        """Receiver: parse the header, rebuild the codec file, decode it."""
        _, _, _, length = parse_header(received)
        payload = received[HEADER_BYTES: HEADER_BYTES + length]
        data = self.cache.codec.rebuild(payload, fit[1])
        return self.cache.decode(data)


@SYSTEMS.register("ideal")
class Ideal(_CodecSystem):
    """The codec at the capacity of the realized channel, no errors (module docstring).

    :param cbr: channel uses per real source value.
    :param codec: as for ``separated``.
    :param fallback: used when even the codec's lowest quality exceeds the capacity.
    """

    role = "bound"

    def transmit(self, x: torch.Tensor, link: Link) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
        imgs = to_uint8(x)
        csi = link.state(num_channel_uses(self.cbr, tuple(x.shape[1:])))
        capacity = torch.log2(1.0 + csi.sinr.double()).sum(dim=1).cpu()    # [B] bits
        fits = [self.fit(img, float(c)) for img, c in zip(imgs, capacity)]
        images = [None if f is None else self.cache.decode(f[1]) for f in fits]
        return self.finish(x, images, fits)
