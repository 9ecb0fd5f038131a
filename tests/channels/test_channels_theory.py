"""Channels against closed-form theory: uncoded QAM BER on AWGN and Rayleigh fast
fading (Sionna mapper/demapper, coherent detection), and MMSE statistics."""
from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from scipy.special import erfc, exp1
from sionna.phy.mapping import BinarySource, Demapper, Mapper

from linksim.base.registry import CHANNELS
from linksim.base.seeding import seed_everything

SNRS_DB = [0.0, 5.0, 10.0, 15.0, 20.0]
NUM_BITS = 240_000


def q(x):
    return 0.5 * erfc(np.asarray(x) / math.sqrt(2.0))


def rayleigh_q(c, snr):
    """E[Q(sqrt(c |h|^2 snr))] for |h|^2 ~ Exp(1)."""
    g = c * snr / 2.0
    return 0.5 * (1.0 - math.sqrt(g / (1.0 + g)))


def ber_theory(bits_per_symbol: int, channel: str, snr_db: float) -> float:
    snr = 10 ** (snr_db / 10)
    # Gray QPSK: Q(sqrt(snr)); Gray 16-QAM: (3Q(a) + 2Q(3a) - Q(5a))/4 with a = sqrt(snr/5).
    terms = {2: [(1.0, 1.0)], 4: [(0.75, 1 / 5), (0.5, 9 / 5), (-0.25, 25 / 5)]}[bits_per_symbol]
    if channel == "awgn":
        return float(sum(w * q(math.sqrt(c * snr)) for w, c in terms))
    return float(sum(w * rayleigh_q(c, snr) for w, c in terms))


def simulate_ber(bits_per_symbol: int, channel, snr_db: float) -> float:
    bits = BinarySource()([1, NUM_BITS])
    mapper = Mapper("qam", bits_per_symbol)
    # max-log hard decisions are minimum-distance decisions, which the closed forms assume
    demapper = Demapper("maxlog", "qam", bits_per_symbol, hard_out=True)
    x = mapper(bits).to(torch.complex64)
    x_hat, csi = channel(x, snr_db)
    # unbias the equalizer output, then detect with its effective noise variance
    b_hat = demapper(x_hat / csi.gain, csi.no_eff / csi.gain.square())
    return (b_hat != bits).float().mean().item()


@pytest.mark.parametrize("bits_per_symbol", [2, 4])
@pytest.mark.parametrize("name,params", [("awgn", {}), ("awgn", {"equalizer": "mmse"}),
                                         ("rayleigh", {"fading": "fast"}),
                                         ("rayleigh", {"fading": "fast", "equalizer": "zf"})])
def test_uncoded_qam_ber_matches_closed_form(bits_per_symbol, name, params):
    seed_everything(1234)
    channel = CHANNELS.get(name)(**params)
    for snr_db in SNRS_DB:
        expected = ber_theory(bits_per_symbol, name, snr_db)
        measured = simulate_ber(bits_per_symbol, channel, snr_db)
        # 5 sigma of the binomial estimate, plus one error's worth
        tol = 5 * math.sqrt(expected * (1 - expected) / NUM_BITS) + 1.0 / NUM_BITS
        assert abs(measured - expected) <= tol, (name, params, snr_db, measured, expected)


def test_mmse_statistics_match_expectation():
    """MMSE on Rayleigh: reported no_eff is the true error power, E[SINR] = SNR,
    and the biased MSE E|x_hat - x|^2 = N0 e^{N0} E1(N0) (|h|^2 ~ Exp(1))."""
    seed_everything(7)
    n = 400_000
    x = torch.polar(torch.ones(1, n), 2 * math.pi * torch.rand(1, n)).to(torch.complex64)
    channel = CHANNELS.get("rayleigh")(fading="fast", equalizer="mmse")
    for snr_db in (0.0, 10.0, 20.0):
        no = 10 ** (-snr_db / 10)
        x_hat, csi = channel(x, snr_db)
        e = x_hat - csi.gain * x
        normalized = (e.abs().square() / csi.no_eff).mean().item()
        assert normalized == pytest.approx(1.0, abs=0.01)
        assert csi.sinr.mean().item() == pytest.approx(1 / no, rel=0.02)
        mse = (x_hat - x).abs().square().mean().item()
        assert mse == pytest.approx(no * math.exp(no) * exp1(no), rel=0.02)


def test_block_fading_is_constant_per_block():
    seed_everything(0)
    channel = CHANNELS.get("rayleigh")(fading="block", block_size=16)
    _, csi = channel(torch.ones(3, 40, dtype=torch.complex64), 10.0)
    h = csi.h
    assert torch.equal(h[:, :16], h[:, :1].expand(3, 16))
    assert torch.equal(h[:, 32:], h[:, 32:33].expand(3, 8))
    assert not torch.equal(h[:, 0], h[:, 16])
    _, csi = CHANNELS.get("rayleigh")()(torch.ones(3, 40, dtype=torch.complex64), 10.0)
    assert torch.equal(csi.h, csi.h[:, :1].expand(3, 40))


@pytest.mark.parametrize("equalizer", ["mmse", "zf"])
def test_effective_csi_snr_is_the_realized_fade(equalizer):
    """csi_snr="effective" reports SNR_dB + 10 log10|h|^2 under one fade per example, the
    unbiased post-equalization SNR of either equalizer; "average" reports the nominal SNR."""
    seed_everything(3)
    x = torch.polar(torch.ones(64, 256), torch.rand(64, 256) * 6.283)
    snr = torch.linspace(-5.0, 25.0, 64)
    _, avg = CHANNELS.get("rayleigh")(fading="block", equalizer=equalizer)(x, snr)
    assert torch.equal(avg.snr_db, snr)
    _, eff = CHANNELS.get("rayleigh")(fading="block", equalizer=equalizer,
                                      csi_snr="effective")(x, snr)
    fade_db = 10 * torch.log10(eff.h[:, 0].abs().square())
    torch.testing.assert_close(eff.snr_db, snr + fade_db, rtol=0, atol=1e-3)


def test_effective_csi_snr_of_fast_fading_is_the_average():
    seed_everything(4)
    x = torch.polar(torch.ones(8, 200_000), torch.rand(8, 200_000) * 6.283)
    _, csi = CHANNELS.get("rayleigh")(fading="fast", equalizer="zf", csi_snr="effective")(x, 10.0)
    # mean |h|^2 over 2e5 symbols: 1 ± 0.01 (3 sigma), i.e. within 0.05 dB
    torch.testing.assert_close(csi.snr_db, torch.full((8,), 10.0), rtol=0, atol=0.05)


def test_draw_any_rank_and_per_example_generators():
    """[B, K, M] gains for a MISO downlink; example b depends on its own generator only."""
    from linksim.base.seeding import generator

    ch = CHANNELS.get("rayleigh")(fading="fast")
    gens = [generator(0, b) for b in range(3)]
    real = ch.draw((3, 4, 64), "cpu", gens)
    assert real.h.shape == (3, 4, 64) and real.w.shape == (3, 4, 64)
    again = ch.draw((2, 4, 64), "cpu", [generator(0, 1), generator(0, 2)])
    assert torch.equal(real.h[1:], again.h) and torch.equal(real.w[1:], again.w)
    big = ch.draw((200, 8, 64), "cpu", [generator(1, b) for b in range(200)]).h
    assert big.abs().square().mean().item() == pytest.approx(1.0, abs=0.02)
    assert big.mean().abs().item() < 0.02


def test_link_state_is_the_csi_of_what_is_sent_and_snr_only_scales_noise():
    from linksim.channels.base import Link

    ch = CHANNELS.get("rayleigh")(fading="block", equalizer="mmse")
    x = torch.ones(2, 16, dtype=torch.complex64)
    a, b = Link(ch, 5.0, 2, [1, 2], (16,)), Link(ch, 25.0, 2, [1, 2], (16,))
    ya, csi = a(x)
    assert torch.allclose(a.state(16).sinr, csi.sinr)
    assert torch.equal(a.realization(16).h, b.realization(16).h)
    raw_a = _raw(ch, x, a, 5.0)
    raw_b = _raw(ch, x, b, 25.0)
    h = a.realization(16).h
    assert torch.allclose((raw_a - h * x) / (raw_b - h * x), torch.full_like(raw_a, 10.0))
    assert torch.allclose(a.state(10).gain, csi.gain[:, :10])   # a prefix of the budget


def _raw(ch, x, link, snr_db):
    from linksim.channels.base import snr_db_to_no

    return ch.apply(x, link.realization(x.shape[1]), snr_db_to_no(torch.full((2,), snr_db)))


@pytest.mark.parametrize("equalizer", ["mmse", "zf"])
def test_awgn_with_an_equalizer_is_rayleigh_with_unit_gain(equalizer):
    """AWGN's receiver with an equalizer is the Rayleigh receiver at h = 1, same draws;
    MMSE then gives y / (1 + N0) and keeps the unbiased SINR 1 / N0."""
    from linksim.channels.base import Realization, snr_db_to_no
    from linksim.base.seeding import generator

    x = torch.polar(torch.ones(2, 64), torch.rand(2, 64) * 6.283)
    snr = torch.tensor([0.0, 10.0])
    awgn, rayleigh = CHANNELS.get("awgn"), CHANNELS.get("rayleigh")(equalizer=equalizer)
    real = awgn().draw((2, 64), "cpu", [generator(5, b) for b in range(2)])
    plain, plain_csi = awgn().receive(awgn.apply(x, real, snr_db_to_no(snr)), real, snr)
    y, csi = awgn(equalizer=equalizer)(x, snr, real)
    unit = Realization(h=torch.ones_like(x), w=real.w)
    y_ray, csi_ray = rayleigh.receive(rayleigh.apply(x, unit, snr_db_to_no(snr)), unit, snr)
    torch.testing.assert_close(y, y_ray)
    torch.testing.assert_close(csi.gain, csi_ray.gain)
    torch.testing.assert_close(csi.no_eff, csi_ray.no_eff)
    torch.testing.assert_close(csi.sinr, plain_csi.sinr)
    shrink = 1.0 / (1.0 + snr_db_to_no(snr))[:, None] if equalizer == "mmse" else 1.0
    torch.testing.assert_close(y, plain * shrink)


def rician_qpsk_ber(k: float, snr_db: float) -> float:
    r"""Gray QPSK over Rician fading, coherent detection: :math:`E[Q(\sqrt{|h|^2 \gamma})]`
    by the MGF of :math:`|h|^2` (Simon & Alouini, eq. 5.12 with the Rician MGF 2.17)."""
    from scipy.integrate import quad

    g = 10 ** (snr_db / 10)

    def mgf(s):
        return (1 + k) / (1 + k - s * g) * math.exp(k * s * g / (1 + k - s * g))

    return quad(lambda t: mgf(-1.0 / (2.0 * math.sin(t) ** 2)), 0.0, math.pi / 2)[0] / math.pi


@pytest.mark.parametrize("k_factor", [0.0, 2.0, 10.0])
def test_rician_qpsk_ber_with_mmse_matches_closed_form(k_factor):
    seed_everything(99)
    channel = CHANNELS.get("rician")(k_factor=k_factor, los_phase=0.7, fading="fast",
                                      equalizer="mmse")
    for snr_db in (0.0, 10.0, 20.0):
        expected = rician_qpsk_ber(k_factor, snr_db)
        measured = simulate_ber(2, channel, snr_db)
        tol = 5 * math.sqrt(expected * (1 - expected) / NUM_BITS) + 1.0 / NUM_BITS
        assert abs(measured - expected) <= tol, (k_factor, snr_db, measured, expected)


def test_rician_with_k_zero_is_rayleigh_and_keeps_unit_power():
    from linksim.base.seeding import generator

    gens = lambda: [generator(3, b) for b in range(4)]  # noqa: E731
    ray = CHANNELS.get("rayleigh")(fading="fast").draw((4, 512), "cpu", gens())
    ric = CHANNELS.get("rician")(k_factor=0.0, fading="fast").draw((4, 512), "cpu", gens())
    torch.testing.assert_close(ric.h, ray.h, rtol=0, atol=0)
    h = CHANNELS.get("rician")(k_factor=10.0, los_phase=1.0, fading="fast").draw(
        (200, 1000), "cpu", [generator(4, b) for b in range(200)]).h
    assert h.abs().square().mean().item() == pytest.approx(1.0, abs=0.01)
    # the LoS part: E[h] = sqrt(K/(K+1)) e^{j phi}
    assert h.mean().real.item() == pytest.approx(math.sqrt(10 / 11) * math.cos(1.0), abs=0.01)
    assert h.mean().imag.item() == pytest.approx(math.sqrt(10 / 11) * math.sin(1.0), abs=0.01)


def test_complex_normal_draws_what_sionna_draws():
    """The channel library draws CN(0, 1) without importing Sionna, bit for bit as Sionna's
    eager-mode complex_normal (so committed records keep their draws)."""
    from sionna.phy.utils import complex_normal as sionna_complex_normal

    from linksim.channels.base import complex_normal

    for shape in [(1,), (15,), (16,), (3, 100)]:
        for seed in range(3):
            ours = complex_normal(shape, "cpu", torch.Generator().manual_seed(seed))
            theirs = sionna_complex_normal(shape, precision="single", device="cpu",
                                           generator=torch.Generator().manual_seed(seed))
            assert ours.dtype == theirs.dtype and torch.equal(ours, theirs)
