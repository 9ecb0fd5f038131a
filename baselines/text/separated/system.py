r"""The classical separated text chain and its capacity bound, through :mod:`linksim.phy`.

``separated`` (source coding, then channel coding, as a 5G NR link would carry text)::

    words -> source code (huffman | chars | zlib) -> longest prefix of whole words that fits
      C (k - 24) bits -> CRC-24A + 5G NR LDPC (k, n) -> scrambler -> 2^m-QAM
      -> the sentence's n = symbols_per_word * (L + 2) channel uses -> channel
      -> APP demapper -> BP decoder (20 iterations, CRC early stop) -> CRC -> source decode

bit-true (:class:`~linksim.phy.bicm.BitTrueLink`) at every MCS of
:data:`~linksim.phy.mcs.MCS_TABLE` (``mcs = "best"``: the envelope, the best mean per
point, as for images). Each sentence gets exactly the channel uses DeepSC spends on it,
segmented into code blocks by the NR rule (:class:`~linksim.phy.bicm.CodeBlocks`; one block
for every sentence at these budgets). A block whose CRC fails erases the words it carried
(with one block: the sentence; the output is then empty). Words that do not fit the
budget are not sent (``words_cut`` counts them); a sentence whose budget carries fewer
than 64 information bits at this MCS is not sent at all.

``ideal``: the same source code, error-free, at the capacity of the realized channel,
:math:`\sum_{i<n}\log_2(1+\gamma_i)` bits for the sentence (:math:`\gamma_i` the
post-equalization SINR; a genie bound under block fading).

``extra`` per sentence: ``lost`` (a failed block, 0/1), ``bits_used`` (source bits sent),
``words_cut`` (words beyond the budget).
"""
from __future__ import annotations

from typing import Any

import numpy as np
import torch

from linksim.baselines.text.separated.source_codes import get_code
from linksim.channels.base import CSI, Link
from linksim.base.paths import shared_data
from linksim.base.registry import SYSTEMS
from linksim.errors import LinksimError
from linksim.phy.bicm import BitTrueLink, CodeBlocks, shared_link
from linksim.phy.envelope import McsEnvelope
from linksim.tasks.text.batch import TextBatch
from linksim.tasks.text.system import Output, TextSystem
from linksim.tasks.text.task import num_channel_uses



def _default_train() -> str | None:
    folder = shared_data("europarl")
    return None if folder is None else str(folder / "train.txt")


def rows_csi(csi: CSI, rows: list[int], n: int) -> CSI:
    """The :class:`CSI` of transmissions ``rows``, first ``n`` channel uses."""
    cut = (lambda t: None if t is None else t[rows, :n])
    return CSI(csi.snr_db[rows], csi.no[rows], cut(csi.h), cut(csi.gain), cut(csi.no_eff))


class _CodedText(TextSystem):
    """Shared parts: the source code and each sentence's channel-use budget."""

    def __init__(self, symbols_per_word: float = 8, code: str = "huffman",
                 train: str | None = None) -> None:
        super().__init__(symbols_per_word)
        self.code_name = code
        self.code = get_code(code, train or _default_train())

    def budgets(self, x: TextBatch) -> list[int]:
        """Channel uses of every sentence: symbols_per_word * tokens."""
        return [num_channel_uses(self.symbols_per_word, int(t)) for t in x.lengths]

    def provenance(self) -> dict[str, Any]:
        return {"code": self.code_name, "code_version": getattr(self.code, "version", "")}

    @staticmethod
    def extras(lost: list[bool], bits: list[int], cut: list[int]) -> dict[str, torch.Tensor]:
        return {"lost": torch.tensor(lost, dtype=torch.float64),
                "bits_used": torch.tensor(bits, dtype=torch.float64),
                "words_cut": torch.tensor(cut, dtype=torch.float64)}


@SYSTEMS.register("separated")
class SeparatedText(McsEnvelope, _CodedText):
    """Source code + CRC + 5G NR LDPC + QAM, bit-true (module docstring).

    :param symbols_per_word: complex channel uses per token.
    :param code: ``"huffman"`` (word-level, trained on ``train``), ``"chars"`` (5-bit) or
        ``"zlib"``.
    :param mcs: index or name of the MCS table; ``"best"`` (default): every entry.
    :param train: the training split for the Huffman code (default
        ``../shared/data/europarl/train.txt``).
    :param num_iter: maximum BP iterations.
    """

    def __init__(self, symbols_per_word: float = 8, code: str = "huffman",
                 mcs: int | str = "best", train: str | None = None, num_iter: int = 20) -> None:
        super().__init__(symbols_per_word, code, train)
        self.mcs, self.num_iter = self.one_mcs(mcs), int(num_iter)
        self._chains: dict[int, BitTrueLink] = {}

    def provenance(self) -> dict[str, Any]:
        return {**super().provenance(), "mcs_name": self.mcs.name, "mode": "bit_true"}

    def _chain(self, n_cu: int) -> BitTrueLink | None:
        if n_cu not in self._chains:
            try:
                self._chains[n_cu] = shared_link(CodeBlocks.plan(n_cu, self.mcs),
                                                 num_iter=self.num_iter)
            except LinksimError:  # fewer than 64 information bits: nothing is sent
                self._chains[n_cu] = None
        return self._chains[n_cu]

    def send(self, x: TextBatch, link: Link) -> Output:
        budgets = self.budgets(x)
        z = torch.zeros(len(x), max(budgets), dtype=torch.complex64)
        plans: dict[int, list[int]] = {}
        sent: list[tuple[np.ndarray, int]] = []
        for i, (words, n_cu) in enumerate(zip(x.words, budgets)):
            chain = self._chain(n_cu)
            if chain is None:
                sent.append((np.zeros(0, np.uint8), 0))
                continue
            bits, count = self.code.fit(words, chain.blocks.payload_bits)
            sent.append((bits, count))
            plans.setdefault(n_cu, []).append(i)
        for n_cu, rows in plans.items():
            chain = self._chain(n_cu)
            payload = torch.zeros(len(rows), chain.blocks.payload_bits)
            for r, i in enumerate(rows):
                payload[r, : sent[i][0].size] = torch.from_numpy(sent[i][0].astype(np.float32))
            blocks = payload.reshape(len(rows), chain.blocks.num_blocks, -1)
            z[rows, :n_cu] = chain.modulate(blocks)
        y, csi = link(z.to(x.tokens.device))
        y, csi = y.cpu(), csi.to("cpu")
        out: list[list[str]] = [[] for _ in range(len(x))]
        sent_rows = {i for rows in plans.values() for i in rows}
        lost = [i not in sent_rows for i in range(len(x))]
        for n_cu, rows in plans.items():
            bits_hat, ok = self._chain(n_cu).receive(y[rows, :n_cu], rows_csi(csi, rows, n_cu))
            for r, i in enumerate(rows):
                if bool(ok[r].all()):
                    out[i] = self.code.decode(bits_hat[r].reshape(-1).numpy().astype(np.uint8))
                else:
                    lost[i] = True
        cut = [len(w) - c for w, (_, c) in zip(x.words, sent)]
        return out, self.extras(lost, [b.size for b, _ in sent], cut)


@SYSTEMS.register("ideal")
class IdealText(_CodedText):
    """The source code at the realized channel capacity, without errors (module doc).

    :param symbols_per_word: complex channel uses per token.
    :param code: as for ``separated``; :param train: as for ``separated``.
    """

    role = "bound"

    def send(self, x: TextBatch, link: Link) -> Output:
        budgets = self.budgets(x)
        csi = link.state(max(budgets))
        rate = torch.log2(1.0 + csi.sinr.double()).cpu()                       # [B, n]
        out, bits_used, cut = [], [], []
        for i, (words, n_cu) in enumerate(zip(x.words, budgets)):
            bits, count = self.code.fit(words, float(rate[i, :n_cu].sum()))
            out.append(list(words[:count]))
            bits_used.append(bits.size)
            cut.append(len(words) - count)
        return out, self.extras([False] * len(x), bits_used, cut)

