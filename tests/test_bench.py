"""Complexity counts against closed forms (DeepJSCC: convolutions are all its MACs)."""
from __future__ import annotations

import pytest

from linksim.bench import bench
from linksim.base.registry import SYSTEMS


def conv_macs(chans, strides, size):
    """Closed-form MACs of 5x5 'same' convs (+ one add per output for the bias, as ptflops)."""
    total, side = 0, size
    for cin, cout, s in zip(chans[:-1], chans[1:], strides):
        side //= s
        total += (25 * cin * cout + cout) * side * side
    return total


@pytest.mark.parametrize("size", [32, 48])
def test_deepjscc_params_and_macs(size):
    r = bench("deepjscc", cbr=1 / 16, size=size, repeats=1)
    system = SYSTEMS.get("deepjscc")(cbr=1 / 16)
    assert r["params"] == sum(p.numel() for p in system.parameters())
    enc = conv_macs([3, 16, 32, 32, 32, 6], [2, 2, 1, 1, 1], size)
    assert r["encoder_macs"] == enc
    # the decoder mirrors the encoder: a transposed conv costs what its forward conv costs,
    # with the bias added at its (larger) output
    s4 = (size // 4) ** 2
    dec = (25 * 6 * 32 + 32 + 2 * (25 * 32 * 32 + 32)) * s4 + (25 * 32 * 16) * s4 \
        + 16 * 4 * s4 + 25 * 16 * 3 * 4 * s4 + 3 * 16 * s4
    assert r["decoder_macs"] == dec and r["macs"] == enc + dec
    assert r["latency_ms"] > 0


def test_systems_without_weights_have_zero_params():
    r = bench("uncoded", cbr=1 / 4, size=16, repeats=1)
    assert r["params"] == 0 and r["macs"] == 0 and r["latency_ms"] > 0
