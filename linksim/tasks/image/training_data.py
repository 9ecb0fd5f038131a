"""Training patches and validation images, held in memory.

Training images are decoded once (:class:`linksim.tasks.image.sources.ImageFolder`), resized
so that their short side is ``resize`` pixels (bicubic with antialiasing; never
upscaled) and stored as uint8. Each step draws ``batch`` random crops and
horizontal flips from a dedicated ``torch.Generator``, so the data stream is a
function of the seed alone and resumes exactly from the generator's state.

Why resize: the shipped photos are ~1300x850, the Kodak validation images 768x512;
a short side of 512 puts training crops at Kodak's scale (and keeps 50 images in
~60 MB), as DIV2K pipelines that train on downscaled (x2) images do.
"""
from __future__ import annotations

from pathlib import Path

import torch
import torch.nn.functional as F

from linksim.errors import LinksimError
from linksim.tasks.image.sources.folder import ImageFolder


def _resize_short(x: torch.Tensor, short: int | None) -> torch.Tensor:
    """[3, H, W] float -> same with min(H, W) == short (only when downscaling)."""
    h, w = x.shape[-2:]
    if short is None or min(h, w) <= short:
        return x
    scale = short / min(h, w)
    size = (max(short, round(h * scale)), max(short, round(w * scale)))
    return F.interpolate(x[None], size=size, mode="bicubic", antialias=True,
                         align_corners=False)[0].clamp(0.0, 1.0)


def _to_u8(x: torch.Tensor) -> torch.Tensor:
    return x.mul(255.0).round().to(torch.uint8)


class PatchSampler:
    """Random square crops with random horizontal flips from images in memory.

    :param folder: image folder.
    :param crop: crop side in pixels.
    :param resize: short side the images are resized to once (None: keep).
    :param count: use the first ``count`` images (None: all).
    """

    def __init__(self, folder: str | Path, crop: int, resize: int | None = 512,
                 count: int | None = None) -> None:
        images = ImageFolder(folder, count=count)
        self.names = images.names
        self.images = [_to_u8(_resize_short(images[i], resize)) for i in range(len(images))]
        self.crop = int(crop)
        small = [n for n, im in zip(self.names, self.images) if min(im.shape[-2:]) < self.crop]
        if small:
            raise LinksimError(f"{folder}: {small[0]} is smaller than --crop {self.crop} "
                               "after resizing; lower --crop or raise --resize")

    def __len__(self) -> int:
        return len(self.images)

    def sample(self, batch: int, gen: torch.Generator) -> torch.Tensor:
        """[batch, 3, crop, crop] float32 in [0, 1]; all draws come from ``gen``."""
        c = self.crop
        idx = torch.randint(len(self.images), (batch,), generator=gen).tolist()
        out = torch.empty(batch, 3, c, c)
        for b, i in enumerate(idx):
            im = self.images[i]
            h, w = im.shape[-2:]
            top = int(torch.randint(h - c + 1, (), generator=gen))
            left = int(torch.randint(w - c + 1, (), generator=gen))
            patch = im[:, top:top + c, left:left + c]
            if bool(torch.rand((), generator=gen) < 0.5):
                patch = patch.flip(-1)
            out[b] = patch.float().div_(255.0)
        return out


def load_val(folder: str | Path, crop: int, count: int | None = None) -> torch.Tensor:
    """[N, 3, crop, crop] float32 center crops of the first ``count`` images of ``folder``."""
    images = ImageFolder(folder, crop=crop, crop_mode="center", count=count)
    return torch.stack([images[i] for i in range(len(images))])
