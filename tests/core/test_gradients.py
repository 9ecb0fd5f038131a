"""Every channel is differentiable: gradients reach the transmitter input exactly."""
from __future__ import annotations

import pytest
import torch

from linksim.base.registry import CHANNELS, SYSTEMS
from linksim.base.seeding import seed_everything
from linksim.channels.base import Link

CHANNEL_CASES = [("awgn", {}), ("rayleigh", {"fading": "block"}),
                 ("rayleigh", {"fading": "fast"}), ("rayleigh", {"fading": "fast", "equalizer": "zf"}),
                 ("rayleigh", {"fading": "block", "block_size": 8})]


@pytest.mark.parametrize("name,params", CHANNEL_CASES)
def test_channel_gradient_is_the_equalized_gain(name, params):
    """x_hat = g x + e with e independent of x, so d Re<w, x_hat>/dx = g w."""
    seed_everything(3)
    x = torch.randn(4, 32, dtype=torch.complex64, requires_grad=True)
    w = torch.randn(4, 32, dtype=torch.complex64)
    x_hat, csi = CHANNELS.get(name)(**params)(x, torch.tensor([0.0, 5.0, 10.0, 20.0]))
    (w.conj() * x_hat).real.sum().backward()
    torch.testing.assert_close(x.grad, csi.gain * w, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("name,params", CHANNEL_CASES)
def test_loss_on_decoder_output_reaches_source(name, params):
    seed_everything(4)
    x = (0.2 + 0.6 * torch.rand(2, 3, 16, 16)).requires_grad_()
    system = SYSTEMS.get("uncoded", "image")(cbr=0.5, lmmse=True)
    x_hat, _ = system.transmit(x, Link(CHANNELS.get(name)(**params), 10.0, len(x)))
    torch.nn.functional.mse_loss(x_hat, torch.zeros_like(x_hat)).backward()
    assert torch.isfinite(x.grad).all()
    assert (x.grad != 0).float().mean() > 0.9
