"""Sentences and padded batches of the text task.

A :class:`Sentence` is one source item; a :class:`TextBatch` stacks sentences into a
``[B, T]`` int64 token matrix padded with ``<PAD>`` to the longest sentence of the batch
(``T = max(words) + 2`` for ``<START>`` and ``<END>``).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import torch

from linksim.tasks.text.vocab import PAD, Vocabulary


@dataclass(frozen=True)
class Sentence:
    """:ivar words: the (normalized, possibly truncated) reference words.
    :ivar ids: ``[<START>, ..., <END>]`` vocabulary indices.
    :ivar truncated: whether words beyond the data set's ``max_words`` were cut off.
    :ivar unk: how many words are outside the vocabulary (sent as ``<UNK>``)."""

    words: tuple[str, ...]
    ids: tuple[int, ...]
    truncated: bool = False
    unk: int = 0

    @classmethod
    def of(cls, words: Sequence[str], vocab: Vocabulary, truncated: bool = False) -> "Sentence":
        return cls(tuple(words), tuple(vocab.encode(words)), truncated, vocab.unknown(words))


@dataclass
class TextBatch:
    """B sentences.

    :ivar tokens: [B, T] int64, ``<PAD>``-padded ``[<START>, ids, <END>]`` rows.
    :ivar lengths: [B] int64, tokens per row including ``<START>`` and ``<END>``.
    :ivar words: B lists of reference words (the metrics compare against these).
    :ivar truncated: [B] float32, 1 where the sentence was truncated.
    :ivar unk: [B] float32, words outside the vocabulary.
    :ivar vocab: the vocabulary the ids index (receivers map ids back to words with it).
    """

    tokens: torch.Tensor
    lengths: torch.Tensor
    words: list[list[str]]
    truncated: torch.Tensor
    unk: torch.Tensor
    vocab: Vocabulary | None = None

    @classmethod
    def stack(cls, sentences: Sequence[Sentence], vocab: Vocabulary | None = None
              ) -> "TextBatch":
        width = max(len(s.ids) for s in sentences)
        tokens = torch.full((len(sentences), width), PAD, dtype=torch.int64)
        for b, s in enumerate(sentences):
            tokens[b, : len(s.ids)] = torch.tensor(s.ids)
        return cls(tokens, torch.tensor([len(s.ids) for s in sentences]),
                   [list(s.words) for s in sentences],
                   torch.tensor([float(s.truncated) for s in sentences]),
                   torch.tensor([float(s.unk) for s in sentences]), vocab)

    def __len__(self) -> int:
        return len(self.words)

    def __getitem__(self, index: slice) -> "TextBatch":
        """Rows ``index`` (a slice), trimmed to their own longest sentence."""
        lengths = self.lengths[index]
        width = int(lengths.max()) if len(lengths) else 0
        return TextBatch(self.tokens[index, :width], lengths, self.words[index],
                         self.truncated[index], self.unk[index], self.vocab)

    @property
    def mask(self) -> torch.Tensor:
        """[B, T] bool, True at real tokens (not padding)."""
        return torch.arange(self.tokens.shape[1], device=self.tokens.device) < self.lengths[:, None]

    @property
    def device(self) -> torch.device:
        return self.tokens.device

    def to(self, device: torch.device | str) -> "TextBatch":
        return TextBatch(self.tokens.to(device), self.lengths.to(device), self.words,
                         self.truncated, self.unk, self.vocab)
