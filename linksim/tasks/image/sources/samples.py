"""The colour photographs bundled with scikit-image: the embedded default data.

Seven RGB images (300x451 up to 1411x1411) that ship inside the scikit-image
wheel, so the quick start runs with no download.
"""
from __future__ import annotations

from typing import Sequence

from linksim.base.registry import DATASETS
from linksim.tasks.image.sources.base import ImageSet, to_tensor

SAMPLE_NAMES = ("astronaut", "chelsea", "coffee", "hubble_deep_field",
                "immunohistochemistry", "retina", "rocket")


def _loader(name: str):
    def load():
        import skimage.data

        return to_tensor(getattr(skimage.data, name)())
    return load


@DATASETS.register("samples")
class SampleImages(ImageSet):
    """scikit-image's bundled colour photographs, in name order."""

    def __init__(self, crop: int | Sequence[int] | None = None, crop_mode: str = "center",
                 count: int | None = None) -> None:
        super().__init__([(n, _loader(n)) for n in SAMPLE_NAMES], crop, crop_mode, count)
