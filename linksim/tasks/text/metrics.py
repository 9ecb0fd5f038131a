"""Text metrics, per sentence: ``fn(x, x_hat) -> [B]`` float64.

``x`` is the :class:`~linksim.tasks.text.batch.TextBatch` (reference words ``x.words``),
``x_hat`` the B decoded word lists.

- ``bleu1`` .. ``bleu4``: nltk's ``sentence_bleu`` with uniform weights over 1..n-grams
  (modified n-gram precision, geometric mean, brevity penalty), one reference, smoothing
  ``SmoothingFunction().method1`` (epsilon 0.1 added to a zero n-gram match count, so a
  sentence without any matching n-gram scores near 0, not an undefined value). BLEU-1 is
  DeepSC's metric (unigram precision times brevity penalty).
- ``wer``: word error rate, Levenshtein distance over words / reference words (lower is
  better; can exceed 1).
- ``exact``: 1 when the decoded sentence equals the reference, else 0.

**Corpus BLEU** (sacrebleu, 4-gram, its default tokenizer on the joined words) is not a
mean of per-sentence values; :func:`bleu_statistics` gives each sentence's sufficient
statistics, the text systems return them as per-item ``extra`` values (summed in every
record), and :func:`corpus_bleu` turns the sums into sacrebleu's corpus score.
"""
from __future__ import annotations

from functools import lru_cache
from typing import Any, Sequence

import torch

from linksim.core.metric import metric

#: names of the per-sentence BLEU statistics in a record's ``extra``
STAT_NAMES = (["bleu_sys_len", "bleu_ref_len"] + [f"bleu_correct{n}" for n in range(1, 5)]
              + [f"bleu_total{n}" for n in range(1, 5)])


@lru_cache(maxsize=1)
def _smoothing() -> Any:
    from nltk.translate.bleu_score import SmoothingFunction

    return SmoothingFunction().method1


def sentence_bleu(refs: Sequence[Sequence[str]], hyps: Sequence[Sequence[str]], n: int
                  ) -> torch.Tensor:
    """[B] nltk sentence BLEU-n (uniform weights, method1 smoothing)."""
    from nltk.translate.bleu_score import sentence_bleu as _bleu

    weights = tuple([1.0 / n] * n)
    return torch.tensor([_bleu([list(r)], list(h), weights, _smoothing()) if h else 0.0
                         for r, h in zip(refs, hyps)], dtype=torch.float64)


def _bleu_metric(n: int) -> None:
    def fn(x: Any, x_hat: Sequence[Sequence[str]]) -> torch.Tensor:
        return sentence_bleu(x.words, x_hat, n)

    fn.__name__ = fn.__qualname__ = f"bleu{n}"
    fn.__doc__ = f"Per-sentence BLEU-{n} (nltk, method1 smoothing), in [0, 1]."
    metric(f"bleu{n}", label=f"BLEU-{n}", bounds=(0.0, 1.0), task="text")(fn)


for _n in range(1, 5):
    _bleu_metric(_n)


def word_errors(ref: Sequence[str], hyp: Sequence[str]) -> int:
    """Levenshtein distance between two word sequences (substitutions, insertions,
    deletions all cost 1)."""
    prev = list(range(len(hyp) + 1))
    for i, r in enumerate(ref, start=1):
        cur = [i] + [0] * len(hyp)
        for j, h in enumerate(hyp, start=1):
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (r != h))
        prev = cur
    return prev[-1]


@metric("wer", label="WER", higher_is_better=False, bounds=(0.0, None), task="text")
def wer(x: Any, x_hat: Sequence[Sequence[str]]) -> torch.Tensor:
    """Word error rate per sentence: edit distance / reference length."""
    return torch.tensor([word_errors(r, h) / max(1, len(r)) for r, h in zip(x.words, x_hat)],
                        dtype=torch.float64)


@metric("exact", label="exact sentences", bounds=(0.0, 1.0), task="text")
def exact(x: Any, x_hat: Sequence[Sequence[str]]) -> torch.Tensor:
    """1 where the decoded sentence equals the reference word for word."""
    return torch.tensor([float(list(r) == list(h)) for r, h in zip(x.words, x_hat)],
                        dtype=torch.float64)


@lru_cache(maxsize=1)
def _sacrebleu() -> Any:
    from sacrebleu.metrics import BLEU

    return BLEU()


def bleu_statistics(refs: Sequence[Sequence[str]], hyps: Sequence[Sequence[str]]
                    ) -> dict[str, torch.Tensor]:
    """Per-sentence sacrebleu sufficient statistics ``{STAT_NAMES[k]: [B] float64}``."""
    bleu = _sacrebleu()
    rows = [bleu._extract_corpus_statistics([" ".join(h)], [[" ".join(r)]])[0]
            for r, h in zip(refs, hyps)]
    t = torch.tensor(rows, dtype=torch.float64).reshape(len(rows), len(STAT_NAMES))
    return {name: t[:, k] for k, name in enumerate(STAT_NAMES)}


def corpus_bleu(sums: dict[str, float]) -> float:
    """sacrebleu's corpus BLEU (0..100) from summed :func:`bleu_statistics`."""
    bleu = _sacrebleu()
    correct = [int(sums[f"bleu_correct{n}"]) for n in range(1, 5)]
    total = [int(sums[f"bleu_total{n}"]) for n in range(1, 5)]
    return float(bleu.compute_bleu(correct, total, int(sums["bleu_sys_len"]),
                                   int(sums["bleu_ref_len"]), smooth_method=bleu.smooth_method
                                   ).score)
