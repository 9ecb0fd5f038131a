"""A tiny synthetic image folder for tests and quick demos of ``linksim train``."""
from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image


def write_synthetic_images(folder: str | Path, count: int = 4, size: tuple[int, int] = (40, 48),
                           seed: int = 0) -> Path:
    """Write ``count`` smooth RGB PNGs: a random color per image plus low-frequency
    sinusoids and a little noise (so a link must carry colors and shapes).

    :param size: (H, W) of every image.
    :returns: the folder.
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    h, w = size
    yy, xx = np.mgrid[0:h, 0:w] / max(h, w)
    for i in range(count):
        freq, phase = rng.uniform(0.5, 3.0, (3, 2)), rng.uniform(0, 2 * np.pi, (3, 1, 1))
        color = rng.uniform(0.15, 0.85, (3, 1, 1))
        img = color + 0.15 * np.sin(2 * np.pi * (freq[:, :1, None] * yy + freq[:, 1:, None] * xx)
                                  + phase)
        img = np.clip(img + 0.03 * rng.standard_normal(img.shape), 0, 1)
        Image.fromarray((img.transpose(1, 2, 0) * 255).round().astype(np.uint8)).save(
            folder / f"{i:03d}.png")
    return folder
