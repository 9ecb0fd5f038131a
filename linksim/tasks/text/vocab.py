"""DeepSC's text rules: the alphabet, sentence normalization and the word vocabulary.

Rules (Xie et al., "Deep Learning Enabled Semantic Communication Systems", IEEE TSP 2021,
and its public reference code; the README's "The text link" repeats them):

- **Alphabet**: lower-case letters ``a-z`` and the space. A sentence is a line of words
  separated by single spaces; words are the tokens, nothing else is split off.
- **Normalization** (:func:`normalize`, used when a data set is read with
  ``normalize = true``): lower-case, every character outside ``a-z`` becomes a space,
  runs of spaces collapse. The shared Europarl files are already normalized this way.
- **Vocabulary**: ``{"token_to_idx": {token: index}}`` with ``<PAD>`` = 0, ``<START>`` = 1,
  ``<END>`` = 2, ``<UNK>`` = 3. linksim builds it from the training split alone
  (:func:`build_vocabulary`: every word of the training sentences, most frequent first), so
  a word seen only in test data maps to ``<UNK>`` and is counted. DeepSC's own 22,234-entry
  file was built over the whole corpus, test split included; it can still be named as a
  JSON file.
- **Sequence**: ``[<START>, w_1, ..., w_L, <END>]`` padded with ``<PAD>`` to the batch's
  longest sentence.
"""
from __future__ import annotations

import hashlib
import json
import re
from collections import Counter
from pathlib import Path
from typing import Iterable, Sequence

from linksim.errors import LinksimError

PAD, START, END, UNK = 0, 1, 2, 3
SPECIALS = {"<PAD>": PAD, "<START>": START, "<END>": END, "<UNK>": UNK}
ALPHABET = "abcdefghijklmnopqrstuvwxyz "
_OUTSIDE = re.compile(r"[^a-z ]")
_NON_LETTERS = re.compile(r"[^a-z]+")


def normalize(line: str) -> str:
    """Lower-case, non-letters to spaces, single spaces, stripped (DeepSC's cleaning)."""
    return _NON_LETTERS.sub(" ", line.lower()).strip()


def outside_alphabet(line: str) -> str | None:
    """The first character of ``line`` outside ``a-z`` and space, else ``None``."""
    m = _OUTSIDE.search(line)
    return m.group(0) if m else None


def spell(index: int) -> str:
    """A letters-only word for ``index`` (bijective base 26: 0 -> a, 26 -> aa, ...)."""
    out = ""
    index += 1
    while index:
        index, r = divmod(index - 1, 26)
        out = chr(ord("a") + r) + out
    return out


def synthetic_vocabulary(size: int) -> "Vocabulary":
    """The four specials and ``size - 4`` spelled words (benchmarks and tests)."""
    table = dict(SPECIALS)
    table.update({spell(i): i for i in range(4, size)})
    return Vocabulary(table, "<synthetic>")


def build_vocabulary(sentences: Iterable[Sequence[str]], source: str = "<sentences>"
                     ) -> "Vocabulary":
    """The four specials, then every word of ``sentences`` by descending count (ties in
    alphabetical order): a deterministic function of the words alone."""
    counts = Counter(w for words in sentences for w in words)
    table = dict(SPECIALS)
    for word, _ in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])):
        if word not in table:
            table[word] = len(table)
    return Vocabulary(table, source)


class Vocabulary:
    """Word <-> index map with DeepSC's special tokens.

    :param token_to_idx: the map; must hold the four specials at 0..3 and be a bijection
        onto ``0 .. V-1``.
    :param source: where it came from (for messages).
    """

    def __init__(self, token_to_idx: dict[str, int], source: str = "<vocabulary>") -> None:
        for tok, idx in SPECIALS.items():
            if token_to_idx.get(tok) != idx:
                raise LinksimError(f"{source}: token_to_idx[{tok!r}] must be {idx} (DeepSC's "
                                   "specials PAD=0, START=1, END=2, UNK=3); fix the file")
        ids = sorted(token_to_idx.values())
        if ids != list(range(len(ids))):
            raise LinksimError(f"{source}: token_to_idx: indices must be 0..{len(ids) - 1}, "
                               "each once; fix the file")
        self.source = source
        self.token_to_idx = dict(token_to_idx)
        self.idx_to_token = [""] * len(ids)
        for tok, idx in token_to_idx.items():
            self.idx_to_token[idx] = tok

    @classmethod
    def load(cls, path: str | Path) -> "Vocabulary":
        """Read ``{"token_to_idx": {...}}``; a missing or malformed file is a one-line error."""
        path = Path(path)
        try:
            raw = json.loads(path.read_text())
        except FileNotFoundError:
            raise LinksimError(f"{path}: vocabulary file not found; set [source] vocab to a "
                               "DeepSC vocabulary JSON") from None
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise LinksimError(f"{path}: malformed vocabulary ({exc}); expected "
                               "{\"token_to_idx\": {\"<PAD>\": 0, ...}}") from None
        table = raw.get("token_to_idx") if isinstance(raw, dict) else None
        if not isinstance(table, dict) or not all(
                isinstance(k, str) and isinstance(v, int) and not isinstance(v, bool)
                for k, v in table.items()):
            raise LinksimError(f"{path}: key 'token_to_idx' must map words to integer "
                               "indices; fix the file")
        return cls(table, str(path))

    def __len__(self) -> int:
        return len(self.idx_to_token)

    @property
    def digest(self) -> str:
        """First 12 hex digits of the SHA-256 of the words in index order (model cards
        name the vocabulary a checkpoint was trained with by it)."""
        return hashlib.sha256("\n".join(self.idx_to_token).encode()).hexdigest()[:12]

    def encode(self, words: Sequence[str]) -> list[int]:
        """``[<START>, ids..., <END>]``; words outside the vocabulary become ``<UNK>``."""
        get = self.token_to_idx.get
        return [START] + [get(w, UNK) for w in words] + [END]

    def decode(self, ids: Sequence[int]) -> list[str]:
        """Words of ``ids`` up to the first ``<END>``; ``<START>``/``<PAD>`` are dropped and
        ``<UNK>`` stays ``"<UNK>"`` (it never matches a reference word)."""
        out = []
        for i in ids:
            if i == END:
                break
            if i not in (START, PAD):
                out.append(self.idx_to_token[i])
        return out

    def unknown(self, words: Sequence[str]) -> int:
        """How many of ``words`` are outside the vocabulary."""
        return sum(w not in self.token_to_idx for w in words)
