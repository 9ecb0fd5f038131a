"""The ``gaussian`` data set: ``count`` vectors of ``length`` i.i.d. N(0, sigma^2) samples.

Drawn once from PyTorch's global generator, which the runner seeds with the scenario
seed, so a scenario always sees the same items.
"""
from __future__ import annotations

from typing import Any, ClassVar

import torch

from linksim.base.registry import DATASETS
from linksim.errors import LinksimError


@DATASETS.register("gaussian")
class GaussianSource:
    """i.i.d. real Gaussian vectors (``count`` items of ``length`` samples, std ``sigma``)."""

    task: ClassVar[str] = "gaussian"

    def __init__(self, count: int = 64, length: int = 1024, sigma: float = 1.0) -> None:
        self.check_params({"count": count, "length": length, "sigma": sigma})
        self.sigma = float(sigma)
        self.data = torch.randn(count, length, dtype=torch.float64).mul_(sigma).float()

    @staticmethod
    def check_params(params: dict[str, Any]) -> None:
        for key in ("count", "length"):
            v = params.get(key, 1)
            if isinstance(v, bool) or not isinstance(v, int) or not 1 <= v <= 10_000_000:
                err = LinksimError(f"{key}={v!r}: expected a whole number >= 1")
                err.key = key
                raise err
        v = params.get("sigma", 1.0)
        if isinstance(v, bool) or not isinstance(v, (int, float)) or not 0 < v < float("inf"):
            err = LinksimError(f"sigma={v!r}: expected a positive number")
            err.key = "sigma"
            raise err

    @property
    def names(self) -> list[str]:
        return [f"gaussian-{i:05d}" for i in range(len(self.data))]

    def __len__(self) -> int:
        return len(self.data)

    def __getitem__(self, i: int) -> torch.Tensor:
        return self.data[i]
