"""The peer JSCC systems (ADJSCC, SwinJSCC) against MambaJSCC.

- the link contract: exact channel uses, unit power, output shape and range;
- MambaJSCC vs SwinJSCC w/ SA at equal depth and the ``paper`` widths: MambaJSCC is the
  lighter one, by the ratios of MambaJSCC's Table I (51% of the parameters, 72% of the MACs)."""
from __future__ import annotations

import pytest
import torch

from linksim.bench import bench
from linksim.base.registry import CHANNELS, SYSTEMS
from linksim.tasks.image.system import num_channel_uses
from linksim.channels.base import Link

# MambaJSCC Table I (DIV2K, 256 x 256, CBR 1/48): MACs (G) and parameters (M)
TABLE_I = {"mambajscc": (25.76, 14.54), "swinjscc": (35.54, 28.24)}
SIZE = 32  # MACs of these patch models scale with the pixel count; 32 x 32 keeps the test fast


TINY = {"adjscc": {"width": 8, "kernel": 3, "first_kernel": 5, "reduction": 4},
        "swinjscc": {"dims": (8, 16), "depths": (2, 2), "patch": 2, "head_dim": 4, "window": 4}}


@pytest.mark.parametrize("name", sorted(TINY))
@pytest.mark.parametrize("cbr", [1 / 16, 1 / 48])
@pytest.mark.parametrize("size", [(16, 16), (12, 20)])  # (12, 20): padded to multiples of 4
def test_link_contract(name, cbr, size):
    torch.manual_seed(0)
    m = SYSTEMS.get(name)(cbr=cbr, config=TINY[name])
    x = torch.rand(2, 3, *size)
    z = m.encode(x, torch.tensor([0.0, 10.0]))
    assert z.dtype == torch.complex64 and z.shape == (2, num_channel_uses(cbr, x.shape))
    torch.testing.assert_close(z.abs().square().mean(1), torch.ones(2))
    x_hat, _ = m.transmit(x, Link(CHANNELS.get("awgn")(), 10.0, len(x)))
    assert x_hat.shape == x.shape and 0 <= x_hat.min() and x_hat.max() <= 1


@pytest.fixture(scope="module")
def measured():
    threads = torch.get_num_threads()  # one thread: much faster on a busy machine
    try:
        return {name: bench(name, cbr=1 / 48, size=SIZE, config="paper", repeats=1, threads=1)
                for name in TABLE_I}
    finally:
        torch.set_num_threads(threads)


def test_mambajscc_is_lighter_than_swinjscc_by_the_published_ratios(measured):
    mamba, swin = measured["mambajscc"], measured["swinjscc"]
    assert swin["config"]["adaptation"] == "modnet" and swin["config"]["depths"] == (2, 2, 6, 2)
    param_ratio = mamba["params"] / swin["params"]
    mac_ratio = mamba["macs"] / swin["macs"]
    assert param_ratio < 1 and mac_ratio < 1
    # published: 14.54 / 28.24 = 0.515 and 25.76 / 35.54 = 0.725
    assert param_ratio == pytest.approx(TABLE_I["mambajscc"][1] / TABLE_I["swinjscc"][1], abs=0.01)
    assert mac_ratio == pytest.approx(TABLE_I["mambajscc"][0] / TABLE_I["swinjscc"][0], abs=0.01)


@pytest.mark.parametrize("name", sorted(TABLE_I))
def test_absolute_counts_match_table_1(measured, name):
    gmacs, mparams = TABLE_I[name]
    assert measured[name]["params"] / 1e6 == pytest.approx(mparams, rel=0.005)
    assert measured[name]["macs"] * (256 / SIZE) ** 2 / 1e9 == pytest.approx(gmacs, rel=0.01)
