"""Bit-true CRC + 5G LDPC + QAM chain and the physical-layer abstraction."""
from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from linksim.phy.abstraction import (BlerTable, _read, PACKAGED, bicm_mi,
                                             effective_snr_db, isolated_rng, shannon_snr_db,
                                             simulate_table, table_store)
from linksim.phy.mcs import MCS_TABLE, get_mcs
from linksim.phy.bicm import CRC_BITS, K_MAX, BitTrueLink, CodeBlocks
from linksim.channels.awgn import AWGN
from linksim.errors import LinksimError


def block_errors(link: BitTrueLink, snr_db: float, blocks: int) -> int:
    bits = torch.randint(0, 2, (blocks, 1, link.blocks.k - CRC_BITS)).float()
    y, csi = AWGN()(link.modulate(bits), snr_db)
    bits_hat, ok = link.receive(y, csi)
    assert torch.equal(bits_hat[ok], bits[ok])  # CRC-passing blocks are error-free
    return int((~ok).sum())


@pytest.mark.slow
def test_bler_waterfall_qpsk_half_rate():
    """Rate-1/2 QPSK, k = 4096: Shannon limit Es/N0 = 0 dB (eta = 1 bit/use).
    BLER <= 2% at 1.5 dB (0 or 1 error in 100 blocks; published 5G NR BG1 curves
    reach 1e-2 about 1.2-1.5 dB above the limit at this length) and ~1 at 0.5 dB."""
    entry = get_mcs("qpsk-1/2")
    link = BitTrueLink(CodeBlocks(entry, 4096, 1, 4096, 8192))
    assert shannon_snr_db(entry.efficiency) == pytest.approx(0.0)
    with isolated_rng(11), torch.no_grad():
        assert block_errors(link, 1.5, 100) <= 2
        assert block_errors(link, 0.5, 20) >= 18


def test_noiseless_roundtrip_and_early_stop():
    blocks = CodeBlocks.plan(600, get_mcs("16qam-1/2"))
    link = BitTrueLink(blocks)
    bits = torch.randint(0, 2, (2, blocks.num_blocks, blocks.k - CRC_BITS)).float()
    x = link.modulate(bits)
    assert x.shape == (2, 600) and x.abs().square().mean().item() == pytest.approx(1, abs=0.1)
    y, csi = AWGN()(x, 40.0)
    bits_hat, ok = link.receive(y, csi)
    assert ok.all() and torch.equal(bits_hat, bits)
    assert link.iterations == link.check_every * ok.numel()  # stopped at the first check


@pytest.mark.parametrize("n_cu", [3072, 24576, 73728])
def test_plan_fits_the_channel(n_cu):
    for entry in MCS_TABLE:
        b = CodeBlocks.plan(n_cu, entry)
        assert b.num_blocks * b.n <= n_cu * entry.num_bits_per_symbol
        assert b.k <= K_MAX and b.n % entry.num_bits_per_symbol == 0
        assert b.k / b.n == pytest.approx(float(entry.rate), abs=2e-3)
        # at most one block's worth of channel uses is left unused
        assert n_cu * entry.num_bits_per_symbol - b.num_blocks * b.n < b.num_blocks * 6


def test_plan_too_small_is_an_error():
    with pytest.raises(LinksimError, match="cbr"):
        CodeBlocks.plan(20, MCS_TABLE[0])


@pytest.mark.slow
def test_bicm_mi_against_closed_forms():
    snr = 10.0 ** (np.array([-10.0, 0.0, 10.0]) / 10)
    for m in (2, 4, 6):
        mi = np.interp(10 * np.log10(snr), *_mi(m))
        assert np.all(mi <= np.log2(1 + snr) + 0.01)  # Gaussian-input capacity bounds it
        # low SNR: QPSK reaches capacity; Gray BICM 16/64-QAM lose a part of it (wideband
        # loss of BICM, Martinez et al. 2008: 16-QAM keeps ~80%)
        ratio = mi[0] / np.log2(1 + snr[0])
        assert ratio == pytest.approx(1.0, abs=0.05) if m == 2 else 0.6 < ratio < 0.9
        assert bicm_mi(m)[-1] == pytest.approx(m)
    # QPSK (Gray) is two BPSK channels at the same Es/N0; BPSK MI at 0 dB is 0.486 bit
    assert np.interp(0.0, *_mi(2)) == pytest.approx(2 * 0.486, abs=0.02)


def _mi(m: int):
    from linksim.phy.abstraction import MI_SNR_DB
    return MI_SNR_DB, bicm_mi(m)


def test_effective_snr_mapping():
    flat = np.full((3, 50), 10 ** 0.8)
    assert effective_snr_db(flat, 4) == pytest.approx(8.0, abs=0.05)
    mixed = np.array([[0.1, 1000.0]])  # -10 dB and 30 dB: between, below the mean in dB
    eff = effective_snr_db(mixed, 2)[0]
    assert -10 < eff < 10


def test_table_lookup_edges():
    t = BlerTable(1, 100, 200, [0.0, 1.0, 2.0], [20, 10, 0], [20, 100, 200])
    b = t(np.array([-5.0, 0.0, 1.0, 1.5, 2.0, 9.0]))
    assert b[0] == 1.0 and b[1] == 1.0 and b[2] == pytest.approx(0.1)
    assert 0.0 < b[3] < 0.1 and b[4] == 0.0 and b[5] == 0.0
    assert np.all(np.diff(b) <= 0)


def test_shipped_table_matches_bit_true():
    """Re-simulate a shipped table's waterfall point with another seed: the block
    errors agree within a 99% binomial interval."""
    table = _read(PACKAGED)["mcs1-k3072-n6144"]
    i = int(np.argmin(np.abs(table.bler - 0.3)))
    p, snr = table.bler[i], table.snr_db[i]
    entry = MCS_TABLE[table.mcs]
    link = BitTrueLink(CodeBlocks(entry, table.n // 2, 1, table.k, table.n))
    blocks = 60
    with isolated_rng(99), torch.no_grad():
        errors = block_errors(link, snr, blocks)
    sd = math.sqrt(blocks * p * (1 - p) + table.blocks[i] * p * (1 - p) * (blocks / table.blocks[i]) ** 2)
    assert abs(errors - blocks * p) <= 2.58 * sd + 1


def test_store_uses_shipped_tables_without_simulating(monkeypatch):
    import linksim.phy.abstraction as ab
    monkeypatch.setattr(ab, "simulate_table", lambda *a, **k: pytest.fail("simulated"))
    for key in _read(PACKAGED):
        mcs, k, n = (int(part[len(tag):]) for part, tag in zip(key.split("-"), ("mcs", "k", "n")))
        assert table_store().get(mcs, k, n).key == key


def test_simulate_table_small():
    """A tiny table from scratch: BLER falls from 1 to 0 within a few dB above the limit."""
    with torch.no_grad():
        t = simulate_table(0, 200, 600, max_blocks=20)
    assert t.errors[0] == t.blocks[0] and t.errors[-1] == 0
    assert shannon_snr_db(2 * 200 / 600) <= t.snr_db[-1] <= shannon_snr_db(2 * 200 / 600) + 5


def test_mcs_table_lookup():
    assert get_mcs("16qam-3/4") is MCS_TABLE[5] and get_mcs(5).efficiency == 3.0
    assert [e.efficiency for e in MCS_TABLE] == sorted(e.efficiency for e in MCS_TABLE)
    with pytest.raises(LinksimError, match="best"):
        get_mcs("256qam-1/2")


def test_shared_link_is_one_chain_per_plan():
    from linksim.phy.bicm import shared_link
    plan = CodeBlocks.plan(600, get_mcs("16qam-1/2"))
    assert shared_link(plan) is shared_link(CodeBlocks.plan(600, get_mcs("16qam-1/2")), num_iter=20)
    assert shared_link(plan, num_iter=8) is not shared_link(plan)
    assert shared_link(plan, num_iter=8).num_iter == 8
