"""Training sentences and the validation slice of ``linksim train`` for the text task.

The training split (``<data>/train.txt``, 76,008 sentences) is read by the data set's rules
(:mod:`linksim.tasks.text.source`); its last :data:`HOLDOUT` sentences are held out as the
validation slice and never trained on. The vocabulary is the training split's
(:func:`~linksim.tasks.text.source.train_vocabulary`). Each step draws a batch of sentences of similar
length (batching by padded length): the training sentences are sorted by length once, and a
batch is ``batch`` consecutive sentences of that order from a uniform random start, all
drawn from the run's data generator (so resumed runs continue the same stream).
"""
from __future__ import annotations

from pathlib import Path

import torch

from linksim.tasks.text.batch import Sentence, TextBatch
from linksim.tasks.text.source import read_sentences, train_vocabulary
from linksim.tasks.text.vocab import Vocabulary

#: sentences at the end of train.txt kept out of training for validation
HOLDOUT = 1000
#: validation sentences of the model card when --val-count is not given
VAL_COUNT = 256


def _split(folder: str | Path) -> tuple[list[Sentence], list[Sentence], Vocabulary]:
    folder = Path(folder)
    vocab = train_vocabulary(folder)
    sentences, _ = read_sentences(folder / "train.txt", vocab)
    return sentences[:-HOLDOUT], sentences[-HOLDOUT:], vocab


class SentenceSampler:
    """Length-sorted training sentences; :meth:`sample` draws a batch of neighbours.

    :param folder: the europarl folder (``train.txt``).
    """

    def __init__(self, folder: str | Path) -> None:
        self.sentences, _, self.vocab = _split(folder)
        self.sentences.sort(key=lambda s: len(s.ids))

    def __len__(self) -> int:
        return len(self.sentences)

    def sample(self, batch: int, gen: torch.Generator) -> TextBatch:
        start = int(torch.randint(max(1, len(self) - batch + 1), (), generator=gen))
        return TextBatch.stack(self.sentences[start:start + batch], self.vocab)

    def token_counts(self) -> torch.Tensor:
        """[V] int64 occurrences of every vocabulary index in the training sentences."""
        ids = torch.tensor([i for s in self.sentences for i in s.ids])
        return torch.bincount(ids, minlength=len(self.vocab))


def validation_batch(folder: str | Path, count: int | None = None) -> TextBatch:
    """The first ``count`` (default :data:`VAL_COUNT`) held-out sentences."""
    _, held_out, vocab = _split(folder)
    return TextBatch.stack(held_out[: count or VAL_COUNT], vocab)
