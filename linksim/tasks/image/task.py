"""The image task: photographs through a JSCC or separated system, PSNR / MS-SSIM.

Items are uint8 [3, H, W] images (kept compact in memory), batched as float32 in
[0, 1] in runs of equal shape. Axes: ``snr_db`` and ``cbr`` (complex channel uses
per real source value, ``n = round(cbr * 3 H W)`` per image).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterator, Sequence

import torch

from linksim.base.registry import TASKS
from linksim.core.task import SNR_AXIS, Item, Task, check_channel_uses, ratio_axis, ratio_label
from linksim.errors import LinksimError
from linksim.tasks.image.system import num_channel_uses



@dataclass
class ImageTrainOptions:
    """``linksim train`` options of image models.

    :ivar cbr: channel bandwidth ratio the model is trained for.
    :ivar crop: side (px) of the square training crops.
    :ivar resize: short side (px) the training images are resized to once, in memory
        (``None``: full resolution).
    :ivar val_crop: center-crop side (px) of the validation images.
    """

    cbr: float = 1 / 16
    crop: int = 64
    resize: int | None = 512
    val_crop: int = 256

    def __post_init__(self) -> None:
        for key in ("crop", "val_crop"):
            if int(getattr(self, key)) < 1:
                raise LinksimError(f"{key}={getattr(self, key)}: must be a positive integer")


@TASKS.register("image")
class ImageTask(Task):
    """Images over a channel; PSNR and MS-SSIM on 8-bit reconstructions."""

    name = "image"
    axes = (SNR_AXIS, ratio_axis("cbr", "CBR (channel uses per source value)"))
    is_default = True
    bench_axes = {"cbr": 1 / 48}
    bench_channel = "awgn"
    default_dataset = "samples"
    default_metrics = ("psnr",)

    def load(self, dataset: Any) -> list[Item]:
        return [Item(name, dataset[i].mul(255).round().to(torch.uint8))
                for i, name in enumerate(dataset.names)]

    def batches(self, items: Sequence[Item], size: int) -> Iterator[list[int]]:
        """Consecutive images of equal shape, at most ``size`` at a time."""
        group: list[int] = []
        for i, it in enumerate(items):
            if group and (len(group) == size or it.data.shape != items[group[0]].data.shape):
                yield group
                group = []
            group.append(i)
        if group:
            yield group

    def collate(self, items: Sequence[Item]) -> torch.Tensor:
        return torch.stack([it.data for it in items]).float().div_(255.0)

    def channel_shape(self, batch: torch.Tensor, axes: dict[str, float]) -> tuple[int, ...]:
        values = batch[0].numel()
        check_channel_uses(axes["cbr"] * values, "cbr", axes["cbr"],
                           f"image of {values} values")
        return (num_channel_uses(axes["cbr"], tuple(batch.shape[1:])),)

    def example_batch(self, size: int, batch: int = 1) -> torch.Tensor:
        return torch.rand(batch, 3, size, size)

    val_metric = "psnr"

    train_options = ImageTrainOptions

    def train_sampler(self, cfg: Any) -> Any:
        from linksim.tasks.image.training_data import PatchSampler

        return PatchSampler(cfg.data, cfg.options.crop, cfg.options.resize)

    def train_card(self, cfg: Any, train_items: int, val_items: int) -> dict[str, Any]:
        """CBR, crop side and the photographs (count, resize, validation crop)."""
        o = cfg.options
        return {"cbr": o.cbr, "cbr_label": ratio_label(o.cbr), "crop": o.crop,
                "data": {"train": cfg.data, "train_images": train_items,
                         "resize_short_side": o.resize, "val": cfg.val,
                         "val_images": val_items, "val_crop": o.val_crop}}

    def train_flags(self, cfg: Any) -> dict[str, Any]:
        o = cfg.options
        return {"cbr": ratio_label(o.cbr), "crop": o.crop, "val-crop": o.val_crop,
                "resize": o.resize or 0}

    def validation_batch(self, cfg: Any) -> torch.Tensor | None:
        from linksim.tasks.image.training_data import load_val

        return load_val(cfg.val, cfg.options.val_crop, cfg.val_count) if cfg.val else None
