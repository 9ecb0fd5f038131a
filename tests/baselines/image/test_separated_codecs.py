"""Image codecs of the separated baseline: rate control, counted bits, cache."""
from __future__ import annotations

import numpy as np
import pytest

from linksim.baselines.image.separated import codecs
from linksim.baselines.image.separated.codecs import (HEADER_BYTES, get_codec, heif_payload_spans,
                                        pack_header, parse_header)
from linksim.baselines.image.separated.rate_control import CodecCache
from linksim.errors import LinksimError
from linksim.base.registry import DATASETS


@pytest.fixture(scope="module")
def image() -> np.ndarray:
    x = DATASETS.get("samples")(crop=64, count=1)[0]
    return x.mul(255).round().byte().permute(1, 2, 0).numpy()


def psnr8(a: np.ndarray, b: np.ndarray) -> float:
    return 10 * np.log10(255.0 ** 2 / np.mean((a.astype(float) - b) ** 2))


@pytest.mark.parametrize("name", ["heif", "jpeg", "jpeg2000"])
def test_fit_is_the_highest_quality_under_budget(name, image, tmp_path):
    cache = CodecCache(get_codec(name), root=tmp_path)
    qs = cache.codec.qualities
    sizes = {q: cache.payload_bits(cache.file(image, q)) for q in qs[:: max(1, len(qs) // 12)]}
    budget = float(np.median(list(sizes.values())))
    quality, data = cache.fit(image, budget)
    assert cache.payload_bits(data) <= budget
    nxt = qs[qs.index(quality) + 1]
    assert cache.payload_bits(cache.file(image, nxt)) > budget  # highest that fits
    rec = cache.decode(data)
    assert rec.shape == image.shape and rec.dtype == np.uint8
    assert 15.0 < psnr8(image, rec) < 60.0
    assert cache.fit(image, 8.0 * HEADER_BYTES) is None  # nothing fits in a header


def test_heif_counts_only_the_hevc_data(image, tmp_path):
    codec = get_codec("heif")
    data = CodecCache(codec, root=tmp_path).file(image, 50)
    payload = codec.payload(data)
    spans = heif_payload_spans(data)
    assert len(spans) == 4  # VPS, SPS, PPS, image data
    assert [data[a + 2] >> 1 & 0x3F for a, _ in spans[:3]] == [32, 33, 34]  # NAL types
    assert len(data) - len(payload) > 200  # the container is not sent
    # the image data the receiver decodes comes from the payload, not the template
    a, b = spans[-1]
    template = bytearray(data)
    template[a:b] = np.random.default_rng(0).integers(0, 256, b - a, dtype=np.uint8).tobytes()
    assert codec.rebuild(payload, bytes(template)) == data


def test_heif_is_444(image, tmp_path):
    data = CodecCache(get_codec("heif"), root=tmp_path).file(image, 50)
    p0, _ = codecs._find_box(data, ["meta", "iprp", "ipco", "hvcC"])
    assert data[p0 + 16] & 3 == 3  # chroma_format_idc 4:4:4


def test_cache_never_reencodes(image, tmp_path, monkeypatch):
    cache = CodecCache(get_codec("jpeg"), root=tmp_path)
    first = cache.fit(image, 20000)
    calls = []
    monkeypatch.setattr(type(cache.codec), "encode_file",
                        lambda self, img, q: calls.append(q) or b"")
    again = CodecCache(get_codec("jpeg"), root=tmp_path)  # a new process: reads the disk
    assert again.fit(image, 20000) == first and calls == []


def test_header_roundtrip():
    head = pack_header(768, 512, 42, 123456)
    assert len(head) == HEADER_BYTES and parse_header(head) == (768, 512, 42, 123456)


def test_unknown_codec_names_the_choices():
    with pytest.raises(LinksimError, match="heif"):
        get_codec("webp")


def _budget_sweep(cache: CodecCache, img: np.ndarray) -> list[float]:
    """Budgets from below the lowest to above the highest quality, between knob sizes."""
    lo = cache.payload_bits(cache.codec.encode_file(img, cache.codec.qualities[0]))
    hi = cache.payload_bits(cache.codec.encode_file(img, cache.codec.qualities[-1]))
    return [float(b) for b in np.geomspace(0.8 * lo, 1.2 * hi, 13)]


@pytest.mark.parametrize("name", [pytest.param("heif", marks=pytest.mark.slow), "jpeg"])
def test_fit_chooses_the_binary_search_knob_with_fewer_encodes(name, tmp_path):
    """The bracketed search (``fit``) against the binary search over the knob (``bisect``,
    the rate control before it) on three images and the budgets of a sweep, each from a
    cold cache: the same knob (or ``None``) for every budget, and no more encodes."""
    images = [x.mul(255).round().byte().permute(1, 2, 0).numpy()
              for x in DATASETS.get("samples")(crop=96, count=3)]
    new = CodecCache(get_codec(name), root=tmp_path / "new")
    old = CodecCache(get_codec(name), root=tmp_path / "old")
    budgets = [_budget_sweep(new, img) for img in images]
    for k in range(len(budgets[0])):       # the runner's order: one budget for every image
        for img, bs in zip(images, budgets):
            a, b = new.fit(img, bs[k]), old.bisect(img, bs[k])
            assert (a and a[0]) == (b and b[0])
    assert new.encodes <= old.encodes
    assert 0 < new.encodes


def test_fit_falls_back_to_bisect_on_a_non_monotone_rate(tmp_path):
    """A codec whose size dips at one knob: the search sees it and decides by ``bisect``."""
    class Dipping(codecs.ImageCodec):
        name = "dipping"
        qualities = tuple(range(20))

        def version(self) -> str:
            return "dipping-1"

        def encode_file(self, img: np.ndarray, quality: int) -> bytes:
            return bytes(100 * (quality + 1) if quality != 12 else 150)

    img = np.zeros((4, 4, 3), np.uint8)
    for budget in (8 * (8 + 150), 8 * (8 + 1250), 8 * (8 + 1700)):
        new = CodecCache(Dipping(), root=tmp_path / "new")
        old = CodecCache(Dipping(), root=tmp_path / "old")
        for b in (8 * (8 + 1200), budget):   # a first budget makes the dip visible
            a, c = new.fit(img, b), old.bisect(img, b)
            assert (a and a[0]) == (c and c[0])
    # at 150 bytes the highest knob that fits is the dip (12); the binary search says 0
    assert new.fit(img, 8 * (8 + 150))[0] == 0


def test_concurrent_caches_encode_each_file_once(image, tmp_path, monkeypatch):
    """Two caches on one folder (as two workers of a parallel run) asking for the same
    file at once: one encodes, the other waits for the lock and reads the file."""
    import threading
    import time

    calls = []
    real = codecs.JPEG.encode_file

    def slow_encode(self, img, q):
        calls.append(q)
        time.sleep(0.3)
        return real(self, img, q)

    monkeypatch.setattr(codecs.JPEG, "encode_file", slow_encode)
    caches = [CodecCache(get_codec("jpeg"), root=tmp_path) for _ in range(2)]
    out = [None, None]
    threads = [threading.Thread(target=lambda i=i: out.__setitem__(i, caches[i].file(image, 50)))
               for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert calls == [50] and out[0] == out[1] and sum(c.encodes for c in caches) == 1
