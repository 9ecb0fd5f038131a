"""Text systems: a :class:`~linksim.tasks.text.batch.TextBatch` in, B word lists out.

Every text system is built with ``symbols_per_word`` (the task's bandwidth axis) and sends
at most ``symbols_per_word * tokens`` complex channel uses per sentence
(:func:`~linksim.tasks.text.task.num_channel_uses`). Its ``transmit`` returns the decoded
sentences and, beside what the system adds, the per-item source counts ``unk_words``
(words sent as ``<UNK>``) and ``truncated`` (1 when the sentence was cut to
``max_words``), so every record counts them.

:class:`LearnedTextSystem` is the base of DeepSC and Mamba-DeepSC: a named configuration
plus overrides, or a zoo checkpoint whose card gives the configuration. In training mode
``transmit`` returns the teacher-forced per-token NLL ``[B, T-1]`` for the
``cross_entropy`` loss; in eval mode the greedy decoding.
"""
from __future__ import annotations

from typing import Any, ClassVar

import torch

from linksim.channels.base import Link
from linksim.base.registry import LOSSES
from linksim.zoo.learned import LearnedWeights
from linksim.core.system import System
from linksim.errors import LinksimError
from linksim.tasks.text.batch import TextBatch
from linksim.tasks.text.metrics import bleu_statistics
from linksim.tasks.text.transceiver import Transceiver

Output = tuple[Any, dict[str, torch.Tensor]]


def check_spw(value: Any) -> int:
    """``symbols_per_word`` as a whole number in [1, 256], else a one-line error."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value != int(value) \
            or not 1 <= value <= 256:
        raise LinksimError(f"symbols_per_word={value!r}: expected a whole number in [1, 256]")
    return int(value)


class TextSystem(System):
    """Base: ``symbols_per_word`` and :meth:`send` (the per-item source counts)."""

    task: ClassVar[str] = "text"

    def __init__(self, symbols_per_word: float = 8) -> None:
        super().__init__()
        self.symbols_per_word = check_spw(symbols_per_word)

    def send(self, x: TextBatch, link: Link) -> Output:
        """``(decoded words, extra)`` of one batch (subclasses implement)."""
        raise NotImplementedError

    def transmit(self, x: TextBatch, link: Link) -> Output:
        out, extra = self.send(x, link)
        if not self.training:
            extra = {"unk_words": x.unk, "truncated": x.truncated,
                     **bleu_statistics(x.words, out), **extra}
        return out, extra


@LOSSES.register("cross_entropy")
def cross_entropy(x: TextBatch, nll: torch.Tensor) -> torch.Tensor:
    """Mean per-token NLL (nats) of a learned text system's teacher-forced output."""
    return nll.sum() / (x.lengths - 1).sum().clamp_min(1).to(nll.device)


class LearnedTextSystem(LearnedWeights, TextSystem):
    """DeepSC-shaped learned systems; subclasses set ``configs`` (and ``mamba``).
    ``symbols_per_word`` is the bandwidth axis, so scenarios set it in ``[sweep]``."""

    mamba: ClassVar[bool] = False
    default_config: ClassVar[str] = "deepsc"
    axis_keys: ClassVar[frozenset[str]] = frozenset({"symbols_per_word"})

    def __init__(self, symbols_per_word: float | None = None, config: str | None = None,
                 checkpoint: str | None = None, random_weights: bool = False,
                 **overrides: Any) -> None:
        cfg = self.named_config(config, overrides, checkpoint)
        if symbols_per_word is not None:
            cfg["symbols_per_word"] = check_spw(symbols_per_word)
        super().__init__(cfg.get("symbols_per_word", 8))
        cfg["symbols_per_word"] = self.symbols_per_word
        self.config = cfg
        self.net = Transceiver(mamba=self.mamba, **cfg)
        if checkpoint is not None:
            self.load_checkpoint(checkpoint)

    def encode(self, x: TextBatch, snr_db: torch.Tensor | None = None) -> torch.Tensor:
        """[B, S T] complex64 channel symbols of ``x`` (the transmitter alone)."""
        return self.net.encode(x.tokens, x.mask)

    def sequence_blocks(self) -> dict[str, torch.nn.Module]:
        """The sequence models of the transmitter, for ``linksim bench --lengths``: the
        Transformer semantic encoder (all its layers) and, in Mamba-DeepSC, its Mamba block."""
        blocks: dict[str, torch.nn.Module] = {
            f"transformer_x{len(self.net.encoder.layers)}": self.net.encoder}
        if self.net.mamba_tx is not None:
            blocks["mamba_block"] = self.net.mamba_tx
        return blocks

    @property
    def sequence_dim(self) -> int:
        """Width d of the tokens the :meth:`sequence_blocks` take ([B, L, d])."""
        return self.net.dim

    def prepare_training(self, data: Any) -> None:
        """Rank the words of the adaptive softmax by their training-split frequency."""
        self.net.head.rank_by(data.token_counts())

    def send(self, x: TextBatch, link: Link) -> Output:
        mask = x.mask
        if self.training:
            return self.net(x.tokens, mask, link), {}
        if x.vocab is None or len(x.vocab) != self.net.embed.num_embeddings:
            raise LinksimError(f"{type(self).__name__}: the data set's vocabulary has "
                               f"{len(x.vocab) if x.vocab else 0} words, the model "
                               f"{self.net.embed.num_embeddings}; use the vocabulary it was "
                               "trained with")
        y, _ = link(self.encode(x))
        ids = self.net.greedy(self.net.receive(y, mask), mask).tolist()
        return [x.vocab.decode(row) for row in ids], {}
