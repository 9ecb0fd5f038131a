"""Metrics: a per-item function with its name, unit, axis label and direction.

Register with the :func:`metric` decorator::

    @metric("psnr", unit="dB", label="PSNR (dB)")
    def psnr(x, x_hat) -> torch.Tensor: ...     # [B] float64, one value per item

Envelopes (best variant per point), tables, paired comparisons and plots read
``higher_is_better`` instead of assuming it.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

import torch

from linksim.base.registry import METRICS


@dataclass(frozen=True)
class Metric:
    """:ivar fn: ``fn(x, x_hat) -> [B]`` tensor of per-item values.
    :ivar bounds: the range the metric can take, ``(low, high)`` (``None``: unbounded);
        confidence bars are clipped to it (a PSNR bar never reaches below 0 dB).
    :ivar task: the task whose items the metric reads (``""``: any task); a scenario of
        another task cannot name it.
    """

    name: str
    fn: Callable[[Any, Any], torch.Tensor]
    unit: str = ""
    label: str = ""
    higher_is_better: bool = True
    bounds: tuple[float | None, float | None] = (None, None)
    task: str = ""

    def __call__(self, x: Any, x_hat: Any) -> torch.Tensor:
        return self.fn(x, x_hat)

    @property
    def axis_label(self) -> str:
        return self.label or (f"{self.name} ({self.unit})" if self.unit else self.name)

    def clip(self, mean: float, ci: float) -> tuple[float, float]:
        """The (below, above) lengths of the 95% bar ``mean -+ ci`` kept inside ``bounds``."""
        if ci != ci:
            return 0.0, 0.0
        low, high = self.bounds
        below = ci if low is None else max(0.0, min(ci, mean - low))
        above = ci if high is None else max(0.0, min(ci, high - mean))
        return below, above

    def better(self, a: float, b: float) -> bool:
        """Whether mean ``a`` is strictly better than mean ``b`` (NaN is never better)."""
        if a != a:
            return False
        return b != b or (a > b if self.higher_is_better else a < b)


def metric(name: str, unit: str = "", label: str = "", higher_is_better: bool = True,
           bounds: tuple[float | None, float | None] = (None, None), task: str = ""
           ) -> Callable[[Callable], Callable]:
    """Register ``fn`` as the metric ``name`` of ``task`` (``""``: of every task); the
    function itself is returned unchanged."""
    def deco(fn: Callable) -> Callable:
        METRICS.register(name)(Metric(name, fn, unit, label, higher_is_better, bounds, task))
        return fn
    return deco


def get_metric(name: str) -> Metric:
    return METRICS.get(name)
