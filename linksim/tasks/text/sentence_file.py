"""The ``sentences`` data set: any file of English sentences, one per line, tokenized with a
Europarl vocabulary (default: the training split's), for out-of-domain tests.

The reading rules are the ``europarl`` data set's (:func:`~linksim.tasks.text.source.read_sentences`:
empty lines and characters outside ``a-z`` refused unless ``normalize = true``, long
sentences truncated or skipped, unknown words sent as ``<UNK>`` and counted per item).
``scenarios/text/data/web_sentences.txt`` (500 sentences of the World English Bible, public
domain; its making in ``make_web_sentences.py`` beside it) is the out-of-domain set of the
text scenarios: 8.1% of its words are outside the Europarl training vocabulary, against 0.6%
of the Europarl test split's.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, ClassVar

from linksim.base.registry import DATASETS
from linksim.tasks.text.batch import Sentence
from linksim.tasks.text.source import (MAX_WORDS, EuroparlSource, _error, default_folder,
                                       load_vocabulary, read_sentences)


@DATASETS.register("sentences")
class SentenceFile:
    """The sentences of ``file`` with the vocabulary of a Europarl folder.

    :param file: the text file (one sentence per line).
    :param europarl: the Europarl folder whose vocabulary is used (default
        ``../shared/data/europarl``); :param vocab: ``"train"`` (default) or a JSON file,
        as for ``europarl``.
    :param count, max_words, long, normalize: as for ``europarl``.
    """

    task: ClassVar[str] = "text"

    def __init__(self, file: str | None = None, europarl: str | None = None,
                 vocab: str | None = None, count: int | None = None,
                 max_words: int = MAX_WORDS, long: str = "truncate",
                 normalize: bool = False) -> None:
        self.check_params({"file": file, "europarl": europarl, "vocab": vocab, "count": count,
                           "max_words": max_words, "long": long, "normalize": normalize})
        self.file = Path(file).expanduser()
        folder = Path(europarl).expanduser() if europarl is not None else default_folder()
        self.vocab = load_vocabulary(folder, vocab)
        self.sentences, self.skipped = read_sentences(self.file, self.vocab, max_words, long,
                                                      normalize, count)

    @staticmethod
    def check_params(params: dict[str, Any]) -> None:
        """``file`` is required; the other keys are checked as ``europarl`` checks them."""
        file = params.get("file")
        if not isinstance(file, str):
            raise _error("file", f"file={file!r}: expected the path of a text file of "
                                 "sentences, one per line")
        EuroparlSource.check_params({k: v for k, v in params.items()
                                     if k in ("vocab", "count", "max_words", "long",
                                              "normalize")} | {"path": params.get("europarl")})

    @property
    def names(self) -> list[str]:
        return [f"{self.file.stem}-{i:05d}" for i in range(len(self.sentences))]

    def __len__(self) -> int:
        return len(self.sentences)

    def __getitem__(self, i: int) -> Sentence:
        return self.sentences[i]
