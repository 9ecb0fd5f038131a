r"""Bit-true physical layer: CRC-24A + 5G NR LDPC + QAM over a linksim channel.

Transmitter, for the :math:`C` code blocks of one image (:class:`CodeBlocks`)::

    payload bits -> [C, k-24] -> CRC-24A -> [C, k] -> LDPC5GEncoder(k, n) -> [C, n]
                 -> scrambler -> QAM mapper (m bits/symbol) -> [n_cu] symbols

(unused trailing channel uses carry scrambled zeros). Receiver: the equalized
:math:`\hat x_i = g_i x_i + e_i` is rescaled to :math:`\hat x_i / g_i` with noise
variance :math:`N^{\mathrm{eff}}_{0,i}/g_i^2`, demapped to LLRs (exact APP), descrambled
and decoded by Sionna's BP algorithm (``LDPC5GDecoder``: flooding, boxplus-phi, LLRs
clipped at 20; run by :class:`~linksim.phy.ldpc_bp.DegreeGroupedBP` on Sionna's graph)
with CRC-aided early stopping: every
``check_every`` iterations the blocks whose CRC holds leave the batch.
A block is lost when its CRC fails after ``num_iter`` iterations.
"""
from __future__ import annotations

import functools
import math
from dataclasses import dataclass

import torch

from linksim.phy.ldpc_bp import DegreeGroupedBP
from linksim.phy.mcs import MCS
from linksim.channels.base import CSI
from linksim.errors import LinksimError

CRC_BITS = 24
K_MAX = 8448       # largest 5G NR LDPC information block (base graph 1)
K_MIN = 64
SCRAMBLER_SEED = 1234


@dataclass(frozen=True)
class CodeBlocks:
    """Segmentation of ``n_cu`` channel uses at one MCS into equal LDPC code blocks.

    :math:`C = \\lceil m R\\, n_{cu} / K_{max} \\rceil` blocks, each with
    :math:`n = m\\lfloor n_{cu}/(C) \\rfloor` coded bits and :math:`k = \\lfloor R n \\rfloor`
    information bits of which 24 are CRC.
    """

    mcs: MCS
    n_cu: int
    num_blocks: int
    k: int
    n: int

    @classmethod
    def plan(cls, n_cu: int, mcs: MCS) -> "CodeBlocks":
        m, rate = mcs.num_bits_per_symbol, float(mcs.rate)
        c = max(1, math.ceil(m * rate * n_cu / K_MAX))
        n = m * (n_cu // c)
        k = min(K_MAX, math.floor(rate * n))
        if k < K_MIN:
            raise LinksimError(f"mcs {mcs.name}: {n_cu} channel uses carry only {k} "
                               f"information bits per block (< {K_MIN}); raise cbr or the image size")
        return cls(mcs, n_cu, c, k, n)

    @property
    def payload_bits(self) -> int:
        """Source bits carried per image: :math:`C (k - 24)`."""
        return self.num_blocks * (self.k - CRC_BITS)

    @property
    def symbols_per_block(self) -> int:
        return self.n // self.mcs.num_bits_per_symbol


class QamStage:
    """Scrambler + Gray QAM mapper / APP demapper over ``n_cu`` channel uses.

    Bits are XORed with a fixed pseudo-random sequence (seed ``SCRAMBLER_SEED``,
    as NR scrambles before modulation) so that padding and structured payloads
    still give unit average symbol power.
    """

    def __init__(self, n_cu: int, num_bits_per_symbol: int) -> None:
        from sionna.phy.mapping import Demapper, Mapper

        m = num_bits_per_symbol
        self.mapper = Mapper("qam", m)
        self.demapper = Demapper("app", "qam", m)
        g = torch.Generator().manual_seed(SCRAMBLER_SEED)
        self.scramble = torch.randint(0, 2, (n_cu * m,), generator=g).float()

    def modulate(self, bits: torch.Tensor) -> torch.Tensor:
        """[B, <= n_cu*m] float {0,1} (zero-padded) -> [B, n_cu] complex64."""
        flat = torch.nn.functional.pad(bits, (0, self.scramble.numel() - bits.shape[-1]))
        return self.mapper((flat + self.scramble) % 2)

    def llrs(self, y: torch.Tensor, csi: CSI) -> torch.Tensor:
        """[B, n_cu] equalized :math:`\\hat x = g x + e` -> [B, n_cu*m] descrambled LLRs,
        demapping :math:`\\hat x/g` with noise variance :math:`N^{\\mathrm{eff}}_0/g^2`."""
        g = csi.gain.clamp_min(1e-12)
        llr = self.demapper(y / g, csi.no_eff / g.square())
        return llr * (1.0 - 2.0 * self.scramble)


class BitTrueLink:
    """The chain for one :class:`CodeBlocks` plan (Sionna blocks, built once).

    :param blocks: the segmentation.
    :param num_iter: maximum BP iterations.
    :param check_every: iterations between CRC checks (early stopping).
    :param cn_update: Sionna check-node update (``"boxplus-phi"`` exact, ``"minsum"``).
    :param chunk: code blocks decoded together.
    :param sionna_bp: decode with Sionna's ``LDPC5GDecoder`` itself (the reference the
        tests and benchmarks compare with) instead of :class:`~linksim.phy.ldpc_bp.DegreeGroupedBP`,
        the same algorithm (always for a ``cn_update`` other than ``"boxplus-phi"``).
    """

    def __init__(self, blocks: CodeBlocks, num_iter: int = 20, check_every: int = 4,
                 cn_update: str = "boxplus-phi", chunk: int = 32, sionna_bp: bool = False
                 ) -> None:
        from sionna.phy.fec.crc import CRCDecoder, CRCEncoder
        from sionna.phy.fec.ldpc import LDPC5GDecoder, LDPC5GEncoder

        self.blocks = blocks
        self.qam = QamStage(blocks.n_cu, blocks.mcs.num_bits_per_symbol)
        self.crc_enc = CRCEncoder("CRC24A", k=blocks.k - CRC_BITS)
        self.crc_dec = CRCDecoder(self.crc_enc)
        self.encoder = LDPC5GEncoder(blocks.k, blocks.n)
        self.decoder = LDPC5GDecoder(self.encoder, cn_update=cn_update, hard_out=True,
                                     return_infobits=True, return_state=True)
        if cn_update == "boxplus-phi" and not sionna_bp:
            self.decoder = DegreeGroupedBP(self.decoder)
        self.num_iter, self.check_every, self.chunk = int(num_iter), int(check_every), int(chunk)
        self.iterations = 0  # BP iterations x blocks run (for profiling)

    def modulate(self, bits: torch.Tensor) -> torch.Tensor:
        """[B, C, k-24] float {0,1} -> [B, n_cu] complex64 symbols (unit average power)."""
        cw = self.encoder(self.crc_enc(bits))                           # [B, C, n]
        return self.qam.modulate(cw.reshape(bits.shape[0], -1))

    def llrs(self, y: torch.Tensor, csi: CSI) -> torch.Tensor:
        """[B, n_cu] equalized symbols -> [B, C, n] channel LLRs (log p1/p0)."""
        c, n = self.blocks.num_blocks, self.blocks.n
        return self.qam.llrs(y, csi)[:, : c * n].reshape(y.shape[0], c, n)

    def decode(self, llr: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """[..., n] LLRs -> (bits [..., k-24], ok [...] bool) by BP with CRC early stopping,
        ``chunk`` blocks at a time (the decoder is memory-bound: per bit, batches of
        16-32 blocks run faster than hundreds)."""
        shape = llr.shape[:-1]
        rows = llr.reshape(-1, llr.shape[-1]).split(self.chunk)
        parts = [self._decode_rows(r) for r in rows]
        bits = torch.cat([p[0] for p in parts])
        ok = torch.cat([p[1] for p in parts])
        return bits.reshape(*shape, -1), ok.reshape(shape)

    def _decode_rows(self, llr: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        rows = llr.shape[0]
        bits = torch.zeros(rows, self.blocks.k - CRC_BITS)
        ok = torch.zeros(rows, dtype=torch.bool)
        active = torch.arange(rows)
        state, done_iter = None, 0
        while active.numel() and done_iter < self.num_iter:
            step = min(self.check_every, self.num_iter - done_iter)
            u, state = self.decoder(llr[active], num_iter=step, msg_v2c=state)
            self.iterations += step * active.numel()
            done_iter += step
            info, crc_ok = self.crc_dec(u)
            crc_ok = crc_ok.reshape(-1)
            bits[active] = info
            ok[active] = crc_ok
            if done_iter < self.num_iter and crc_ok.any():
                keep = ~crc_ok
                state = state[keep]  # the decoder's v2c messages: [batch, edges]
                active = active[keep]
        return bits, ok

    def receive(self, y: torch.Tensor, csi: CSI) -> tuple[torch.Tensor, torch.Tensor]:
        """[B, n_cu] -> (bits [B, C, k-24], block_ok [B, C])."""
        return self.decode(self.llrs(y, csi))


def shared_link(blocks: CodeBlocks, num_iter: int = 20) -> BitTrueLink:
    """One :class:`BitTrueLink` per plan and iteration limit in this process, shared by every
    system and grid point (building Sionna's encoder and decoder costs more than decoding a
    short block; the chain keeps no state between calls but its ``iterations`` count)."""
    return _shared_link(blocks, int(num_iter))


@functools.lru_cache(maxsize=256)
def _shared_link(blocks: CodeBlocks, num_iter: int) -> BitTrueLink:
    return BitTrueLink(blocks, num_iter=num_iter)

