"""The uncoded system against LMMSE theory on AWGN."""
from __future__ import annotations

import pytest
import torch

from linksim.channels.base import CSI
from linksim.base.registry import CHANNELS, SYSTEMS
from linksim.base.seeding import seed_everything
from linksim.channels.base import Link


@pytest.mark.parametrize("snr_db", [0.0, 10.0, 20.0])
def test_lmmse_mse_matches_theory(snr_db):
    """With unit symbol power, the LMMSE error per complex symbol is N0/(1+N0), i.e.
    a pixel MSE of var(x) * N0/(1+N0); ZF gives var(x) * N0."""
    seed_everything(0)
    x = 0.25 + 0.5 * torch.rand(2, 3, 64, 64)
    no = 10 ** (-snr_db / 10)
    var = (x - x.mean(dim=(1, 2, 3), keepdim=True)).square().mean()
    for lmmse, factor in ((True, no / (1 + no)), (False, no)):
        system = SYSTEMS.get("uncoded", "image")(cbr=0.5, lmmse=lmmse)
        snr = torch.full((2,), snr_db)
        z, side = system.encode(x)
        y, csi = CHANNELS.get("awgn")()(z, snr)
        # decode without clamping, to compare with the linear theory
        x_hat = system.decode(y, CSI(csi.snr_db, csi.no, None, csi.gain, csi.no_eff), (64, 64),
                              side)
        mse = (x_hat - x).square().mean()
        if snr_db == 0.0:  # clamping to [0, 1] only lowers the error
            assert mse <= var * factor * 1.03
        else:
            assert mse.item() == pytest.approx((var * factor).item(), rel=0.03)


@pytest.mark.parametrize("cbr", [0.5, 1 / 6, 1 / 16, 1 / 48])
def test_symbols_fill_the_budget(cbr):
    x = torch.rand(3, 3, 48, 80)
    system = SYSTEMS.get("uncoded", "image")(cbr=cbr)
    z, _ = system.encode(x)
    assert z.shape == (3, round(cbr * 3 * 48 * 80)) and z.dtype == torch.complex64
    assert torch.allclose(z.abs().square().mean(1), torch.ones(3), atol=1e-5)
    assert system.transmit(x, Link(CHANNELS.get("awgn")(), 30.0, len(x)))[0].shape == x.shape


def test_receivers_that_use_the_csi_do_not_depend_on_the_awgn_equalizer():
    """Uncoded LMMSE and ZF decode from (gain, no_eff): the same output whether the AWGN
    receiver passes y on or applies MMSE (same draws)."""
    x = torch.rand(2, 3, 32, 32)
    for lmmse in (True, False):
        system = SYSTEMS.get("uncoded", "image")(cbr=1 / 6, lmmse=lmmse)
        outs = [system.transmit(x, Link(CHANNELS.get("awgn")(**p), 3.0, 2, seeds=[7, 8]))[0]
                for p in ({}, {"equalizer": "mmse"})]
        torch.testing.assert_close(outs[0], outs[1], rtol=0, atol=1e-5)
