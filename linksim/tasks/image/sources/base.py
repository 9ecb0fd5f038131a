"""Image data sets: a list of named items, decoded to [3, H, W] float32 in [0, 1].

Every set has a deterministic order (sorted names) and optional cropping:
``crop`` (int or (h, w)) with ``crop_mode`` ``"center"`` or ``"random"`` (random
crops draw from PyTorch's global generator, which the runner seeds).
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, Callable, ClassVar, Sequence

import numpy as np
import torch
from PIL import Image, UnidentifiedImageError
from torch.utils.data import Dataset

from linksim.core.source import first
from linksim.errors import LinksimError

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".tif", ".tiff", ".ppm", ".webp")
CROP_MODES = ("center", "random")


def to_tensor(rgb: np.ndarray) -> torch.Tensor:
    """[H, W, 3] uint8 -> [3, H, W] float32 in [0, 1]."""
    return torch.from_numpy(np.array(rgb, dtype=np.uint8)).permute(2, 0, 1).float().div_(255.0)


def read_image(path: Path) -> torch.Tensor:
    """Decode an image file to [3, H, W] float32 RGB; unreadable files raise LinksimError."""
    try:
        with Image.open(path) as im:
            rgb = np.asarray(im.convert("RGB"))
    except (UnidentifiedImageError, OSError, ValueError) as exc:
        raise LinksimError(f"{path}: cannot read image ({type(exc).__name__}); "
                           "remove the file or convert it to PNG/JPEG") from None
    return to_tensor(rgb)


def crop_image(x: torch.Tensor, size: tuple[int, int], mode: str, name: str) -> torch.Tensor:
    """Crop [3, H, W] to ``size`` = (h, w) at the center or a random position."""
    h, w = size
    H, W = x.shape[-2:]
    if h > H or w > W:
        raise LinksimError(f"{name}: image is {H}x{W}, smaller than crop {h}x{w}; "
                           "use a smaller [source] crop")
    if mode == "center":
        top, left = (H - h) // 2, (W - w) // 2
    else:
        top = int(torch.randint(0, H - h + 1, ()).item())
        left = int(torch.randint(0, W - w + 1, ()).item())
    return x[..., top:top + h, left:left + w]


class ImageSet(Dataset):
    """Named images with lazy decoding and optional cropping.

    :param items: (name, loader) pairs; ``loader()`` returns [3, H, W] float32.
    :param crop: None, an int (square) or (h, w).
    :param crop_mode: ``"center"`` or ``"random"``.
    :param count: keep the first ``count`` items (None: all).
    """

    task: ClassVar[str] = "image"

    @staticmethod
    def check_params(params: dict[str, Any]) -> None:
        """Validate ``[source]`` keys shared by the image sets before anything is read."""
        def bad(key: str, message: str) -> LinksimError:
            err = LinksimError(f"{key}={params[key]!r}: {message}")
            err.key = key
            return err

        count = params.get("count")
        if count is not None and (isinstance(count, bool) or not isinstance(count, int)
                                  or count < 1):
            raise bad("count", "expected a whole number >= 1 (or leave it out for all)")
        crop = params.get("crop")
        if crop is not None:
            sides = [crop] if isinstance(crop, int) and not isinstance(crop, bool) else crop
            if (not isinstance(sides, list) or len(sides) not in (1, 2) or not all(
                    isinstance(c, int) and not isinstance(c, bool) and c >= 1 for c in sides)):
                raise bad("crop", "expected a positive side in pixels or [height, width]")
        if params.get("crop_mode", "center") not in CROP_MODES:
            raise bad("crop_mode", f"choose one of {', '.join(CROP_MODES)}")
        for key in ("path", "split"):
            if key in params and not isinstance(params[key], str):
                raise bad(key, "expected a string")

    def __init__(self, items: Sequence[tuple[str, Callable[[], torch.Tensor]]],
                 crop: int | Sequence[int] | None = None, crop_mode: str = "center",
                 count: int | None = None) -> None:
        if crop_mode not in CROP_MODES:
            raise LinksimError(f"crop_mode={crop_mode!r}: choose one of {', '.join(CROP_MODES)}")
        self.items = first(items, count, "images")
        self.crop = None if crop is None else (
            (int(crop), int(crop)) if isinstance(crop, int) else tuple(int(c) for c in crop))
        self.crop_mode = crop_mode

    @property
    def names(self) -> list[str]:
        return [name for name, _ in self.items]

    def __len__(self) -> int:
        return len(self.items)

    def __getitem__(self, i: int) -> torch.Tensor:
        name, load = self.items[i]
        x = load()
        return x if self.crop is None else crop_image(x, self.crop, self.crop_mode, name)


def folder_items(root: Path, recursive: bool = False) -> list[tuple[str, Callable[[], torch.Tensor]]]:
    """(relative name, loader) for every image file under ``root``, sorted by name."""
    root = Path(root)
    if not root.is_dir():
        raise LinksimError(f"{root}: image folder not found; check [source] path")
    pattern = "**/*" if recursive else "*"
    files = sorted(p for p in root.glob(pattern) if p.suffix.lower() in IMAGE_SUFFIXES)
    if not files:
        raise LinksimError(f"{root}: no images ({', '.join(IMAGE_SUFFIXES)}) found; "
                           "check [source] path")
    return [(str(p.relative_to(root)), (lambda p=p: read_image(p))) for p in files]
