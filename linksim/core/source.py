"""Source items a scenario asks for: the first ``count`` items of a data set.

A ``count`` larger than the data set is an error (naming the key ``count``) rather than a
silently shorter run.
"""
from __future__ import annotations

from typing import Iterable, TypeVar

from linksim.errors import keyed

T = TypeVar("T")


def first(items: Iterable[T], count: int | None, what: str = "items") -> list[T]:
    """The first ``count`` of ``items`` (all for ``None``); ``what`` names them in the error
    (``"images"``), e.g. ``count=100: the data set has 7 images; ...``."""
    items = list(items)
    if count is not None and count > len(items):
        raise keyed("count", f"count={count}: the data set has {len(items)} {what}; lower "
                             "count, or leave it out for all")
    return items[:count]
