r"""Classical image codecs behind one small class, with rate control and a disk cache.

Every codec maps an 8-bit RGB image ``[H, W, 3] uint8`` to its native file at
an integer quality knob and back (argument lists and temp files, never shell
strings; the codec's version is recorded with each result):

- ``bpg``: Bellard's BPG (HEVC intra, x265) through ``bpgenc``/``bpgdec`` when
  both are on ``PATH``; knob = ``51 - QP`` so that larger means better; ``-f 444``.
- ``heif``: HEVC intra (x265 through libheif/pillow-heif) with 4:4:4 chroma,
  the documented stand-in for BPG; knob = pillow-heif ``quality`` 0, 2, ..., 100
  (51 levels, as fine as BPG's 52 QPs).
- ``jpeg2000``: OpenJPEG through Pillow, raw J2K codestream; knob = target PSNR in dB.
- ``jpeg``: libjpeg through Pillow (4:4:4, optimized Huffman tables); knob = quality 1-95.

What is counted (the bits a receiver needs)
-------------------------------------------
``payload_bits = 8 * (HEADER_BYTES + len(codec.payload(file)))`` where the
``HEADER_BYTES = 8`` header (:func:`pack_header`) carries width and height
(16 bit each), the quality knob (8 bit) and the payload length in bytes
(24 bit). ``codec.payload`` is

- ``heif``: the HEVC NAL units only: VPS, SPS and PPS from the ``hvcC`` box,
  each with a 2-byte length, plus the coded image data of the ``mdat`` box
  (slice NAL units with their 4-byte lengths). The rest of the HEIF container
  (``ftyp``, ``meta``: item info and locations, ``ispe``, ``colr``, ``pixi``,
  ~300-400 bytes) is a function of (width, height, quality) and is rebuilt by
  the receiver (:meth:`ImageCodec.rebuild` splices the received bytes back into
  the container), so it is not transmitted.
- ``bpg``: the whole ``.bpg`` file (BPG's own header is a few bytes).
- ``jpeg``: the whole JFIF file (quantization and Huffman tables are needed).
- ``jpeg2000``: the whole J2K codestream (no JP2 container).

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
import io
import math
import shutil
import struct
import subprocess
import tempfile
from pathlib import Path
from typing import Callable, ClassVar

import numpy as np
from PIL import Image

from linksim.base.files import atomic_write, file_lock
from linksim.base.paths import cache_dir
from linksim.base.registry import CODECS
from linksim.errors import LinksimError

HEADER_BYTES = 8  # width, height (16 bit each), quality knob (8 bit), payload bytes (24 bit)
_HEADER = struct.Struct(">HHBBH")

def pack_header(width: int, height: int, quality: int, length: int) -> bytes:
    """The ``HEADER_BYTES`` header sent before the codec payload."""
    return _HEADER.pack(width, height, quality, length >> 16, length & 0xFFFF)


def parse_header(data: bytes) -> tuple[int, int, int, int]:
    """(width, height, quality, payload length) from the first ``HEADER_BYTES`` bytes."""
    width, height, quality, hi, lo = _HEADER.unpack(data[:HEADER_BYTES])
    return width, height, quality, (hi << 16) | lo


def register_codec(name: str) -> Callable[[type["ImageCodec"]], type["ImageCodec"]]:
    """Register an :class:`ImageCodec` in ``CODECS`` (and set its ``name``)."""
    def deco(cls: type[ImageCodec]) -> type[ImageCodec]:
        cls.name = name
        return CODECS.register(name)(cls)
    return deco


class ImageCodec:
    """An image codec at an integer quality knob (larger = more bits).

    Subclasses set ``qualities`` (the knob values, increasing rate) and
    implement :meth:`encode_file`, :meth:`decode_file` and :meth:`version`;
    containers override :meth:`payload` and :meth:`rebuild`.
    """

    name: ClassVar[str] = ""
    qualities: ClassVar[tuple[int, ...]] = ()

    @classmethod
    def available(cls) -> bool:
        return True

    def version(self) -> str:
        raise NotImplementedError

    def encode_file(self, img: np.ndarray, quality: int) -> bytes:
        """[H, W, 3] uint8 -> the codec's file (bytes)."""
        raise NotImplementedError

    def decode_file(self, data: bytes) -> np.ndarray:
        """The codec's file -> [H, W, 3] uint8."""
        raise NotImplementedError

    def payload(self, data: bytes) -> bytes:
        """The bytes that are transmitted (default: the whole file)."""
        return data

    def rebuild(self, payload: bytes, template: bytes) -> bytes:
        """Receiver side: the decodable file from received ``payload`` bytes."""
        return payload


def _pil_encode(img: np.ndarray, fmt: str, **kw) -> bytes:
    buf = io.BytesIO()
    Image.fromarray(img, "RGB").save(buf, format=fmt, **kw)
    return buf.getvalue()


def _pil_decode(data: bytes) -> np.ndarray:
    with Image.open(io.BytesIO(data)) as im:
        return np.asarray(im.convert("RGB"))


@register_codec("jpeg")
class JPEG(ImageCodec):
    qualities = tuple(range(1, 96))

    def version(self) -> str:
        from PIL import features
        return f"libjpeg-{features.version('jpg')}"

    def encode_file(self, img: np.ndarray, quality: int) -> bytes:
        return _pil_encode(img, "JPEG", quality=int(quality), subsampling=0, optimize=True)

    def decode_file(self, data: bytes) -> np.ndarray:
        return _pil_decode(data)


@register_codec("jpeg2000")
class JPEG2000(ImageCodec):
    qualities = tuple(range(14, 61))  # target PSNR in dB

    @classmethod
    def available(cls) -> bool:
        from PIL import features
        return bool(features.check("jpg_2000"))

    def version(self) -> str:
        from PIL import features
        return f"openjpeg-{features.version('jpg_2000')}"

    def encode_file(self, img: np.ndarray, quality: int) -> bytes:
        return _pil_encode(img, "JPEG2000", no_jp2=True, quality_mode="dB",
                           quality_layers=[float(quality)], irreversible=True)

    def decode_file(self, data: bytes) -> np.ndarray:
        return _pil_decode(data)


def _boxes(data: bytes, start: int, end: int):
    """ISO-BMFF boxes in ``data[start:end]`` as (type, payload_start, box_end)."""
    pos = start
    while pos + 8 <= end:
        size, kind = struct.unpack(">I4s", data[pos:pos + 8])
        head = 8
        if size == 1:
            size, head = struct.unpack(">Q", data[pos + 8:pos + 16])[0], 16
        elif size == 0:
            size = end - pos
        yield kind.decode("latin-1"), pos + head, pos + size
        pos += size


def _find_box(data: bytes, path: list[str], start: int = 0, end: int | None = None
              ) -> tuple[int, int]:
    """(payload_start, end) of the first box along ``path`` (``meta`` is a full box)."""
    end = len(data) if end is None else end
    for kind, p0, p1 in _boxes(data, start, end):
        if kind == path[0]:
            if len(path) == 1:
                return p0, p1
            return _find_box(data, path[1:], p0 + (4 if kind == "meta" else 0), p1)
    raise LinksimError(f"heif: box {'/'.join(path)} not found in the encoder's output")


def heif_payload_spans(data: bytes) -> list[tuple[int, int]]:
    """Byte spans of the HEVC data in a HEIF file: each parameter-set NAL unit
    (with its 2-byte length) of ``hvcC``, then the ``mdat`` payload."""
    p0, _ = _find_box(data, ["meta", "iprp", "ipco", "hvcC"])
    pos = p0 + 23  # 22 bytes of decoder configuration, then numOfArrays
    spans = []
    for _ in range(data[pos - 1]):
        count = struct.unpack(">H", data[pos + 1:pos + 3])[0]  # after the NAL type byte
        pos += 3
        for _ in range(count):
            length = struct.unpack(">H", data[pos:pos + 2])[0]
            spans.append((pos, pos + 2 + length))
            pos += 2 + length
    mdats = [(a, b) for kind, a, b in _boxes(data, 0, len(data)) if kind == "mdat"]
    if len(mdats) != 1:
        raise LinksimError(f"heif: expected one mdat box, found {len(mdats)}")
    return spans + mdats


@register_codec("heif")
class HEIF(ImageCodec):
    """HEVC intra (x265) in HEIF, 4:4:4 chroma; see the module docstring for what is sent."""

    qualities = tuple(range(0, 101, 2))
    # x265 single-threaded (no thread pool, one frame thread, hence no WPP): within 0.1% of
    # the multi-threaded bitstream's size and 4x faster on 2 cores shared with other jobs.
    enc_params: ClassVar[dict[str, str]] = {"x265:pools": "none", "x265:frame-threads": "1"}

    def version(self) -> str:
        import pillow_heif
        info = pillow_heif.libheif_info()
        params = ",".join(f"{k}={v}" for k, v in self.enc_params.items())
        return (f"pillow-heif-{pillow_heif.__version__}/libheif-{info['libheif']}/"
                f"{info['HEIF']}/{params}")

    def encode_file(self, img: np.ndarray, quality: int) -> bytes:
        import pillow_heif
        buf = io.BytesIO()
        pillow_heif.from_bytes("RGB", (img.shape[1], img.shape[0]),
                               np.ascontiguousarray(img).tobytes()
                               ).save(buf, quality=int(quality), chroma=444,
                                      enc_params=dict(self.enc_params))
        return buf.getvalue()

    def decode_file(self, data: bytes) -> np.ndarray:
        import pillow_heif
        return np.asarray(pillow_heif.open_heif(io.BytesIO(data), convert_hdr_to_8bit=True)
                          .to_pillow().convert("RGB"))

    def payload(self, data: bytes) -> bytes:
        return b"".join(data[a:b] for a, b in heif_payload_spans(data))

    def rebuild(self, payload: bytes, template: bytes) -> bytes:
        out, pos = bytearray(template), 0
        for a, b in heif_payload_spans(template):
            out[a:b] = payload[pos:pos + b - a]
            pos += b - a
        return bytes(out)


@register_codec("bpg")
class BPG(ImageCodec):
    """``bpgenc -q QP -f 444`` / ``bpgdec``; the knob is ``51 - QP``."""

    qualities = tuple(range(0, 52))

    @classmethod
    def available(cls) -> bool:
        return shutil.which("bpgenc") is not None and shutil.which("bpgdec") is not None

    def version(self) -> str:
        out = subprocess.run(["bpgenc", "-h"], capture_output=True, text=True)
        return (out.stdout or out.stderr).splitlines()[0].strip()

    def encode_file(self, img: np.ndarray, quality: int) -> bytes:
        with tempfile.TemporaryDirectory() as tmp:
            src, dst = Path(tmp) / "in.png", Path(tmp) / "out.bpg"
            Image.fromarray(img, "RGB").save(src)
            subprocess.run(["bpgenc", "-q", str(51 - int(quality)), "-f", "444", "-o", str(dst),
                            str(src)], check=True, capture_output=True)
            return dst.read_bytes()

    def decode_file(self, data: bytes) -> np.ndarray:
        with tempfile.TemporaryDirectory() as tmp:
            src, dst = Path(tmp) / "in.bpg", Path(tmp) / "out.png"
            src.write_bytes(data)
            subprocess.run(["bpgdec", "-o", str(dst), str(src)], check=True, capture_output=True)
            return np.asarray(Image.open(dst).convert("RGB"))


def get_codec(name: str) -> ImageCodec:
    """``"auto"``: BPG when its tools are on PATH, else HEIF (x265)."""
    if name == "auto":
        name = "bpg" if BPG.available() else "heif"
    if name not in CODECS:
        raise LinksimError(f"codec={name!r}: choose one of auto, {', '.join(CODECS.names())}")
    cls = CODECS.get(name)
    if not cls.available():
        raise LinksimError(f"codec={name!r} is not available here (BPG needs bpgenc and bpgdec "
                           "on PATH; JPEG2000 needs Pillow with OpenJPEG); use codec=\"auto\"")
    return cls()


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
