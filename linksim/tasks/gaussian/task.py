"""The Gaussian task: items are [L] float32 vectors of i.i.d. N(0, sigma^2) samples.

Axes: ``snr_db`` and ``cbr``, complex channel uses per real source sample
(``n = round(cbr * L)`` per item); metric ``mse_db`` (lower is better).
"""
from __future__ import annotations

import torch

from linksim.base.registry import TASKS
from linksim.core.task import SNR_AXIS, Task, check_channel_uses, ratio_axis



def num_channel_uses(cbr: float, length: int) -> int:
    """n = round(cbr * L) complex channel uses for an item of L samples (at least 1)."""
    return max(1, round(cbr * length))


@TASKS.register("gaussian")
class GaussianTask(Task):
    """i.i.d. Gaussian samples over a channel; MSE in dB against the OPTA bound."""

    name = "gaussian"
    axes = (SNR_AXIS, ratio_axis("cbr", "CBR (channel uses per real sample)"))
    bench_axes = {"cbr": 1.0}
    bench_channel = "awgn"
    default_dataset = "gaussian"
    default_metrics = ("mse_db",)

    def channel_shape(self, batch: torch.Tensor, axes: dict[str, float]) -> tuple[int, ...]:
        check_channel_uses(axes["cbr"] * batch.shape[-1], "cbr", axes["cbr"],
                           f"item of {batch.shape[-1]} samples")
        return (num_channel_uses(axes["cbr"], batch.shape[-1]),)

    def example_batch(self, size: int, batch: int = 1) -> torch.Tensor:
        return torch.randn(batch, size)
