"""Any folder of PNG/JPEG images, as the ``folder`` data set."""
from __future__ import annotations

from pathlib import Path
from typing import Any, Sequence

from linksim.base.registry import DATASETS
from linksim.errors import LinksimError
from linksim.tasks.image.sources.base import ImageSet, folder_items


@DATASETS.register("folder")
class ImageFolder(ImageSet):
    """Every image file in ``path`` (sorted by name; ``recursive`` descends into sub-folders)."""

    @staticmethod
    def check_params(params: dict[str, Any]) -> None:
        ImageSet.check_params(params)
        if "path" not in params:
            err = LinksimError("the folder data set needs path = \"<image folder>\"")
            err.key = "path"
            raise err

    def __init__(self, path: str | Path, crop: int | Sequence[int] | None = None,
                 crop_mode: str = "center", count: int | None = None,
                 recursive: bool = False) -> None:
        super().__init__(folder_items(Path(path), recursive), crop, crop_mode, count)
