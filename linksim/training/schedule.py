r"""Learning-rate schedule and per-batch SNR draws.

Learning rate at step :math:`t` (0-based), warm-up :math:`T_w`, total :math:`T`:

.. math:: \eta_t = \eta\,\frac{t+1}{T_w} \ (t < T_w), \qquad
          \eta_t = \eta\left(r + (1-r)\,\tfrac12\bigl(1+\cos\pi\tfrac{t-T_w}{T-T_w}\bigr)\right)

with :math:`r` = ``min_lr_ratio``.
"""
from __future__ import annotations

import math

import torch

from linksim.training.config import SnrSpec


def warmup_cosine(steps: int, warmup: int, min_ratio: float):
    """Multiplier of the peak learning rate at step ``t`` (for ``LambdaLR``)."""
    warmup = min(warmup, max(steps - 1, 0))

    def factor(t: int) -> float:
        if t < warmup:
            return (t + 1) / warmup
        progress = min(1.0, (t - warmup) / max(1, steps - warmup))
        return min_ratio + (1.0 - min_ratio) * 0.5 * (1.0 + math.cos(math.pi * progress))

    return factor


def draw_snr(spec: SnrSpec, batch: int, gen: torch.Generator) -> torch.Tensor:
    """[batch] float32: one SNR (dB) for the whole batch, drawn from ``spec`` with ``gen``."""
    if spec.values:
        value = spec.values[int(torch.randint(len(spec.values), (), generator=gen))]
    else:
        value = spec.low + (spec.high - spec.low) * float(torch.rand((), generator=gen))
    return torch.full((batch,), value, dtype=torch.float32)
