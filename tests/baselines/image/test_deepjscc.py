"""DeepJSCC (Bourtsoulatze et al. 2019): architecture, channel-use count and power."""
from __future__ import annotations

import pytest
import torch

from linksim.baselines.image.deepjscc.model import paper_param_count
from linksim.base.registry import CHANNELS, SYSTEMS
from linksim.tasks.image.system import num_channel_uses
from linksim.channels.base import Link


@pytest.mark.parametrize("cbr,latent", [(1 / 12, 8), (1 / 16, 6), (1 / 48, 2), (1 / 6, 16)])
def test_latent_channels_and_paper_parameter_count(cbr, latent):
    """k/n = c/96 (two stride-2 layers), parameters as the paper's five-layer stacks."""
    system = SYSTEMS.get("deepjscc")(cbr=cbr, config="paper")
    assert system.latent_channels == latent
    assert sum(p.numel() for p in system.parameters()) == paper_param_count((16, 32, 32, 32), 5,
                                                                            latent)


@pytest.mark.parametrize("shape,cbr", [((32, 32), 1 / 16), ((30, 45), 1 / 16), ((17, 23), 1 / 32),
                                       ((64, 48), 1 / 48)])
def test_exact_channel_uses_unit_power_and_shape(shape, cbr):
    torch.manual_seed(0)
    system = SYSTEMS.get("deepjscc")(cbr=cbr).eval()
    x = torch.rand(3, 3, *shape)
    z = system.encode(x, torch.full((3,), 10.0))
    assert z.dtype == torch.complex64 and z.shape == (3, num_channel_uses(cbr, x.shape))
    torch.testing.assert_close(z.abs().square().mean(1), torch.ones(3))
    x_hat, _ = system.transmit(x, Link(CHANNELS.get("rayleigh")(fading="block"), 5.0, len(x)))
    assert x_hat.shape == x.shape and 0 <= x_hat.min() and x_hat.max() <= 1


def test_noiseless_latent_is_carried_unchanged():
    """With y = z (no noise) the decoder sees exactly the encoder's normalized latent."""
    torch.manual_seed(1)
    system = SYSTEMS.get("deepjscc")(cbr=1 / 16).eval()
    x = torch.rand(2, 3, 16, 16)
    seen = {}
    system.decoder[0].register_forward_pre_hook(lambda m, a: seen.setdefault("z", a[0]))
    z = system.encode(x, torch.zeros(2))
    system.decode(z, None, (16, 16))
    latent = torch.view_as_real(z).reshape(2, 6, 4, 4)
    torch.testing.assert_close(seen["z"], latent)
