"""ADJSCC (Xu et al. 2022): GDN against its formula, the AF module, CBR bookkeeping, power,
gradients through a fading channel, the published parameter count."""
from __future__ import annotations

import pytest
import torch

from linksim.baselines.image.adjscc.gdn import GDN
from linksim.baselines.image.adjscc.model import ADJSCC, AFModule
from linksim.bench import bench
from linksim.base.registry import CHANNELS, SYSTEMS
from linksim.channels.base import Link

TINY = {"width": 8, "kernel": 3, "first_kernel": 5, "reduction": 4}


def test_registered():
    assert SYSTEMS.get("adjscc") is ADJSCC and {"paper", "small"} <= set(ADJSCC.configs)


def test_paper_counts_match_mambajscc_table_1():
    """Table I of MambaJSCC: ADJSCC has 10.57 M parameters and 46.21 G MACs (256 x 256,
    CBR 1/48, so c = 2); counted on 32 x 32 (a CNN's MACs scale with the pixel count)."""
    assert ADJSCC(cbr=1 / 48, config="paper").latent_channels == 2
    measured = bench("adjscc", cbr=1 / 48, size=32, config="paper", repeats=1)
    assert measured["params"] / 1e6 == pytest.approx(10.57, abs=0.01)
    assert measured["macs"] * 64 / 1e9 == pytest.approx(46.21, rel=0.01)


def test_gdn_matches_the_direct_formula():
    torch.manual_seed(0)
    gdn, igdn = GDN(3), GDN(3, inverse=True)
    beta = torch.tensor([0.5, 1.0, 2.0])
    gamma = torch.tensor([[0.3, 0.1, 0.0], [0.2, 0.4, 0.1], [0.0, 0.5, 0.2]])
    for layer in (gdn, igdn):
        layer.beta.data = torch.sqrt(beta + 2.0 ** -36)
        layer.gamma.data = torch.sqrt(gamma + 2.0 ** -36)
    x = torch.randn(2, 3, 2, 2)
    expected = torch.empty_like(x)
    for b in range(2):
        for i in range(3):
            for r in range(2):
                for c in range(2):
                    s = beta[i] + sum(gamma[i, j] * x[b, j, r, c] ** 2 for j in range(3))
                    expected[b, i, r, c] = x[b, i, r, c] / s.sqrt()
    torch.testing.assert_close(gdn(x), expected, atol=1e-6, rtol=1e-5)
    torch.testing.assert_close(igdn(x), x * (x / expected), atol=1e-5, rtol=1e-5)


def test_gdn_reparametrization_keeps_beta_and_gamma_feasible():
    gdn = GDN(2)
    beta, gamma = gdn.effective()
    torch.testing.assert_close(beta, torch.ones(2))  # Ballé's initialization
    torch.testing.assert_close(gamma, 0.1 * torch.eye(2))
    gdn.beta.data.fill_(-3.0)
    gdn.gamma.data.fill_(-3.0)
    beta, gamma = gdn.effective()
    assert beta.min() >= 1e-6 - 1e-12 and gamma.min() >= 0
    # below the bound the gradient still flows where it raises the value (LowerBound)
    (-gdn.effective()[0].sum()).backward()
    assert (gdn.beta.grad != 0).all()


def test_af_module_scales_channels_by_an_snr_dependent_sigmoid():
    torch.manual_seed(0)
    af = AFModule(8, reduction=4)
    x = torch.randn(2, 8, 3, 3)
    lo, hi = af(x, torch.zeros(2)), af(x, torch.full((2,), 20.0))
    scale = lo / x
    assert ((scale > 0) & (scale < 1)).all()
    torch.testing.assert_close(scale, scale[:, :, :1, :1].expand_as(scale))  # per channel only
    assert not torch.allclose(lo, hi)


def test_one_model_for_all_snrs_and_gradients_through_rayleigh():
    """Shapes and power: ``test_peer_ratios.py::test_link_contract``."""
    torch.manual_seed(0)
    m = ADJSCC(cbr=1 / 16, config=TINY)
    x = torch.rand(2, 3, 16, 16)
    assert not torch.allclose(m.encode(x, torch.zeros(2)), m.encode(x, torch.full((2,), 20.0)))
    x_hat, _ = m.transmit(x, Link(CHANNELS.get("rayleigh")(), torch.tensor([3.0, 12.0]), len(x)))
    (x_hat - x).square().mean().backward()
    grads = {n: p.grad for n, p in m.named_parameters()}
    assert all(g is not None for g in grads.values())
    # every conv, GDN and PReLU parameter learns (a tiny AF's ReLU units may be inactive)
    dead = [n for n, g in grads.items() if ".af." not in n and not g.abs().sum()]
    assert not dead
    for side in ("encoder", "decoder"):
        assert any(g.abs().sum() for n, g in grads.items() if n.startswith(side) and ".af." in n)
