"""The ``europarl`` data set: normalized English sentences of the European Parliament.

A folder holding ``train.txt`` and ``test.txt`` (one sentence per line; default: the project
machines' ``../shared/data/europarl``, found by :func:`linksim.base.paths.shared_data`).

The vocabulary (``vocab``) is by default built from the training split alone
(:func:`train_vocabulary`: every word of ``train.txt`` within ``max_words``, most frequent
first; 23,845 words and the four specials), so test words never seen in training are sent as
``<UNK>`` and counted (794 of the 129,361 test tokens). ``vocab`` may instead name a JSON
file, e.g. DeepSC's ``deepsc_vocab.json``, which was built with the test split. Reading rules (every violation is a one-line
error naming file and line, before any work):

- an empty line is an error (remove it);
- a character outside ``a-z`` and space is an error, unless ``normalize = true``, which
  applies DeepSC's cleaning (:func:`~linksim.tasks.text.vocab.normalize`) first;
- a sentence longer than ``max_words`` (default 29, DeepSC's limit) is **truncated** to its
  first ``max_words`` words with ``long = "truncate"`` (the default; counted per item as
  ``truncated`` in every record) or **skipped** with ``long = "skip"`` (counted in
  :attr:`EuroparlSource.skipped`);
- a word outside the vocabulary is sent as ``<UNK>`` and counted per item (``unk_words``).

``count`` keeps the first ``count`` sentences of the split (after skipping); ``sample``
keeps a random subset of that many instead (drawn with ``random.Random(sample_seed)``, kept in
file order; e.g. for a bit-true chain too slow for all 7,255 test sentences).
"""
from __future__ import annotations

import random
from functools import lru_cache
from pathlib import Path
from typing import Any, ClassVar

from linksim.base.paths import shared_data
from linksim.base.registry import DATASETS
from linksim.core.source import first
from linksim.errors import LinksimError
from linksim.tasks.text.batch import Sentence
from linksim.tasks.text.vocab import Vocabulary, build_vocabulary, normalize, outside_alphabet

SPLITS = ("train", "test")
LONG_RULES = ("truncate", "skip")
VOCAB_FILE = "deepsc_vocab.json"
MAX_WORDS = 29
#: ``vocab`` value (and default): build the vocabulary from ``train.txt``
TRAIN_VOCAB = "train"


def _error(key: str, message: str) -> LinksimError:
    err = LinksimError(message)
    err.key = key
    return err


def default_folder() -> Path:
    """``../shared/data/europarl`` beside the repository, else a one-line error."""
    folder = shared_data("europarl")
    if folder is None:
        raise _error("path", "europarl: no path given and ../shared/data/europarl is absent; set "
                             "[source] path to a folder with train.txt and test.txt")
    return folder


@lru_cache(maxsize=4)
def _train_vocabulary(file: Path, mtime_ns: int, max_words: int) -> Vocabulary:
    lines = file.read_text(encoding="utf-8").splitlines()
    return build_vocabulary((line.split()[:max_words] for line in lines),
                            f"{file} (training-split vocabulary)")


def train_vocabulary(folder: str | Path, max_words: int = MAX_WORDS) -> Vocabulary:
    """The vocabulary of ``<folder>/train.txt`` (see the module docstring); a missing file
    is a one-line error."""
    file = Path(folder) / "train.txt"
    try:
        mtime = file.stat().st_mtime_ns
    except FileNotFoundError:
        raise _error("vocab", f"{file}: not found; the training-split vocabulary is built from "
                              "it (or set [source] vocab to a vocabulary JSON)") from None
    return _train_vocabulary(file, mtime, max_words)


def load_vocabulary(folder: Path, vocab: str | None) -> Vocabulary:
    """``vocab`` ``None`` / ``"train"``: the training-split vocabulary of ``folder``;
    otherwise a vocabulary JSON file."""
    if vocab is None or vocab == TRAIN_VOCAB:
        return train_vocabulary(folder)
    return Vocabulary.load(Path(vocab).expanduser())


def read_sentences(file: Path, vocab: Vocabulary, max_words: int = MAX_WORDS,
                   long: str = "truncate", normalized: bool = False,
                   count: int | None = None) -> tuple[list[Sentence], int]:
    """The sentences of ``file`` by the module's rules; returns (sentences, skipped)."""
    try:
        text = file.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise _error("path", f"{file}: not found; set [source] path to a folder holding "
                             f"{file.name}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise _error("path", f"{file}: unreadable ({exc}); expected UTF-8 text") from None
    out, skipped = [], 0
    for no, raw in enumerate(text.splitlines(), start=1):
        line = normalize(raw) if normalized else raw.strip()
        if not line:
            raise _error("path", f"{file}:{no}: empty line; remove it (one sentence per line)")
        bad = None if normalized else outside_alphabet(line)
        if bad is not None:
            raise _error("normalize", f"{file}:{no}: character {bad!r} outside the alphabet "
                                      "a-z and space; clean the file or set [source] "
                                      "normalize = true")
        words = line.split()
        truncated = len(words) > max_words
        if truncated and long == "skip":
            skipped += 1
            continue
        out.append(Sentence.of(words[:max_words], vocab, truncated))
        if count is not None and len(out) >= count:
            break
    return first(out, count, f"sentences in {file.name}"), skipped


@DATASETS.register("europarl")
class EuroparlSource:
    """Europarl sentences of one split, tokenized with DeepSC's vocabulary.

    :param path: the folder (default ``../shared/data/europarl``).
    :param split: ``"test"`` (7,255 sentences, DeepSC's test split) or ``"train"``.
    :param vocab: ``"train"`` (default): built from ``<path>/train.txt``; or a vocabulary
        JSON file (e.g. ``<path>/deepsc_vocab.json``, DeepSC's, built with the test split).
    :param count: keep the first ``count`` sentences (default: all).
    :param sample: keep ``sample`` sentences drawn at random (seed ``sample_seed``) instead.
    :param max_words: longest sentence in words; :param long: ``"truncate"`` or ``"skip"``.
    :param normalize: apply DeepSC's cleaning to each line instead of refusing
        characters outside the alphabet.
    """

    task: ClassVar[str] = "text"

    def __init__(self, path: str | None = None, split: str = "test", vocab: str | None = None,
                 count: int | None = None, max_words: int = MAX_WORDS, long: str = "truncate",
                 sample: int | None = None, sample_seed: int = 0,
                 normalize: bool = False) -> None:
        self.check_params({"path": path, "split": split, "vocab": vocab, "count": count,
                           "sample": sample, "sample_seed": sample_seed,
                           "max_words": max_words, "long": long, "normalize": normalize})
        folder = Path(path).expanduser() if path is not None else default_folder()
        if not folder.is_dir():
            raise _error("path", f"europarl: path {str(folder)!r} is not a folder; set [source] "
                                 f"path to a folder with {split}.txt and train.txt")
        self.folder, self.split = folder, split
        self.vocab = load_vocabulary(folder, vocab)
        self.sentences, self.skipped = read_sentences(folder / f"{split}.txt", self.vocab,
                                                      max_words, long, normalize, count)
        self.index = list(range(len(self.sentences)))  # positions in the split
        if sample is not None:
            if sample > len(self.sentences):
                raise _error("sample", f"sample={sample}: the split has {len(self.sentences)} "
                                       "sentences; lower sample")
            keep = sorted(random.Random(sample_seed).sample(range(len(self.sentences)), sample))
            self.sentences, self.index = [self.sentences[i] for i in keep], keep

    @staticmethod
    def check_params(params: dict[str, Any]) -> None:
        """Type and range checks of the ``[source]`` keys (scenario parse time)."""
        for key in ("path", "vocab"):
            v = params.get(key)
            if v is not None and not isinstance(v, str):
                raise _error(key, f"{key}={v!r}: expected a path string")
        if params.get("split", "test") not in SPLITS:
            raise _error("split", f"split={params['split']!r}: choose one of {', '.join(SPLITS)}")
        if params.get("long", "truncate") not in LONG_RULES:
            raise _error("long", f"long={params['long']!r}: choose one of {', '.join(LONG_RULES)}")
        for key, low in (("count", 1), ("max_words", 1), ("sample", 1), ("sample_seed", 0)):
            v = params.get(key)
            if v is not None and (isinstance(v, bool) or not isinstance(v, int) or v < low):
                raise _error(key, f"{key}={v!r}: expected a whole number >= {low}")
        if not isinstance(params.get("normalize", False), bool):
            raise _error("normalize", f"normalize={params['normalize']!r}: expected true or false")

    @property
    def names(self) -> list[str]:
        return [f"{self.split}-{i:05d}" for i in self.index]

    def __len__(self) -> int:
        return len(self.sentences)

    def __getitem__(self, i: int) -> Sentence:
        return self.sentences[i]
