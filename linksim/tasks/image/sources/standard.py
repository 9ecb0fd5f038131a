"""The standard evaluation and training sets of the JSCC literature.

Each loader uses a local folder when given (``path``) or found in the cache,
else downloads the official release (see :mod:`linksim.tasks.image.sources.download`).

- ``kodak``: Kodak Lossless True Color Image Suite, 24 PNGs of 768x512 (six portrait).
- ``div2k``: DIV2K high-resolution images, ``split="valid"`` (100) or ``"train"`` (800).
- ``cifar10``: CIFAR-10, 32x32, ``split="test"`` (10,000) or ``"train"`` (50,000).
"""
from __future__ import annotations

import pickle
from pathlib import Path
from typing import Sequence

import numpy as np

from linksim.core.source import first
from linksim.errors import LinksimError
from linksim.base.paths import shared_data
from linksim.base.registry import DATASETS
from linksim.tasks.image.sources.base import ImageSet, folder_items, to_tensor
from linksim.tasks.image.sources.download import cache_dir, fetch, fetch_archive

KODAK_URL = "http://r0k.us/graphics/kodak/kodak/kodim{:02d}.png"
# SHA-256 of kodim01..24.png as distributed.
KODAK_SHA256 = (
    "6b4fbe6f3e8e0e20150d5b0c32248bf072e22b5989d415f96f796c5b7004a70f",
    "1788370471429d992750a09caf6702ac74e56962447de02520d4b161738c0369",
    "b9c800ee568f0b18c983817df08d9f7f24a7ddb3abfdc31bde9234c4fde83137",
    "0c60c62599ad33fd78b29c36013fbe4120946f6c327c0ef0ec6983297fb48d23",
    "ccf694ceb6bbf431e0009ed0d5573a8ff0915095b69ddfb527b91d8325897f5e",
    "f4212cc927d1d579c712843cf8320c7eccb571e5ea80456022ffe99d67e9cd5d",
    "7cdd6d63ae0a245f6f9d983d740e11c6808c2efc24f8351aad9b5f676c27b55a",
    "5a6a089bdb47605287c00d89ebf2a5312981eb998c94b5853d917c93a9066cdb",
    "4d8d801592aeaf446978bbd1c83b76c498242d0f684769311a4e7248289500bf",
    "7aca487dc83db732a5690b7affe8558e9dadf5bb44a4589ba2b607480a07228b",
    "c7c02bd6e942d1181518e3ce2d97cf0451e4494a5e9d6ddee276940e4875d746",
    "df571f5e66d1aefd764ea77855e81e3be61528c34962a0fd1d50557502162c1e",
    "797949ce1152ef157ff0a1231c95cb8ed7641615e0b0f5f77f851a44aee19e8d",
    "08a1898d5702f32e7d9f94a94651d74a62cb9325475775a558b388c8d98f1846",
    "416c475f39b0eb9203ce7f77d2af8824f5bffc1a86a4605865017f04c41639b9",
    "5d03303693decdf7a1e1e930b5ca6684283aa80a9e7d8d6a842a74fa5f790640",
    "19d90e98e5835efae20a6e17e22e5ac6814ee2c8efb32d188ea4359abaf9f5bd",
    "83df267dfec61e9b9d3756c422502160b2fab595650c73a8b12940540ad09ec5",
    "86560efe85a13413b228ef7e42dde0d439b25a94fb8e2d6fb1dc1631cf48853b",
    "1ae187d92b3a4483b6717f7fd08592846ffdfc340c6424f6756627a27f3d8ea7",
    "26e193795108c4b5ec47206ae4ff07a353d2492947f7a7ae8d380e042b74027b",
    "627b76fccf714b4ddffb739b2eb63ba2817cf5b5a8e222079542dcf2cfdda939",
    "85c67d7ea758cb0604fb6980ab0c65091a2eefa7b3b50cbb1bc702a60206dfe5",
    "9f1c26df52217bd49f998a720a2ffeba41a535cf826f4ae32e355fb2b0bbc0fe",
)
DIV2K_URL = "https://data.vision.ee.ethz.ch/cvl/DIV2K/DIV2K_{split}_HR.zip"
DIV2K_SPLITS = ("valid", "train")  # 100 and 800 images
CIFAR10_URL = "https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz"
CIFAR10_MD5 = "md5:c58f30108f718f92721af3b95e74349a"


def _check_split(split: str, choices: Sequence[str], key: str = "split") -> None:
    if split not in choices:
        raise LinksimError(f"{key}={split!r}: choose one of {', '.join(choices)}")


@DATASETS.register("kodak")
class Kodak(ImageSet):
    """Kodak from ``path``, else ``../shared/data/kodak``, else the cache, else
    http://r0k.us (checked per file)."""

    def __init__(self, path: str | Path | None = None, crop: int | Sequence[int] | None = None,
                 crop_mode: str = "center", count: int | None = None) -> None:
        path = path or shared_data("kodak")
        if path is None:
            path = cache_dir() / "kodak"
            for i, digest in enumerate(KODAK_SHA256, start=1):
                fetch(KODAK_URL.format(i), path / f"kodim{i:02d}.png", f"sha256:{digest}", "kodak")
        super().__init__(folder_items(Path(path)), crop, crop_mode, count)


@DATASETS.register("div2k")
class DIV2K(ImageSet):
    """DIV2K from ``path`` (a folder of PNGs), else (validation split) the 100 256x256 crops
    in ``../shared/data/div2k_valid_256``, else the official HR zip."""

    def __init__(self, path: str | Path | None = None, split: str = "valid",
                 crop: int | Sequence[int] | None = None, crop_mode: str = "center",
                 count: int | None = None) -> None:
        _check_split(split, DIV2K_SPLITS)
        if path is None and split == "valid":
            path = shared_data("div2k_valid_256")
        if path is None:
            path = fetch_archive(DIV2K_URL.format(split=split), f"DIV2K_{split}_HR.zip",
                                 f"DIV2K_{split}_HR", None, "div2k")
        super().__init__(folder_items(Path(path)), crop, crop_mode, count)


@DATASETS.register("cifar10")
class CIFAR10(ImageSet):
    """CIFAR-10 from the official python tarball (``path``: its extracted folder)."""

    def __init__(self, path: str | Path | None = None, split: str = "test",
                 crop: int | Sequence[int] | None = None, crop_mode: str = "center",
                 count: int | None = None) -> None:
        _check_split(split, ("test", "train"))
        if path is None:
            path = fetch_archive(CIFAR10_URL, "cifar-10-python.tar.gz", "cifar-10-batches-py",
                                 CIFAR10_MD5, "cifar10")
        files = ["test_batch"] if split == "test" else [f"data_batch_{i}" for i in range(1, 6)]
        images = []
        for name in files:
            batch_file = Path(path) / name
            if not batch_file.is_file():
                raise LinksimError(f"{batch_file}: missing CIFAR-10 batch; pass the extracted "
                                   "cifar-10-batches-py folder as [source] path")
            with open(batch_file, "rb") as f:
                data = pickle.load(f, encoding="bytes")[b"data"]
            images.append(np.asarray(data, dtype=np.uint8).reshape(-1, 3, 32, 32))
        arr = first(np.concatenate(images), count, "images")
        items = [(f"{split}_{i:05d}", (lambda a=a: to_tensor(a.transpose(1, 2, 0))))
                 for i, a in enumerate(arr)]
        super().__init__(items, crop, crop_mode, None)
