"""The registered systems ``separated`` and ``ideal`` end to end."""
from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from linksim.phy.mcs import MCS_TABLE
from linksim.baselines.image.separated.system import Separated, codec_cache, to_uint8
from linksim.channels.base import Link
from linksim.errors import LinksimError
from linksim.tasks.image.metrics import psnr
from linksim.base.registry import CHANNELS, DATASETS, SYSTEMS
from linksim.base.seeding import seed_everything

CBR = 1 / 4  # 64x64 RGB -> 3072 channel uses; QPSK-1/2 -> one block, k = 3072 (shipped table)


@pytest.fixture(scope="module")
def images() -> torch.Tensor:
    data = DATASETS.get("samples")(crop=64, count=7)
    return torch.stack([data[i] for i in range(len(data))])


@pytest.fixture(scope="module")
def awgn():
    return CHANNELS.get("awgn")()


def separated(mode: str, mcs: int = 1) -> Separated:
    return SYSTEMS.get("separated", "image")(cbr=CBR, mcs=mcs, mode=mode, codec="heif")


def test_param_grid_expands_best():
    grid = Separated.param_grid({"codec": "heif"})
    assert [g["mcs"] for g in grid] == list(range(len(MCS_TABLE)))
    assert all(g["codec"] == "heif" for g in grid)
    assert Separated.param_grid({"mcs": 3}) == [{"mcs": 3}]
    assert Separated.envelope == "mcs"


def test_bad_params_name_the_fix():
    with pytest.raises(LinksimError, match="param_grid"):
        Separated(cbr=CBR, mcs="best")
    with pytest.raises(LinksimError, match="bit_true"):
        Separated(cbr=CBR, mcs=1, mode="fast")
    with pytest.raises(LinksimError, match="grey"):
        Separated(cbr=CBR, mcs=1, fallback="black")


def test_high_snr_is_bit_exact_to_the_codec(images, awgn):
    system = separated("bit_true")
    budget = system.blocks(tuple(images.shape[1:])).payload_bits
    seed_everything(0)
    x_hat, extra = system.transmit(images, Link(awgn, 10.0, len(images)))
    assert extra["lost"].sum() == 0
    assert torch.all(extra["bits_used"] <= budget) and torch.all(extra["bits_used"] > 0.8 * budget)
    cache = codec_cache("heif")
    for img, out in zip(to_uint8(images), to_uint8(x_hat)):
        _, data = cache.fit(img, budget)
        assert np.array_equal(out, cache.decode(data))


@pytest.mark.parametrize("mode", ["bit_true", "abstracted"])
def test_far_below_threshold_falls_back(images, awgn, mode):
    seed_everything(0)
    x_hat, extra = separated(mode).transmit(images, Link(awgn, -5.0, len(images)))
    assert torch.all(extra["lost"] == 1)
    assert torch.all(x_hat == 0.5)


def test_abstracted_matches_bit_true_in_the_waterfall(images, awgn):
    """Mean PSNR and loss rate of the two modes agree within their 95% confidence
    intervals at SNRs below, inside and above the QPSK-1/2 waterfall."""
    x = images.repeat(4, 1, 1, 1)  # 28 images, new noise for each
    saw_partial = False
    for snr in (1.0, 1.25, 3.0):
        out = {}
        for mode in ("abstracted", "bit_true"):
            seed_everything(7)
            x_hat, extra = separated(mode).transmit(x, Link(awgn, snr, len(x)))
            out[mode] = (psnr(x, x_hat).numpy(), extra["lost"].numpy())
        for i in range(2):
            a, b = out["abstracted"][i], out["bit_true"][i]
            half = 1.96 * math.sqrt(a.var(ddof=1) / a.size + b.var(ddof=1) / b.size)
            assert abs(a.mean() - b.mean()) <= half + 1e-9, (snr, i, a.mean(), b.mean())
        saw_partial |= 0 < out["bit_true"][1].mean() < 1
    assert saw_partial  # the grid did cross the waterfall


def test_ideal_sends_capacity_and_bounds_separated(images, awgn):
    ideal = SYSTEMS.get("ideal", "image")(cbr=CBR, codec="heif")
    n = 3 * 64 * 64 * CBR
    for snr in (0.0, 10.0):
        seed_everything(0)
        x_hat, extra = ideal.transmit(images, Link(awgn, snr, len(images)))
        capacity = n * math.log2(1 + 10 ** (snr / 10))
        assert torch.all(extra["bits_used"] <= capacity)
        assert torch.all(extra["bits_used"] >= 0.85 * capacity)  # the knob is fine enough
        assert extra["lost"].sum() == 0
    seed_everything(0)
    sep_hat, _ = separated("abstracted").transmit(images, Link(awgn, 10.0, len(images)))
    assert psnr(images, x_hat).mean() > psnr(images, sep_hat).mean()


def test_runs_from_a_scenario(tmp_path):
    from linksim.core.runner import Runner
    from linksim.scenario import load_scenario

    path = tmp_path / "sep.toml"
    path.write_text("""
name = "sep"
seed = 1
output = "out"
[source]
dataset = "samples"
crop = 64
count = 2
[sweep]
snr_db = [-5, 10]
cbr = ["1/4"]
[[channels]]
name = "awgn"
[[systems]]
name = "separated"
mcs = "qpsk-1/2"
codec = "heif"
[[systems]]
name = "ideal"
codec = "heif"
[metrics]
names = ["psnr"]
[stop]
max_items = 2
batch_size = 2
""")
    records = Runner(load_scenario(path), output=tmp_path / "out").run()
    sep = {r.axes["snr_db"]: r for r in records if r.system == "separated"}
    lost = {snr: r.extra["lost"]["sum"] / r.extra["lost"]["count"] for snr, r in sep.items()}
    assert lost == {-5.0: 1.0, 10.0: 0.0}
    assert sep[10.0].envelope == "mcs" and sep[10.0].provenance["codec"] == "heif"
