"""One registry module with discovery: tasks, systems, channels, equalizers, data sets,
metrics, losses, codecs, scan backends and executors.

Every pluggable part registers itself under one lower-case name::

    @SYSTEMS.register("uncoded")
    class Uncoded(System): ...

Lookups import the built-in packages first (``linksim.channels``, ``linksim.phy``,
``linksim.mamba``, every task package under ``linksim.tasks`` and every sub-package
of ``linksim.baselines``), so a new module in one of them is found without editing a list. ``linksim list`` prints every registry.

Plugins: an installed package extends any registry through the entry-point group
``linksim.plugins`` (the pytest/Flake8 convention)::

    [project.entry-points."linksim.plugins"]
    my_models = "my_models"          # a module: importing it registers its parts
    # or "my_models.plugin:register"  a function, called with no arguments

and a scenario may list local modules to import (``plugins = ["my_models"]``,
:func:`load_plugin`). Every part remembers where it came from (:meth:`Registry.origin`):
``linksim``, ``entry point <name> (<distribution>)`` or ``module <name>``.
"""
from __future__ import annotations

import importlib
import pkgutil
from typing import Callable, Generic, Iterable, Iterator, Sequence, TypeVar

from linksim.errors import UnknownName

T = TypeVar("T")

_DISCOVERY_PACKAGES = ("linksim.channels", "linksim.phy", "linksim.mamba", "linksim.tasks",
                       "linksim.core.executors", "linksim.baselines")
#: the entry-point group through which installed packages register parts
PLUGIN_GROUP = "linksim.plugins"
BUILTIN = "linksim"
_discovered = False
#: built-in modules not registered because an optional dependency is missing: module -> it
MISSING_DEPENDENCIES: dict[str, str] = {}
_loading: list[str] = []   # the origin of the plugin being imported (innermost last)


def discover() -> None:
    """Import every module of the built-in packages once (they register on import), then
    every installed plugin of the entry-point group ``linksim.plugins``."""
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
            try:
                importlib.import_module(info.name)
            except ModuleNotFoundError as exc:
                if (exc.name or "").split(".")[0] in ("linksim", "baselines"):
                    raise
                # an optional dependency (e.g. triton, an extra) is not installed: the
                # module's parts are not registered, everything else is
                MISSING_DEPENDENCIES[info.name] = exc.name or "?"
    for ep in plugin_entry_points():
        dist = getattr(getattr(ep, "dist", None), "name", None)
        _load(f"entry point {ep.name}" + (f" ({dist})" if dist else ""), ep.load,
              f"the entry point {ep.name} = {ep.value!r} of group {PLUGIN_GROUP}"
              + (f" (package {dist}: fix or uninstall it)" if dist else ""))


def plugin_entry_points() -> list:
    """The installed entry points of :data:`PLUGIN_GROUP` (reading them imports nothing);
    none when ``LINKSIM_DISABLE_PLUGIN_AUTOLOAD`` is set (as pytest's
    ``PYTEST_DISABLE_PLUGIN_AUTOLOAD``)."""
    import os
    from importlib.metadata import entry_points

    if os.environ.get("LINKSIM_DISABLE_PLUGIN_AUTOLOAD"):
        return []
    return sorted(entry_points(group=PLUGIN_GROUP), key=lambda ep: ep.name)


def load_plugin(module: str, folder: str | None = None) -> None:
    """Import the local module ``module`` (a scenario's ``plugins = [...]``), so that its
    parts register; its parts' origin is ``module <name>``. ``folder`` (the scenario's) is
    searched first, then ``sys.path``. Importing twice is a no-op."""
    import sys

    discover()
    if folder is not None and str(folder) not in sys.path:
        sys.path.insert(0, str(folder))
    _load(f"module {module}", lambda: importlib.import_module(module),
          f"plugin module {module!r} (a module beside the scenario, or installed)")


def _load(origin: str, load: Callable[[], object], what: str) -> None:
    import types

    _loading.append(origin)
    try:
        obj = load()
        if callable(obj) and not isinstance(obj, (type, types.ModuleType)):
            obj()  # a register() function
    except UnknownName:
        raise
    except Exception as exc:  # noqa: BLE001 - a broken plugin: one line naming it
        from linksim.errors import LinksimError

        first = (str(exc).splitlines() or [""])[0]
        raise LinksimError(f"cannot load {what}: {type(exc).__name__}: {first}") from None
    finally:
        _loading.pop()


def _origin_of(obj: object) -> str:
    if _loading:
        return _loading[-1]
    module = getattr(obj, "__module__", "") or ""
    if module.split(".")[0] == "linksim" or not module:
        return BUILTIN
    return f"module {module}"


def discovered() -> bool:
    """Whether the built-in parts (and installed plugins) have been imported already."""
    return _discovered


def matches(keys: Iterable[tuple[str, str]], name: str, task: str | None
            ) -> list[tuple[str, str]]:
    """The registry keys ``(task, name)`` among ``keys`` that ``name`` finds for ``task``
    (``None``: any task): the task's own part when it has one, else a shared one."""
    name = name.lower()
    hits = [(t, n) for t, n in keys if n == name and (task is None or t in (task, ""))]
    if task is not None and len(hits) > 1:  # the task's own wins over a shared one
        hits = [(task, name)]
    return hits


def names_among(keys: Iterable[tuple[str, str]], task: str | None = None) -> list[str]:
    """The sorted names among the registry ``keys`` of ``task``'s own and shared parts."""
    return sorted({n for t, n in keys if task is None or t in (task, "")})


def resolve(kind: str, keys: Sequence[tuple[str, str]], name: str, task: str | None = None
            ) -> tuple[str, str]:
    """The one key among ``keys`` that ``name`` finds for ``task`` (:func:`matches`), else
    :class:`UnknownName` naming the registered choices: :meth:`Registry.get` over the live
    registry, and the scenario pre-check over the catalog, give the same answer and text."""
    hits = matches(keys, name, task)
    if len(hits) == 1:
        return hits[0]
    if hits:
        raise UnknownName(f"{kind} {name!r} exists for several tasks; set the "
                          "scenario's task (e.g. task = \"image\")")
    where = f" for task {task!r}" if task else ""
    raise UnknownName(f"unknown {kind} {name!r}{where}; choose one of: "
                      f"{', '.join(names_among(keys, task))}")


class Registry(Generic[T]):
    """Name -> factory map for one kind of part (``kind`` is used in messages).

    Parts that carry a ``task`` attribute (systems, task-specific data sets) are kept per
    task, so two tasks may each have an ``"uncoded"`` system; ``get(name, task)`` finds
    the task's own, ``get(name)`` a part that is unique by name or belongs to no task.
    """

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self._items: dict[tuple[str, str], T] = {}
        self._origins: dict[tuple[str, str], str] = {}

    def register(self, name: str) -> Callable[[T], T]:
        def deco(obj: T) -> T:
            task = getattr(obj, "task", "")
            key = (task if isinstance(task, str) else "", name.lower())
            if key in self._items and self._items[key] is not obj:
                raise ValueError(f"{self.kind} {name!r} registered twice")
            self._items[key] = obj
            self._origins.setdefault(key, _origin_of(getattr(obj, "fn", obj)))
            return obj

        return deco

    def _find(self, name: str, task: str | None) -> list[T]:
        discover()
        return [self._items[key] for key in matches(self._items, name, task)]

    def get(self, name: str, task: str | None = None) -> T:
        discover()
        return self._items[resolve(self.kind, list(self._items), name, task)]

    def names(self, task: str | None = None) -> list[str]:
        discover()
        return names_among(self._items, task)

    def items(self, task: str | None = None) -> Iterator[tuple[str, T]]:
        """(name, part) pairs, sorted by name (``task``: that task's and shared ones)."""
        discover()
        for (t, n), obj in sorted(self._items.items(), key=lambda kv: (kv[0][1], kv[0][0])):
            if task is None or t in (task, ""):
                yield n, obj

    def origin(self, name: str, task: str | None = None) -> str:
        """Where the part ``name`` came from: ``linksim`` (built in), ``entry point <name>
        (<distribution>)`` or ``module <name>`` (a scenario's plugin or a script)."""
        return self.origin_of(self.get(name, task))

    def origin_of(self, obj: T) -> str:
        """Where the registered part ``obj`` came from (see :meth:`origin`)."""
        return next(o for k, o in self._origins.items() if self._items[k] is obj)

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
