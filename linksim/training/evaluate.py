"""Validation during training: the task's validation metric versus SNR on a fixed batch.

The channel draws come from per-item seeds (``derive_seed(seed, "validation", i)``), the
same at every SNR and for every checkpoint, through the same
:class:`~linksim.channels.base.Link` the runner uses; the training generators are not
touched. For comparisons between checkpoints, with records, paired intervals and plots,
write a scenario and use ``linksim run`` and ``linksim compare``.
"""
from __future__ import annotations

from typing import Any, Sequence

import torch

from linksim.channels.base import Link
from linksim.core.metric import get_metric
from linksim.base.seeding import derive_seed
from linksim.base.stats import Accumulator
from linksim.core.task import Task

#: items per validation batch (a task may set ``val_batch``)
BATCH = 4


@torch.no_grad()
def metric_values(system: torch.nn.Module, channel: torch.nn.Module, batch: Any,
                  snrs: Sequence[float], task: Task, seed: int = 0,
                  device: torch.device | str = "cpu") -> dict[str, torch.Tensor]:
    """The task's validation metric of every item per SNR: ``{"<snr:g>": [N] float64}``.

    :param batch: N items stacked (e.g. [N, 3, H, W] images in [0, 1]).
    """
    device = torch.device(device)
    metric = get_metric(task.val_metric)
    axes = {a.name: getattr(system, a.name) for a in task.axes if a.role != "snr"}
    was_training = system.training
    system.eval()
    out, size = {}, getattr(task, "val_batch", BATCH)
    for snr in snrs:
        values = []
        for start in range(0, len(batch), size):
            x = batch[start:start + size].to(device)
            seeds = [derive_seed(seed, "validation", start + i) for i in range(len(x))]
            own = getattr(task, "channel_lengths", None)  # per-item budgets (sentences)
            link = Link(channel, float(snr), len(x), seeds, task.channel_shape(x, axes), device,
                        None if own is None else own(x, axes))
            values.append(metric(x, system.transmit(x, link)[0]).cpu())
        out[f"{float(snr):g}"] = torch.cat(values)
    system.train(was_training)
    return out


def metric_per_snr(system: torch.nn.Module, channel: torch.nn.Module, batch: Any,
                   snrs: Sequence[float], task: Task, seed: int = 0,
                   device: torch.device | str = "cpu") -> dict[str, tuple[float, float]]:
    """``{"<snr:g>": (mean, Student-t 95% half-width)}`` of :func:`metric_values`."""
    out = {}
    for k, v in metric_values(system, channel, batch, snrs, task, seed, device).items():
        acc = Accumulator()
        acc.add(v.tolist())
        out[k] = (acc.mean, acc.ci95)
    return out
