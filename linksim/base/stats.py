"""Mergeable accumulators: mean and 95% confidence interval from raw sums.

A record stores ``sum``, ``sum_sq`` and ``count`` per metric, so runs merge by
adding them; the interval is Student-t on the sample standard deviation.
"""
from __future__ import annotations

import functools
import math
from dataclasses import dataclass


@dataclass
class Accumulator:
    """Running ``sum``, ``sum_sq`` and ``count`` of one metric."""

    sum: float = 0.0
    sum_sq: float = 0.0
    count: int = 0

    def add(self, values) -> None:
        for v in values:
            v = float(v)
            self.sum += v
            self.sum_sq += v * v
            self.count += 1

    @property
    def mean(self) -> float:
        return self.sum / self.count if self.count else math.nan

    @property
    def ci95(self) -> float:
        """Half-width of the 95% confidence interval of the mean (nan below 2 samples)."""
        return ci95_half_width(self.sum, self.sum_sq, self.count)

    def as_dict(self) -> dict[str, float]:
        return {"sum": self.sum, "sum_sq": self.sum_sq, "count": self.count}


def ci95_half_width(total: float, total_sq: float, count: int) -> float:
    if count < 2:
        return math.nan
    mean = total / count
    var = max(0.0, (total_sq - count * mean * mean) / (count - 1))
    return t975(count - 1) * math.sqrt(var / count)


@functools.lru_cache(maxsize=4096)
def t975(dof: int) -> float:
    """The 97.5% quantile of Student's t with ``dof`` degrees of freedom (SciPy, imported on
    first use: it costs about a second, which commands that never print an interval skip)."""
    from scipy import stats

    return float(stats.t.ppf(0.975, dof))
