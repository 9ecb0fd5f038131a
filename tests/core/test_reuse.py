"""Reusing sent signals across grid points (System.transmitter_axes, core.reuse): the
records are those of a run that recomputes every transmission, value for value."""
from __future__ import annotations

import json
from dataclasses import asdict

import pytest
import torch

from linksim.base.registry import SYSTEMS
from linksim.channels.awgn import AWGN
from linksim.channels.base import Link
from linksim.core.reuse import SentCache, nbytes
from linksim.core.runner import Runner
from linksim.core.worker import PointWorker
from linksim.errors import LinksimError
from linksim.scenario import load_scenario

# two channels, two SNRs, two repeats: every reused signal crosses SNRs, channels and
# repeats (adaptive encoders: test_declared_snr_free_encoders_send_the_same_at_every_snr)
TINY = """
name = "reuse"
seed = 3
[source]
dataset = "samples"
crop = 16
count = 3
[sweep]
snr_db = [0, 10]
cbr = ["1/8"]
[[channels]]
name = "awgn"
[[channels]]
name = "rayleigh"
fading = "fast"
[[systems]]
name = "uncoded"
[[systems]]
name = "deepjscc"
label = "deepjscc"
random_weights = true
[[systems]]
name = "mambajscc"
label = "w/o CA"
config = "small"
adaptation = "none"
random_weights = true
[[systems]]
name = "swinjscc"
label = "w/ SA"
config = "small"
random_weights = true
[stop]
batch_size = 2
repeats = 2
"""
VOLATILE = ("wall_time_s", "host")


def stable(records):
    return [json.dumps({k: v for k, v in asdict(r).items() if k not in VOLATILE},
                       sort_keys=True) for r in records]


def run(sc, out, reuse):
    runner = Runner(sc, output=out)
    runner.worker = PointWorker(sc, reuse=reuse)
    records = runner.run()
    assert not runner.failed
    return runner, records


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("reuse")
    (tmp / "tiny.toml").write_text(TINY)
    return load_scenario(tmp / "tiny.toml"), tmp


def test_reuse_gives_the_records_of_recomputing(tiny):
    sc, tmp = tiny
    off_runner, off = run(sc, tmp / "off", reuse=False)
    on_runner, on = run(sc, tmp / "on", reuse=True)
    assert len(on) == 2 * 2 * 4 and stable(on) == stable(off)
    for a, b in zip(on, off):  # the per-item values themselves, exactly
        assert a.values == b.values and a.extra == b.extra
    # 4 systems with SNR-free sending x 2 batches: sent once, then reused at the other 3
    # points (SNR x channel) and every second repeat; nothing is kept with reuse off
    assert (on_runner.worker.sent.misses, on_runner.worker.sent.hits) == (8, 24)
    assert off_runner.worker.sent.hits == 0


def test_systems_declare_what_their_transmitter_reads(tiny):
    sc, _ = tiny
    worker = PointWorker(sc)
    declared = {p.system.label: worker.system(p).transmitter_axes()
                for p in Runner(sc).points()}
    assert declared == {"uncoded": ("cbr",), "deepjscc": ("cbr",), "w/o CA": ("cbr",),
                        "w/ SA": ("cbr",)}


def test_declared_snr_free_encoders_send_the_same_at_every_snr():
    """What the declaration promises, checked on the networks themselves: what is sent at
    0 and 20 dB is equal for every system that declares its axes, and differs for one that
    does not; the symbols on air differ for every encoder that adapts to the SNR (SwinJSCC's
    Channel ModNet runs after its SNR-free body, in ``receive``)."""
    x = torch.rand(1, 3, 16, 16)
    channel = AWGN()
    for name, kw, free, adaptive in [
            ("deepjscc", {}, True, False),
            ("mambajscc", {"config": "small", "adaptation": "none"}, True, False),
            ("mambajscc", {"config": "small"}, False, True),
            ("swinjscc", {"config": "small", "adaptation": "none"}, True, False),
            ("swinjscc", {"config": "small"}, True, True),
            ("adjscc", {"config": "small"}, False, True)]:
        torch.manual_seed(0)
        system = SYSTEMS.get(name, "image")(cbr=1 / 8, random_weights=True, **kw).eval()
        with torch.no_grad():
            s0, s20 = (system.send(x, Link(channel, snr, 1))[0] for snr in (0.0, 20.0))
            z0, z20 = (system.encode(x, torch.tensor([snr])) for snr in (0.0, 20.0))
        assert (system.transmitter_axes() is not None) == free
        assert torch.equal(s0, s20) == free, (name, kw)
        assert torch.equal(z0, z20) != adaptive, (name, kw)


def test_a_declaration_naming_no_axis_is_an_error(tiny, monkeypatch):
    sc, _ = tiny
    worker = PointWorker(sc)
    point = Runner(sc).points()[0]
    system = worker.system(point)
    monkeypatch.setattr(type(system), "transmitter_axes", lambda self: ("bandwidth",))
    with pytest.raises(LinksimError, match="not an axis of task 'image'"):
        worker.reused_key(point, system)


def test_the_cache_keeps_what_fits_and_drops_the_oldest():
    a, b = torch.zeros(256), torch.zeros(256)  # 1 KiB each
    cache = SentCache(limit=1500)
    assert cache.get("a", lambda: a) is a and cache.get("a", lambda: b) is a
    assert cache.get("b", lambda: b) is b  # "a" goes: both do not fit
    assert cache.get("a", lambda: b) is b and (cache.hits, cache.misses) == (1, 3)
    assert nbytes((a, {"x": [b]}, (3, 4))) == 2048
    off = SentCache(limit=0)
    assert off.get("a", lambda: a) is a and off.get("a", lambda: b) is b
