"""PSNR-versus-SNR of trained checkpoints on fixed images, with common random numbers.

Every system sees the same channel draws at a given SNR (the generators are seeded
with ``derive_seed(seed, "eval", snr, repeat)``), so differences between checkpoints
are not fading luck. Used by :class:`~linksim.training.loop.Trainer` for validation
and from the command line for a quick table::

    python -m linksim.training.eval_table ID [ID ...] --data ../shared/data/kodak \\
        --crop 256 --channels awgn rayleigh --snr 0,4,8,12,16,20 --repeats 4

(For full sweeps with confidence intervals, records and plots use a scenario file
and ``linksim run``.)
"""
from __future__ import annotations

import contextlib
import math
from typing import Iterator, Sequence

import torch
from sionna.phy.config import config as sionna_config

from linksim.tasks.image.metrics import psnr
from linksim.core.seeding import derive_seed

BATCH = 4


@contextlib.contextmanager
def isolated_rng(seed: int, device: torch.device) -> Iterator[None]:
    """Seed the global and the channel generators with ``seed``; restore both on exit."""
    chan = sionna_config.torch_rng(str(device))
    saved_chan, saved_global = chan.get_state(), torch.get_rng_state()
    chan.manual_seed(seed)
    torch.manual_seed(seed)
    try:
        yield
    finally:
        chan.set_state(saved_chan)
        torch.set_rng_state(saved_global)


@torch.no_grad()
def psnr_values(system: torch.nn.Module, channel: torch.nn.Module, images: torch.Tensor,
                snrs: Sequence[float], seed: int = 0, repeats: int = 1,
                device: torch.device | str = "cpu") -> dict[str, torch.Tensor]:
    """PSNR (dB, 8-bit) of every transmission per SNR.

    :param images: [N, 3, H, W] float32 in [0, 1].
    :param repeats: channel realizations per image.
    :returns: ``{"<snr:g>": [repeats * N] float64}``, ordered (repeat, image), so the
        values of two systems pair up draw by draw.
    """
    device = torch.device(device)
    was_training = system.training
    system.eval()
    out = {}
    for snr in snrs:
        values = []
        for r in range(repeats):
            with isolated_rng(derive_seed(seed, "eval", float(snr), r), device):
                for x in images.split(BATCH):
                    x = x.to(device)
                    values.append(psnr(x, system.transmit(x, channel, float(snr))[0]).cpu())
        out[f"{float(snr):g}"] = torch.cat(values)
    system.train(was_training)
    return out


def mean_ci95(v: torch.Tensor) -> tuple[float, float]:
    """Mean and normal-approximation 95% half-width of ``v``."""
    ci = 1.96 * float(v.std()) / math.sqrt(len(v)) if len(v) > 1 else float("nan")
    return float(v.mean()), ci


def psnr_per_snr(system: torch.nn.Module, channel: torch.nn.Module, images: torch.Tensor,
                 snrs: Sequence[float], seed: int = 0, repeats: int = 1,
                 device: torch.device | str = "cpu") -> dict[str, tuple[float, float]]:
    """``{"<snr:g>": (mean PSNR, 95% half-width)}`` of :func:`psnr_values`."""
    values = psnr_values(system, channel, images, snrs, seed, repeats, device)
    return {k: mean_ci95(v) for k, v in values.items()}
