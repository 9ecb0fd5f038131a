"""The text task: sentences in, sentences out (DeepSC's semantic text link).

Items are :class:`~linksim.tasks.text.batch.Sentence`; batches are
:class:`~linksim.tasks.text.batch.TextBatch` (``[B, T]`` token ids padded to the longest
sentence). Axes: ``snr_db`` and ``symbols_per_word`` (role ``bandwidth``): complex channel
uses per token, DeepSC's 8 by default. A sentence of :math:`L` words is sent as
:math:`L + 2` tokens (``<START>``, ``<END>``), so it gets
:math:`n = \\text{symbols\\_per\\_word}\\,(L + 2)` channel uses; every system at a point
gets exactly these (a batch's channel draws have the longest sentence's budget; shorter
sentences use the first ``n`` of theirs).

Batching by padded length: within each window of ``8 * batch_size`` consecutive items the
items are sorted by length (stable) and cut into batches, so padding is small while a
stop rule still sees the data set in file order up to one window. Records keep the
per-item values in (item, repeat) order whatever the batching, so every system's and every
run's values line up for paired comparisons.
"""
from __future__ import annotations

from typing import Any, Iterator, Sequence

import torch

from linksim.base.registry import TASKS
from linksim.core.task import SNR_AXIS, Axis, Item, Task, parse_counts
from linksim.tasks.text.batch import TextBatch

#: windows of this many batches are sorted by length (module docstring)
SORT_WINDOW = 8


def _parse_spw(value: Any) -> list[float]:
    return parse_counts(value, low=1, high=256)


SPW_AXIS = Axis("symbols_per_word", "", "channel uses per word", _parse_spw, (8.0,),
                "bandwidth", lambda v: f"{v:g}")


def num_channel_uses(symbols_per_word: float, tokens: int) -> int:
    """n = symbols_per_word * tokens (tokens include <START> and <END>)."""
    return int(round(symbols_per_word)) * int(tokens)


@TASKS.register("text")
class TextTask(Task):
    """Sentences over a channel; BLEU, WER and exact-sentence rate."""

    name = "text"
    axes = (SNR_AXIS, SPW_AXIS)
    bench_channel = "awgn"
    default_dataset = "europarl"
    default_metrics = ("bleu1",)
    val_metric = "bleu1"
    default_loss = "cross_entropy"
    #: held-out sentences of each point of the card's learning curve, and per batch
    progress_val_items = 128
    val_batch = 64

    vocab = None  # the loaded data set's vocabulary (set by :meth:`load`)

    def load(self, dataset: Any) -> list[Item]:
        self.vocab = dataset.vocab
        return super().load(dataset)

    def batches(self, items: Sequence[Item], size: int) -> Iterator[list[int]]:
        window = SORT_WINDOW * size
        for start in range(0, len(items), window):
            idx = sorted(range(start, min(start + window, len(items))),
                         key=lambda i: len(items[i].data.ids))
            for k in range(0, len(idx), size):
                yield idx[k:k + size]

    def collate(self, items: Sequence[Item]) -> TextBatch:
        return TextBatch.stack([it.data for it in items], self.vocab)

    def channel_shape(self, batch: TextBatch, axes: dict[str, float]) -> tuple[int, ...]:
        return (num_channel_uses(axes["symbols_per_word"], batch.tokens.shape[1]),)

    def channel_lengths(self, batch: TextBatch, axes: dict[str, float]) -> list[int]:
        """Each sentence's own channel uses: its draws depend on its length, never on the
        padded width of the batch it travels in (:class:`~linksim.channels.base.Link`)."""
        return [num_channel_uses(axes["symbols_per_word"], int(n)) for n in batch.lengths]

    def example_batch(self, size: int, batch: int = 1) -> TextBatch:
        """``batch`` random sentences of ``size`` words over a synthetic vocabulary of
        DeepSC's size (:func:`~linksim.tasks.text.vocab.synthetic_vocabulary`)."""
        from linksim.tasks.text.batch import Sentence
        from linksim.tasks.text.configs import VOCAB
        from linksim.tasks.text.vocab import synthetic_vocabulary

        vocab = synthetic_vocabulary(VOCAB)
        g = torch.Generator().manual_seed(0)
        rows = torch.randint(4, 1000, (batch, size), generator=g).tolist()
        return TextBatch.stack([Sentence.of([vocab.idx_to_token[i] for i in r], vocab)
                                for r in rows], vocab)

    # --- training hooks -------------------------------------------------------------
    def train_sampler(self, cfg: Any) -> Any:
        from linksim.tasks.text.training_data import SentenceSampler

        return SentenceSampler(cfg.data)

    def validation_batch(self, cfg: Any) -> TextBatch:
        from linksim.tasks.text.training_data import validation_batch

        return validation_batch(cfg.data, cfg.val_count)

    def train_build_kwargs(self, cfg: Any) -> dict[str, Any]:
        """The vocabulary size of the training split (the model's embedding and softmax);
        no bandwidth argument: ``symbols_per_word`` is a model config key (``--set``)."""
        if "vocab" in cfg.overrides:
            return {}
        from linksim.tasks.text.source import train_vocabulary

        return {"vocab": len(train_vocabulary(cfg.data))}

    def train_card(self, cfg: Any, train_items: int, val_items: int) -> dict[str, Any]:
        """The data fields plus the vocabulary trained with (size and digest)."""
        from linksim.tasks.text.source import train_vocabulary

        card = super().train_card(cfg, train_items, val_items)
        vocab = train_vocabulary(cfg.data)
        card["data"]["vocab"] = {"source": "train.txt", "size": len(vocab),
                                 "digest": vocab.digest}
        return card
