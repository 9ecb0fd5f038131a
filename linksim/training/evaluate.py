"""Validation during training: PSNR versus SNR of a model on fixed images.

The channel draws come from per-image seeds (``derive_seed(seed, "validation", i)``),
the same at every SNR and for every checkpoint, through the same
:class:`~linksim.channels.base.Link` the runner uses; the training generators are not
touched. For comparisons between checkpoints, with records, paired intervals and plots,
write a scenario and use ``linksim run`` and ``linksim compare``.
"""
from __future__ import annotations

from typing import Sequence

import torch

from linksim.channels.base import Link
from linksim.core.seeding import derive_seed
from linksim.core.stats import Accumulator
from linksim.tasks.image.metrics import psnr
from linksim.tasks.image.system import num_channel_uses

BATCH = 4


@torch.no_grad()
def psnr_values(system: torch.nn.Module, channel: torch.nn.Module, images: torch.Tensor,
                snrs: Sequence[float], seed: int = 0,
                device: torch.device | str = "cpu") -> dict[str, torch.Tensor]:
    """PSNR (dB, 8-bit) of every image per SNR.

    :param images: [N, 3, H, W] float32 in [0, 1].
    :returns: ``{"<snr:g>": [N] float64}``.
    """
    device = torch.device(device)
    was_training = system.training
    system.eval()
    out = {}
    for snr in snrs:
        values = []
        for start in range(0, len(images), BATCH):
            x = images[start:start + BATCH].to(device)
            seeds = [derive_seed(seed, "validation", start + i) for i in range(len(x))]
            link = Link(channel, float(snr), len(x), seeds,
                        (num_channel_uses(system.cbr, tuple(x.shape[1:])),), device)
            values.append(psnr(x, system.transmit(x, link)[0]).cpu())
        out[f"{float(snr):g}"] = torch.cat(values)
    system.train(was_training)
    return out


def psnr_per_snr(system: torch.nn.Module, channel: torch.nn.Module, images: torch.Tensor,
                 snrs: Sequence[float], seed: int = 0,
                 device: torch.device | str = "cpu") -> dict[str, tuple[float, float]]:
    """``{"<snr:g>": (mean PSNR, Student-t 95% half-width)}`` of :func:`psnr_values`."""
    out = {}
    for k, v in psnr_values(system, channel, images, snrs, seed, device).items():
        acc = Accumulator()
        acc.add(v.tolist())
        out[k] = (acc.mean, acc.ci95)
    return out
