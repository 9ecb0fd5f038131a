r"""Rate control of the classical image codecs: an encode-once disk cache and the search
for the highest quality that fits a bit budget.

Rate control (:meth:`CodecCache.fit`): for a budget of ``n`` bits, the highest
knob whose ``payload_bits <= n``; ``None`` when even the lowest quality does not
fit. The payload grows with the knob (non-decreasing), so the answer is the knob
``q`` with ``bits(q) <= n < bits(q + 1)``: the search brackets it between the
sizes already known for the image (this process's and the disk cache's, i.e. the
answers of other budgets: other CBRs, MCSs, SNRs) and probes where the
log-linear rate curve through the bracket predicts ``n``, so that a new budget
usually costs the two encodes that certify its answer. If the known sizes of an
image are ever not monotone, the plain binary search over the knob
(:meth:`CodecCache.bisect`, the rate control before) decides; both choose the
same knob on a monotone curve. Each (image, codec, version, knob)
is encoded once and kept under ``$LINKSIM_CACHE/codecs`` (default
``~/.cache/linksim/codecs``), keyed by the SHA-256 of the image; files are replaced
atomically under a per-file lock, so workers of a parallel run fill the cache at once
and never encode the same file twice.
"""
from __future__ import annotations

import functools
import hashlib
import math
from pathlib import Path

import numpy as np

from linksim.base.files import atomic_write, file_lock
from linksim.base.paths import cache_dir
from linksim.baselines.image.separated.codecs import HEADER_BYTES, ImageCodec


def cache_root() -> Path:
    """``$LINKSIM_CACHE/codecs``, else ``~/.cache/linksim/codecs``."""
    return cache_dir("codecs")


def image_key(img: np.ndarray) -> str:
    """SHA-256 (16 hex digits) of an image's shape and 8-bit pixels."""
    h = hashlib.sha256(repr(img.shape).encode())
    h.update(np.ascontiguousarray(img).tobytes())
    return h.hexdigest()[:16]


def _monotone(sizes: dict[int, int]) -> bool:
    """Whether known sizes never shrink as the knob grows."""
    ordered = [sizes[i] for i in sorted(sizes)]
    return all(a <= b for a, b in zip(ordered, ordered[1:]))


class CodecCache:
    """Encode-once store and rate control for one codec.

    Files live at ``root/<codec>/<version hash>/<image key>/q<knob>.bin``; an
    image is encoded at a knob only the first time it is asked for
    (``encodes`` counts the encoder runs of this object).
    """

    #: log2 of the payload growth per knob step, used before two sizes of an image are known
    PRIOR_SLOPE = 0.2
    #: budgets whose latest answer starts the search on an image with no known size
    HINTS = 64

    def __init__(self, codec: ImageCodec, root: Path | None = None) -> None:
        self.codec = codec
        self.version = codec.version()
        slug = hashlib.sha256(self.version.encode()).hexdigest()[:8]
        self.root = Path(root or cache_root()) / codec.name / slug
        self._files: dict[tuple[str, int], bytes] = {}
        self._sizes: dict[str, dict[int, int]] = {}      # image key -> {knob index: bits}
        self._hints: dict[float, int] = {}               # budget -> last answer (knob index)
        self.encodes = 0

    def file(self, img: np.ndarray, quality: int, key: str | None = None) -> bytes:
        """The codec's file for ``img`` [H, W, 3] uint8 at ``quality`` (cached)."""
        key = key or image_key(img)
        if (key, quality) not in self._files:
            path = self.root / key / f"q{quality}.bin"
            if not path.is_file():
                with file_lock(path):     # workers of a parallel run encode each file once
                    if not path.is_file():
                        atomic_write(path, self.codec.encode_file(img, quality))
                        self.encodes += 1
            data = path.read_bytes()
            self._files[key, quality] = data
        return self._files[key, quality]

    def payload_bits(self, data: bytes) -> int:
        """Bits sent for one image: 8 * (header + codec payload)."""
        return 8 * (HEADER_BYTES + len(self.codec.payload(data)))

    def fit(self, img: np.ndarray, budget_bits: float) -> tuple[int, bytes] | None:
        """Highest knob whose payload fits ``budget_bits``, with its file (module docstring)."""
        key, qs = image_key(img), self.codec.qualities
        sizes = self._known_sizes(key)
        lo = max((i for i, b in sizes.items() if b <= budget_bits), default=-1)
        hi = min((i for i, b in sizes.items() if b > budget_bits), default=len(qs))
        while hi - lo > 1:
            i = self._probe(sizes, lo, hi, budget_bits)
            if self._size(img, key, i) <= budget_bits:
                lo = i
            else:
                hi = i
        if lo > hi or not _monotone(sizes):
            return self.bisect(img, budget_bits)
        self._hints.pop(budget_bits, None)
        self._hints[budget_bits] = lo                    # the latest answers, newest last
        if len(self._hints) > self.HINTS:
            self._hints.pop(next(iter(self._hints)))
        return None if lo < 0 else (qs[lo], self.file(img, qs[lo], key))

    def bisect(self, img: np.ndarray, budget_bits: float) -> tuple[int, bytes] | None:
        """Highest knob whose payload fits ``budget_bits`` by binary search over the knob."""
        key, qs = image_key(img), self.codec.qualities
        lo, hi, best = 0, len(qs) - 1, None
        while lo <= hi:
            mid = (lo + hi) // 2
            data = self.file(img, qs[mid], key)
            if self.payload_bits(data) <= budget_bits:
                best, lo = (qs[mid], data), mid + 1
            else:
                hi = mid - 1
        return best

    def _size(self, img: np.ndarray, key: str, i: int) -> int:
        """Payload bits of ``img`` at knob index ``i`` (encodes it when not cached)."""
        sizes = self._known_sizes(key)
        if i not in sizes:
            sizes[i] = self.payload_bits(self.file(img, self.codec.qualities[i], key))
        return sizes[i]

    def _known_sizes(self, key: str) -> dict[int, int]:
        """{knob index: payload bits} of every file of the image in the cache (read once)."""
        if key not in self._sizes:
            index = {q: i for i, q in enumerate(self.codec.qualities)}
            sizes: dict[int, int] = {}
            folder = self.root / key
            names = [p.name for p in folder.glob("q*.bin")] if folder.is_dir() else []
            for name in names:
                q = int(name[1:-4]) if name[1:-4].isdigit() else None
                if q in index:
                    data = self._files.get((key, q)) or (folder / name).read_bytes()
                    self._files[key, q] = data
                    sizes[index[q]] = self.payload_bits(data)
            self._sizes[key] = sizes
        return self._sizes[key]

    def _probe(self, sizes: dict[int, int], lo: int, hi: int, budget_bits: float) -> int:
        """The next knob index to encode, strictly between ``lo`` and ``hi``: the largest
        one the log-linear rate curve through the known sizes predicts to fit."""
        target = math.log2(max(budget_bits, 1.0))
        if lo >= 0 and hi < len(self.codec.qualities):       # interpolate inside the bracket
            a, b = math.log2(sizes[lo]), math.log2(sizes[hi])
            x = lo + (target - a) / (b - a) * (hi - lo)
        elif sizes:                                          # extrapolate from the nearest side
            near = lo if lo >= 0 else hi
            others = sorted(sizes, key=lambda i: abs(i - near))[1:2]
            slope = self.PRIOR_SLOPE
            if others and others[0] != near:
                slope = max((math.log2(sizes[near]) - math.log2(sizes[others[0]]))
                            / (near - others[0]), 1e-3)
            x = near + (target - math.log2(sizes[near])) / slope
        elif self._hints:                                    # another image's nearest answer
            budget = min(self._hints, key=lambda b: abs(math.log2(max(b, 1.0)) - target))
            x = self._hints[budget] + (target - math.log2(max(budget, 1.0))) / self.PRIOR_SLOPE
        else:
            x = (lo + hi) / 2
        return min(max(math.floor(x), lo + 1), hi - 1)

    @functools.lru_cache(maxsize=64)
    def decode(self, data: bytes) -> np.ndarray:
        """The codec's own decode of a file, [H, W, 3] uint8 (memoized)."""
        out = self.codec.decode_file(data)
        out.setflags(write=False)
        return out
