"""Registries with discovery: systems, channels and data sets.

Every pluggable part (systems, channels, data sets, metrics) registers itself under one lower-case name::

    @SYSTEMS.register("uncoded")
    class Uncoded(System): ...

Lookups import the built-in packages first (``linksim.channels``,
``linksim.tasks.image.sources``, ``linksim.core.system``, ``linksim.models`` and every
sub-package of ``baselines``), so a new module in one of them is found without
editing a list. ``linksim list`` prints every registry.
"""
from __future__ import annotations

import importlib
import pkgutil
from typing import Callable, Generic, Iterator, TypeVar

from linksim.errors import UnknownName

T = TypeVar("T")

_DISCOVERY_PACKAGES = ("linksim.channels", "linksim.phy", "linksim.mamba", "linksim.tasks",
                       "baselines")
_discovered = False


def discover() -> None:
    """Import every module of the built-in packages once (they register on import)."""
    global _discovered
    if _discovered:
        return
    _discovered = True
    for pkg_name in _DISCOVERY_PACKAGES:
        try:
            pkg = importlib.import_module(pkg_name)
        except ModuleNotFoundError:
            continue
        for info in pkgutil.walk_packages(pkg.__path__, prefix=pkg_name + "."):
            importlib.import_module(info.name)


class Registry(Generic[T]):
    """Name -> factory map for one kind of part (``kind`` is used in messages)."""

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self._items: dict[str, T] = {}

    def register(self, name: str) -> Callable[[T], T]:
        key = name.lower()

        def deco(obj: T) -> T:
            if key in self._items and self._items[key] is not obj:
                raise ValueError(f"{self.kind} {key!r} registered twice")
            self._items[key] = obj
            return obj

        return deco

    def get(self, name: str) -> T:
        discover()
        try:
            return self._items[name.lower()]
        except KeyError:
            raise UnknownName(f"unknown {self.kind} {name!r}; choose one of: "
                              f"{', '.join(self.names())}") from None

    def names(self) -> list[str]:
        discover()
        return sorted(self._items)

    def items(self) -> Iterator[tuple[str, T]]:
        for n in self.names():
            yield n, self._items[n]

    def __contains__(self, name: str) -> bool:
        discover()
        return name.lower() in self._items


SYSTEMS: Registry = Registry("system")
CHANNELS: Registry = Registry("channel")
DATASETS: Registry = Registry("dataset")
METRICS: Registry = Registry("metric")
