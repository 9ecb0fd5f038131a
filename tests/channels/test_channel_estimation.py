"""Pilot-based LMMSE channel estimation (linksim/channels/estimation.py): the error
variance against 1/(1 + pilot SNR), orthogonality, conversions, common random numbers."""
from __future__ import annotations

import math

import pytest
import torch

from linksim.channels.estimation import error_variance, lmmse_estimate, pilot_snr_db
from linksim.errors import LinksimError


def unit_gains(n: int, seed: int = 0) -> torch.Tensor:
    gen = torch.Generator().manual_seed(seed)
    return torch.randn(4, n, dtype=torch.complex128, generator=gen)


@pytest.mark.parametrize("eps2", [0.01, 0.1, 0.3])
def test_error_variance_and_orthogonality_match_the_lmmse_theory(eps2):
    """E|g_hat - g|^2 = eps2, E|g_hat|^2 = 1 - eps2 and E[g_hat^* (g - g_hat)] = 0, each within
    5 standard errors of 200k draws."""
    g = unit_gains(50_000)
    gens = [torch.Generator().manual_seed(100 + i) for i in range(4)]  # not g's seed
    g_hat = lmmse_estimate(g, eps2, gens)
    err = (g_hat - g).flatten()
    n = err.numel()
    e2 = err.abs().square()
    assert abs(float(e2.mean()) - eps2) < 5 * float(e2.std()) / math.sqrt(n)
    p = g_hat.flatten().abs().square()
    assert abs(float(p.mean()) - (1 - eps2)) < 5 * float(p.std()) / math.sqrt(n)
    cross = (g_hat.flatten().conj() * (g.flatten() - g_hat.flatten()))
    assert abs(complex(cross.mean())) < 5 * float(cross.abs().std()) / math.sqrt(n)


def test_pilot_snr_and_error_variance_convert_both_ways():
    assert error_variance(0.0) == pytest.approx(0.5)
    assert error_variance(20.0) == pytest.approx(1 / 101)
    for eps2 in (0.01, 0.1, 0.3, 0.9):
        assert error_variance(pilot_snr_db(eps2)) == pytest.approx(eps2)
    assert pilot_snr_db(0.0) == math.inf


def test_perfect_csi_returns_the_channel_and_the_pilots_are_per_example():
    g = unit_gains(8)
    assert lmmse_estimate(g, 0.0) is g
    a = lmmse_estimate(g, 0.1, [torch.Generator().manual_seed(s) for s in (1, 2, 3, 4)])
    b = lmmse_estimate(g[1:3], 0.1, [torch.Generator().manual_seed(s) for s in (2, 3)])
    assert torch.equal(a[1:3], b)                 # example b depends on its own generator
    c = lmmse_estimate(g, 0.1, [torch.Generator().manual_seed(s) for s in (5, 6, 7, 8)])
    assert not torch.equal(a, c)


@pytest.mark.parametrize("bad", [-0.1, 1.0, 2.0, float("nan"), True])
def test_bad_error_variance_is_a_linksim_error(bad):
    with pytest.raises(LinksimError, match="csi_error"):
        lmmse_estimate(unit_gains(2), bad)
