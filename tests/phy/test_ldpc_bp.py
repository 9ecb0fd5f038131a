"""The degree-grouped BP decoder against Sionna's ``LDPC5GDecoder`` (the same algorithm)."""
from __future__ import annotations

import math

import pytest
import torch

from linksim.base.stats import ci95_half_width
from linksim.channels.awgn import AWGN
from linksim.phy.abstraction import isolated_rng, shannon_snr_db
from linksim.phy.bicm import CRC_BITS, BitTrueLink, CodeBlocks
from linksim.phy.ldpc_bp import DegreeGroupedBP
from linksim.phy.mcs import get_mcs


@pytest.fixture(autouse=True)
def one_thread():
    """One torch thread, as a sweep's worker runs (small per-node ops are several times
    slower on two contended threads)."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def _link(name: str, n: int, **kw) -> BitTrueLink:
    mcs = get_mcs(name)
    return BitTrueLink(CodeBlocks(mcs, n // mcs.num_bits_per_symbol, 1,
                                  math.floor(n * float(mcs.rate)), n), **kw)


def _llrs(link: BitTrueLink, snr_db: float, blocks: int) -> tuple[torch.Tensor, torch.Tensor]:
    bits = torch.randint(0, 2, (blocks, 1, link.blocks.k - CRC_BITS)).float()
    y, csi = AWGN()(link.modulate(bits), snr_db)
    return bits, link.llrs(y, csi)


def test_soft_outputs_equal_sionna_within_float_tolerance():
    """After 1, 2 and 3 iterations the soft information bits (logits) equal those of Sionna's
    decoder up to float32 rounding (the order of additions differs); also with punctured,
    filler and shortened bits (k = 600 on base graph 2)."""
    from sionna.phy.fec.ldpc import LDPC5GDecoder

    link = _link("qpsk-1/2", 1200)
    soft = LDPC5GDecoder(link.encoder, hard_out=False, return_infobits=True)
    bp = link.decoder
    assert isinstance(bp, DegreeGroupedBP)
    with isolated_rng(3), torch.no_grad():
        _, llr = _llrs(link, 1.0, 8)
        llr = llr.reshape(8, -1)
        for it in (1, 2, 3):
            ref = soft(llr, num_iter=it)
            x, _ = bp.run(llr, num_iter=it)
            torch.testing.assert_close(-x[:, bp.info_pos], ref, atol=2e-3, rtol=1e-4)


def test_resuming_from_the_state_equals_one_run():
    """``a`` iterations, then ``b`` from the returned v2c messages = ``a + b`` iterations
    (how the chain stops early every ``check_every`` iterations)."""
    link = _link("16qam-1/2", 1200)
    with isolated_rng(5), torch.no_grad():
        _, llr = _llrs(link, 6.0, 6)
        llr = llr.reshape(6, -1)
        x8, s8 = link.decoder.run(llr, num_iter=8)
        _, s3 = link.decoder.run(llr, num_iter=3)
        x35, s35 = link.decoder.run(llr, num_iter=5, msg_v2c=s3)
    assert torch.equal(x8, x35) and torch.equal(s8, s35)


@pytest.mark.parametrize("name, above_db", [("qpsk-1/3", 0.5), ("16qam-1/2", 1.5),
                                            ("64qam-5/6", 2.0)])
def test_bit_true_chain_equals_sionna_decoder(name, above_db):
    """The chain (CRC-aided early stopping every 4 iterations, 20 at most) with this decoder
    and with Sionna's on the same LLRs, in the waterfall of a low, a mid and a high MCS:
    the same decoded bits and block fates; the paired BLER difference has a 95% interval
    that holds 0."""
    fast, ref = _link(name, 1200), _link(name, 1200, sionna_bp=True)
    snr = shannon_snr_db(get_mcs(name).efficiency) + above_db
    with isolated_rng(7), torch.no_grad():
        bits, llr = _llrs(fast, snr, 64)
        got, ok = fast.decode(llr)
        want, ok_ref = ref.decode(llr)
    err, err_ref = (~ok).double().flatten(), (~ok_ref).double().flatten()
    assert 0.05 < err_ref.mean() < 0.95                  # in the waterfall: fates can differ
    d = err - err_ref
    assert abs(d.mean().item()) <= (ci95_half_width(d.sum().item(), d.square().sum().item(),
                                                    d.numel()) or 0.0)
    assert torch.equal(ok, ok_ref) and torch.equal(got, want)
    assert torch.equal(got[ok], bits[ok])
