"""Image codecs of the separated baseline: rate control, counted bits, cache."""
from __future__ import annotations

import numpy as np
import pytest

from linksim.baselines.image.separated import codecs
from linksim.baselines.image.separated.codecs import (HEADER_BYTES, CodecCache, get_codec, heif_payload_spans,
                                        pack_header, parse_header)
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
