"""The radio-map task: predict a transmitter's path-gain map from the building layout.

Items are maps of a data set written by ``linksim radiomap generate``
(:class:`~linksim.tasks.radiomap.dataset.RadioMapSet`); a batch is a
:class:`~linksim.tasks.radiomap.dataset.RadioBatch` (building map and transmitter map
in, normalized path gain :math:`P` as the truth). There is no channel and no sweep axis:
a system maps the inputs to :math:`\\hat P` [B, 1, H, W] (``transmit(batch, None)``).
Metrics: NMSE, RMSE (normalized and in dB), SSIM and PSNR per map (:mod:`.metrics`).
"""
from __future__ import annotations

from typing import Any, Sequence

import torch

from linksim.base.registry import TASKS
from linksim.core.task import Item, Task
from linksim.tasks.radiomap.dataset import RadioBatch, RadioItem, RadioMapSet, collate

METRIC_NAMES = ("rm_nmse", "rm_rmse", "rm_rmse_db", "rm_ssim", "rm_psnr")


def dihedral(x: torch.Tensor, k: int) -> torch.Tensor:
    """One of the 8 rotations/reflections of the square grid (``k`` in 0..7), on [..., H, W]."""
    x = torch.rot90(x, k % 4, dims=(-2, -1))
    return x.flip(-1) if k >= 4 else x


class MapSampler:
    """Training maps: uniform draws with a random symmetry of the square each
    (rotations and reflections map a valid (buildings, transmitter, path gain) triple to
    another, since propagation has no preferred direction)."""

    def __init__(self, root: str, split: str = "train") -> None:
        self.batch_all = RadioMapSet(root, split).batch()

    def __len__(self) -> int:
        return len(self.batch_all)

    def sample(self, batch: int, generator: torch.Generator) -> RadioBatch:
        idx = torch.randint(len(self), (batch,), generator=generator)
        ks = torch.randint(8, (batch,), generator=generator).tolist()
        src = self.batch_all[idx]
        inputs = torch.stack([dihedral(src.inputs[i], k) for i, k in enumerate(ks)])
        target = torch.stack([dihedral(src.target[i], k) for i, k in enumerate(ks)])
        w = inputs.shape[-1]
        flat = inputs[:, 1].flatten(1).argmax(1)
        tx = torch.stack([flat % w, flat // w], dim=1)
        return RadioBatch(inputs, target, tx, src.cell_m, src.frequency_hz)


@TASKS.register("radiomap")
class RadioMapTask(Task):
    """Building and transmitter maps in, a path-gain map out; no channel."""

    name = "radiomap"
    axes = ()
    bench_channel = "awgn"
    default_dataset = "radiomap"
    default_metrics = METRIC_NAMES
    needs_channel = False
    val_metric = "rm_psnr"
    default_loss = "radiomap"

    def collate(self, items: Sequence[Item]) -> RadioBatch:
        return collate([it.data for it in items])

    def channel_shape(self, batch: RadioBatch, axes: dict[str, float]) -> tuple[int, ...]:
        """No channel uses: nothing is sent (a link built for it is never drawn)."""
        return ()

    def train_build_kwargs(self, cfg: Any) -> dict[str, Any]:
        """Radio-map systems take no bandwidth argument."""
        return {}

    def example_batch(self, size: int, batch: int = 1) -> RadioBatch:
        """``batch`` maps of ``size`` x ``size`` cells: random boxes, a transmitter at the
        centre, zero truth (for ``linksim bench``)."""
        g = torch.Generator().manual_seed(0)
        heights = (torch.rand(size // 8, size // 8, generator=g) < 0.4).repeat_interleave(
            8, 0).repeat_interleave(8, 1).to(torch.uint8).numpy() * 20
        heights[size // 2, size // 2] = 0
        item = RadioItem(heights, heights * 0, (size // 2, size // 2), 2.0, 3.5e9)
        return collate([item] * batch)

    def train_sampler(self, cfg: Any) -> MapSampler:
        return MapSampler(cfg.data, "train")

    def validation_batch(self, cfg: Any) -> RadioBatch | None:
        """The validation split of ``cfg.val``. There is no channel, so the SNR list of
        the validation curve is cut to one entry (the card's curve is keyed ``"0"``)
        instead of repeating the same maps at every training SNR."""
        cfg.val_snrs = (0.0,)
        if not cfg.val:
            return None
        return RadioMapSet(cfg.val, "val", cfg.val_count).batch()
