"""MambaJSCC: shapes and CBR bookkeeping, published parameter counts, CSI-ReST wiring,
the two-GSSM global receptive field, gradient flow through a fading channel."""
from __future__ import annotations

import pytest
import torch

from linksim.channels.base import CSI, snr_db_to_no
from linksim.channels.base import Link
from linksim.errors import LinksimError
from linksim.tasks.image.systems.mambajscc import MambaJSCC
from linksim.mamba.gssm import GSSM
from linksim.base.registry import CHANNELS, SYSTEMS
from linksim.tasks.image.system import num_channel_uses

# f = 2 * 2 = 4; a few thousand parameters
TINY = {"dims": (8, 16), "depths": (1, 1), "patch": 2, "d_state": 4}


def n_params(m: torch.nn.Module) -> int:
    return sum(p.numel() for p in m.parameters())


def awgn_csi(snr_db: torch.Tensor, n: int) -> CSI:
    b = snr_db.shape[0]
    return CSI(snr_db=snr_db, no=snr_db_to_no(snr_db), h=None, gain=torch.ones(b, n),
               no_eff=snr_db_to_no(snr_db)[:, None].expand(b, n))


def test_registered_with_paper_and_small_configs():
    assert SYSTEMS.get("mambajscc") is MambaJSCC
    assert {"paper", "small"} <= set(MambaJSCC.configs)


@pytest.mark.parametrize("cbr", [1 / 16, 1 / 48, 1 / 6])
@pytest.mark.parametrize("size", [(16, 16), (8, 24), (18, 22)])  # (18, 22): padded
def test_shapes_and_exact_channel_uses(cbr, size):
    torch.manual_seed(0)
    m = MambaJSCC(cbr=cbr, config=TINY)
    x = torch.rand(2, 3, *size)
    snr = torch.tensor([0.0, 10.0])
    z = m.encode(x, snr)
    n = num_channel_uses(cbr, x.shape)
    assert z.shape == (2, n) and z.dtype == torch.complex64
    torch.testing.assert_close(z.abs().square().mean(1), torch.ones(2))
    x_hat = m.decode(z, awgn_csi(snr, n), size)
    assert x_hat.shape == x.shape and x_hat.dtype == torch.float32
    assert 0 <= x_hat.min() and x_hat.max() <= 1


def test_image_smaller_than_the_pad_falls_back_to_replicate_padding():
    m = MambaJSCC(cbr=1 / 6, config=TINY)
    x = torch.rand(1, 3, 2, 5)  # pads (2, 3): reflect needs pad < side
    z = m.encode(x, torch.zeros(1))
    assert z.shape == (1, num_channel_uses(1 / 6, x.shape))
    assert m.decode(z, awgn_csi(torch.zeros(1), z.shape[1]), (2, 5)).shape == x.shape


def test_latent_channels_follow_the_reference_code():
    # f = 16; CBR 1/48 at 256x256 -> 4096 complex uses -> 32 channels of 16x16 (OUT_CHANS: 32)
    m = MambaJSCC(cbr=1 / 48, config={**TINY, "dims": (8, 8, 8, 8), "depths": (0, 0, 0, 0)})
    assert (m.factor, m.latent_channels) == (16, 32)
    assert m.encode(torch.rand(1, 3, 256, 256), torch.zeros(1)).shape == (1, 4096)


def test_multiple_of_factor_needs_no_padding_and_sends_every_latent_value():
    m = MambaJSCC(cbr=1 / 16, config=TINY)  # 6 * (1/16) * 16 = 6 channels, exact
    z = m.encoder(torch.rand(1, 3, 16, 16), torch.zeros(1))
    assert 2 * num_channel_uses(1 / 16, (3, 16, 16)) == z.numel()


# Table I/III of the paper: 14.54 M (paper), 16.38 M (four scan directions),
# 11.70 M (no channel MLP); Table II: Channel ModNet adds 9.87 M.
@pytest.mark.parametrize("override,published", [({}, 14.54e6), ({"directions": 4}, 16.38e6),
                                                ({"mlp": False}, 11.70e6),
                                                ({"adaptation": "modnet"}, (14.54 + 9.87) * 1e6)])
def test_paper_parameter_counts(override, published):
    m = MambaJSCC(cbr=1 / 48, config="paper", **override)
    assert abs(n_params(m) - published) / published < 0.01


def test_csi_rest_has_zero_parameter_overhead_and_changes_the_output():
    torch.manual_seed(0)
    with_ca = MambaJSCC(cbr=1 / 16, config=TINY)
    torch.manual_seed(0)
    without = MambaJSCC(cbr=1 / 16, config=TINY, adaptation="none")
    assert n_params(with_ca) == n_params(without)
    assert n_params(MambaJSCC(cbr=1 / 16, config="small")) == n_params(
        MambaJSCC(cbr=1 / 16, config="small", adaptation="none"))
    x = torch.rand(1, 3, 16, 16)
    lo, hi = torch.tensor([0.0]), torch.tensor([20.0])
    assert not torch.allclose(with_ca.encode(x, lo), with_ca.encode(x, hi))
    torch.testing.assert_close(without.encode(x, lo), without.encode(x, hi))
    y = with_ca.encode(x, lo)  # the receiver's CSI-ReST reads csi.snr_db
    n = y.shape[1]
    assert not torch.allclose(with_ca.decode(y, awgn_csi(lo, n), (16, 16)),
                              with_ca.decode(y, awgn_csi(hi, n), (16, 16)))


def _dependence(orders: tuple[str, ...], h: int = 3, w: int = 3) -> torch.Tensor:
    """[L_out, L_in] sum of |d y / d x| over channels for one GSSM layer."""
    torch.manual_seed(0)
    gssm = GSSM(d_inner=2, d_state=4, dt_rank=1, orders=orders)
    x = torch.randn(1, 2, h, w)
    jac = torch.autograd.functional.jacobian(lambda t: gssm(t), x)  # [1,2,h,w,1,2,h,w]
    return jac.abs().sum(dim=(0, 1, 4, 5)).reshape(h * w, h * w)


def test_two_gssms_have_a_global_receptive_field():
    assert (_dependence(("identity", "reverse")) > 0).all()
    assert (_dependence(("identity", "transpose", "reverse", "transpose_reverse")) > 0).all()


def test_one_direction_is_causal_only():
    dep = _dependence(("identity",))
    causal = torch.tril(torch.ones_like(dep, dtype=torch.bool))
    assert (dep[causal] > 0).all() and (dep[~causal] == 0).all()


def test_gradient_reaches_the_encoder_input_through_rayleigh():
    torch.manual_seed(0)
    m = MambaJSCC(cbr=1 / 16, config=TINY)
    x = torch.rand(2, 3, 16, 16, requires_grad=True)
    x_hat, _ = m.transmit(x, Link(CHANNELS.get("rayleigh")(), torch.tensor([3.0, 12.0]), len(x)))
    torch.nn.functional.mse_loss(x_hat, x.detach()).backward()
    assert x.grad is not None and (x.grad.abs().sum(dim=(1, 2, 3)) > 0).all()
    assert all(p.grad is not None for p in m.encoder.parameters())


@pytest.mark.parametrize("override", [{"adaptation": "film"}, {"directions": 3}, {"colour": 1}])
def test_bad_config_is_a_linksim_error(override):
    with pytest.raises(LinksimError):
        MambaJSCC(cbr=1 / 16, config=TINY, **override)
    with pytest.raises(LinksimError, match="depths"):
        MambaJSCC(cbr=1 / 16, config={"dims": (8,)})
