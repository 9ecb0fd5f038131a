r"""Classical image codecs behind one small class.

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

Rate control and the encode-once disk cache: :mod:`.rate_control`.
"""
from __future__ import annotations

import io
import shutil
import struct
import subprocess
import tempfile
from pathlib import Path
from typing import Callable, ClassVar

import numpy as np
from PIL import Image

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
