r"""Source codes of the classical text chain: sentence words <-> a bit string.

Every code is *prefix-decodable word by word*, so a receiver that gets the first
:math:`b` bits of a sentence decodes the words those bits complete (the chain sends the
longest prefix of whole words that fits its budget, :meth:`SourceCode.fit`).

- ``huffman``: a word-level Huffman code (Huffman 1952) over the words of the training
  split, with two extra symbols: ``<END>`` (end of sentence, counted once per sentence)
  and ``<ESC>`` (escape: a word unseen in training follows, spelled in 5-bit characters
  and closed by the 5-bit end character). Deterministic: ties in the heap are broken by
  the symbols' insertion order (specials first, then words by first appearance).
- ``chars``: fixed-length 5-bit characters, ``a``..``z`` = 1..26, space = 27, 0 ends the
  sentence (:math:`5\,(c + 1)` bits for :math:`c` characters).
- ``zlib``: raw DEFLATE (zlib, level 9, no header) of the UTF-8 text, whole bytes; not
  prefix-decodable, so it is sent whole or, when it does not fit, for the longest prefix
  of whole words whose compressed size fits.

Bits are ``numpy`` uint8 arrays of 0/1.
"""
from __future__ import annotations

import heapq
import zlib
from collections import Counter
from functools import lru_cache
from pathlib import Path
from typing import ClassVar, Iterable, Sequence

import numpy as np

from linksim.base.registry import CODECS
from linksim.errors import LinksimError

CHAR_BITS = 5
_CHAR = {c: i + 1 for i, c in enumerate("abcdefghijklmnopqrstuvwxyz")}
_CHAR[" "] = 27
_CHAR_OF = {v: k for k, v in _CHAR.items()}


def char_bits(text: str) -> list[int]:
    """5-bit codes of ``text`` followed by the end code 0 (MSB first)."""
    out: list[int] = []
    for code in [_CHAR[c] for c in text] + [0]:
        out += [(code >> s) & 1 for s in range(CHAR_BITS - 1, -1, -1)]
    return out


def read_chars(bits: Sequence[int], pos: int) -> tuple[str | None, int]:
    """Characters from ``pos`` up to the end code -> (text, next position); ``None`` when
    the bits run out first."""
    text = []
    while pos + CHAR_BITS <= len(bits):
        code = int("".join(map(str, bits[pos:pos + CHAR_BITS])), 2)
        pos += CHAR_BITS
        if code == 0:
            return "".join(text), pos
        if code not in _CHAR_OF:
            return None, pos
        text.append(_CHAR_OF[code])
    return None, pos


class SourceCode:
    """A code: ``encode(words) -> bits``, ``decode(bits) -> words``."""

    name: ClassVar[str] = ""
    task: ClassVar[str] = "text"

    @classmethod
    def build(cls, train_file: str | None) -> "SourceCode":
        """The code, fitted to the training split ``train_file`` where it learns from data."""
        return cls()

    def encode(self, words: Sequence[str]) -> np.ndarray:
        raise NotImplementedError

    def decode(self, bits: np.ndarray) -> list[str]:
        raise NotImplementedError

    def fit(self, words: Sequence[str], budget: float) -> tuple[np.ndarray, int]:
        """(bits, words sent): the longest prefix of whole words whose code fits ``budget``
        bits (the whole sentence when it fits)."""
        for count in range(len(words), -1, -1):
            bits = self.encode(words[:count])
            if bits.size <= budget:
                return bits, count
        return np.zeros(0, np.uint8), 0


@CODECS.register("chars")
class FixedChars(SourceCode):
    """Fixed-length 5-bit characters (module docstring)."""

    name = "chars"

    def encode(self, words: Sequence[str]) -> np.ndarray:
        return np.array(char_bits(" ".join(words)), np.uint8)

    def decode(self, bits: np.ndarray) -> list[str]:
        out, pos, word = [], 0, []
        while pos + CHAR_BITS <= len(bits):
            code = int("".join(map(str, bits[pos:pos + CHAR_BITS])), 2)
            pos += CHAR_BITS
            if code == 0 or code == 27:
                if word:
                    out.append("".join(word))
                word = []
                if code == 0:
                    return out
            elif code in _CHAR_OF:
                word.append(_CHAR_OF[code])
        return out  # a word cut by the end of the bits is dropped


@CODECS.register("zlib")
class Zlib(SourceCode):
    """Raw DEFLATE, level 9 (module docstring)."""

    name = "zlib"
    version = zlib.ZLIB_RUNTIME_VERSION

    def encode(self, words: Sequence[str]) -> np.ndarray:
        c = zlib.compressobj(9, zlib.DEFLATED, -15)
        data = c.compress(" ".join(words).encode()) + c.flush()
        return np.unpackbits(np.frombuffer(data, np.uint8))

    def decode(self, bits: np.ndarray) -> list[str]:
        try:
            d = zlib.decompressobj(-15)
            return d.decompress(np.packbits(bits).tobytes()).decode().split()
        except (zlib.error, UnicodeDecodeError):
            return []


@CODECS.register("huffman")
class HuffmanWords(SourceCode):
    """Word-level Huffman code with ``<END>`` and ``<ESC>`` (module docstring).

    :param counts: word -> occurrences in the training split.
    :param sentences: sentences the counts came from (``<END>`` occurs once per sentence).
    """

    name = "huffman"
    END, ESC = "<END>", "<ESC>"

    def __init__(self, counts: dict[str, int], sentences: int) -> None:
        weights = {self.END: sentences, self.ESC: 1, **counts}
        heap = [(w, i, sym) for i, (sym, w) in enumerate(weights.items())]
        heapq.heapify(heap)
        order = len(heap)
        while len(heap) > 1:
            w1, _, a = heapq.heappop(heap)
            w2, _, b = heapq.heappop(heap)
            heapq.heappush(heap, (w1 + w2, order, (a, b)))
            order += 1
        self.table: dict[str, tuple[int, ...]] = {}
        stack = [(heap[0][2], ())]
        while stack:
            node, code = stack.pop()
            if isinstance(node, tuple):
                stack += [(node[0], code + (0,)), (node[1], code + (1,))]
            else:
                self.table[node] = code or (0,)
        self.tree = heap[0][2]

    @classmethod
    def build(cls, train_file: str | None) -> "HuffmanWords":
        if train_file is None:
            raise LinksimError(f"code={cls.name!r} needs the training split; set train = "
                               "\"<folder>/train.txt\"")
        return trained_huffman(str(train_file))

    @classmethod
    def from_sentences(cls, sentences: Iterable[Sequence[str]]) -> "HuffmanWords":
        counts: Counter = Counter()
        n = 0
        for words in sentences:
            counts.update(words)
            n += 1
        return cls(dict(counts), n)

    def average_bits(self) -> float:
        """Mean code length per training word (the END symbol excluded), in bits."""
        return float(np.mean([len(c) for w, c in self.table.items() if w[0] != "<"]))

    def encode(self, words: Sequence[str]) -> np.ndarray:
        out: list[int] = []
        for w in words:
            if w in self.table:
                out += self.table[w]
            else:
                out += list(self.table[self.ESC]) + char_bits(w)
        out += self.table[self.END]
        return np.array(out, np.uint8)

    def decode(self, bits: np.ndarray) -> list[str]:
        out, pos, n = [], 0, len(bits)
        while pos < n:
            node = self.tree
            while isinstance(node, tuple) and pos < n:
                node = node[int(bits[pos])]
                pos += 1
            if isinstance(node, tuple) or node == self.END:
                return out
            if node == self.ESC:
                word, pos = read_chars(bits, pos)
                if word is None:
                    return out
                node = word
            out.append(node)
        return out


@lru_cache(maxsize=4)
def trained_huffman(train_file: str) -> HuffmanWords:
    """The Huffman code of the words of ``train_file`` (one sentence per line)."""
    path = Path(train_file)
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise LinksimError(f"{path}: cannot read the Huffman training split ({exc.strerror}); "
                           "set the system's train to a europarl train.txt") from None
    return HuffmanWords.from_sentences(line.split() for line in lines if line.strip())


def source_code_names() -> list[str]:
    """The registered text source codes."""
    return [name for name, cls in CODECS.items("text")
            if isinstance(cls, type) and issubclass(cls, SourceCode)]


def get_code(name: str, train_file: str | None = None) -> SourceCode:
    """The registered source code ``name``, fitted to ``train_file`` where it learns."""
    if name not in source_code_names():
        raise LinksimError(f"code={name!r}: choose one of {', '.join(source_code_names())}")
    return CODECS.get(name, "text").build(train_file)
