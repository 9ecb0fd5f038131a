"""One registry module with discovery: tasks, systems, channels, equalizers, data sets,
metrics, losses, codecs, scan backends and executors.

Every pluggable part registers itself under one lower-case name::

    @SYSTEMS.register("uncoded")
    class Uncoded(System): ...

Lookups import the built-in packages first (``linksim.channels``, ``linksim.phy``,
``linksim.mamba``, every task package under ``linksim.tasks`` and every sub-package
of ``baselines``), so a new module in one of them is found without editing a list. ``linksim list`` prints every registry.
"""
from __future__ import annotations

import importlib
import pkgutil
from typing import Callable, Generic, Iterator, TypeVar

from linksim.errors import UnknownName

T = TypeVar("T")

_DISCOVERY_PACKAGES = ("linksim.channels", "linksim.phy", "linksim.mamba", "linksim.tasks",
                       "linksim.core.executors", "baselines")
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
    """Name -> factory map for one kind of part (``kind`` is used in messages).

    Parts that carry a ``task`` attribute (systems, task-specific data sets) are kept per
    task, so two tasks may each have an ``"uncoded"`` system; ``get(name, task)`` finds
    the task's own, ``get(name)`` a part that is unique by name or belongs to no task.
    """

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self._items: dict[tuple[str, str], T] = {}

    def register(self, name: str) -> Callable[[T], T]:
        def deco(obj: T) -> T:
            task = getattr(obj, "task", "")
            key = (task if isinstance(task, str) else "", name.lower())
            if key in self._items and self._items[key] is not obj:
                raise ValueError(f"{self.kind} {name!r} registered twice")
            self._items[key] = obj
            return obj

        return deco

    def _find(self, name: str, task: str | None) -> list[T]:
        discover()
        name = name.lower()
        hits = [obj for (t, n), obj in self._items.items()
                if n == name and (task is None or t in (task, ""))]
        if task is not None and len(hits) > 1:  # the task's own wins over a shared one
            hits = [self._items[(task, name)]]
        return hits

    def get(self, name: str, task: str | None = None) -> T:
        hits = self._find(name, task)
        if len(hits) == 1:
            return hits[0]
        if hits:
            raise UnknownName(f"{self.kind} {name!r} exists for several tasks; set the "
                              "scenario's task (e.g. task = \"image\")")
        where = f" for task {task!r}" if task else ""
        raise UnknownName(f"unknown {self.kind} {name!r}{where}; choose one of: "
                          f"{', '.join(self.names(task))}")

    def names(self, task: str | None = None) -> list[str]:
        return sorted({n for n, _ in self.items(task)})

    def items(self, task: str | None = None) -> Iterator[tuple[str, T]]:
        """(name, part) pairs, sorted by name (``task``: that task's and shared ones)."""
        discover()
        for (t, n), obj in sorted(self._items.items(), key=lambda kv: (kv[0][1], kv[0][0])):
            if task is None or t in (task, ""):
                yield n, obj

    def __contains__(self, name: str) -> bool:
        return bool(self._find(name, None))


TASKS: Registry = Registry("task")
SYSTEMS: Registry = Registry("system")
CHANNELS: Registry = Registry("channel")
EQUALIZERS: Registry = Registry("equalizer")
DATASETS: Registry = Registry("dataset")
METRICS: Registry = Registry("metric")
LOSSES: Registry = Registry("loss")
CODECS: Registry = Registry("codec")
SCAN_BACKENDS: Registry = Registry("scan backend")
EXECUTORS: Registry = Registry("executor")

#: every registry, for ``linksim list``
ALL: dict[str, Registry] = {r.kind + ("es" if r.kind.endswith("s") else "s"): r for r in (
    TASKS, SYSTEMS, CHANNELS, EQUALIZERS, DATASETS,
    METRICS, LOSSES, CODECS, SCAN_BACKENDS, EXECUTORS)}
