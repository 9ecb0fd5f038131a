"""The ``[[channels]]`` and ``[[systems]]`` entries of a scenario: each names a registered
part of its task and sets only keys that part accepts, checked against what is registered
(:class:`Registered`): the live registries (:class:`Live`), or the catalog before any part
is imported (:class:`~linksim.core.catalog_view.CatalogParts`)."""
from __future__ import annotations

from typing import Any, NamedTuple, Protocol, Sequence

from linksim.base.registry import ALL, TASKS
from linksim.core.catalog import accepted_keys
from linksim.core.catalog_view import TaskSchema
from linksim.core.scenario import PartConfig
from linksim.core.task import Task, default_task_name
from linksim.errors import LinksimError, UnknownName
from linksim.scenario.reading import Reader

#: keys of a ``[[channels]]`` / ``[[systems]]`` entry that are not the part's own
RESERVED = {"channels": ("name", "label"), "systems": ("name", "label", "only")}


class Registered(Protocol):
    """What is registered, as the checks read it: the live registries (:class:`Live`) or
    the catalog (:class:`~linksim.core.catalog_view.CatalogParts`, which raises
    :class:`~linksim.core.catalog_view.Unsure` where it cannot vouch for an answer)."""

    def task(self, name: str | None) -> Task | TaskSchema:
        """The task ``name`` (``None``: the default task); :class:`UnknownName` if none."""

    def get(self, kind: str, name: str, task: str) -> Any:
        """The part of ``kind`` (``systems``, ...) ``name`` finds for ``task``."""

    def names(self, kind: str, task: str) -> list[str]:
        """The names of ``kind`` a scenario of ``task`` may use."""

    def keys(self, part: Any, task: Any) -> tuple[list[str], bool]:
        """The keys an entry of ``part`` accepts under ``task``, and whether any (**kwargs)."""


class Live:
    """The live registries (a lookup imports every built-in part and installed plugin)."""

    def task(self, name: str | None) -> Task:
        return TASKS.get(name or default_task_name())()

    def get(self, kind: str, name: str, task: str) -> Any:
        return ALL[kind].get(name, task)

    def names(self, kind: str, task: str) -> list[str]:
        return ALL[kind].names(task)

    def keys(self, part: Any, task: Task) -> tuple[list[str], bool]:
        return accepted_keys(part, task)


class Entry(NamedTuple):
    """A ``[[channels]]`` or ``[[systems]]`` entry whose name and keys are checked."""

    name: str
    part: Any
    label: str | None
    params: dict[str, Any]


def entry_tables(r: Reader, raw: dict[str, Any], section: str, task: Any, known: Registered,
                 required: bool = True) -> list[dict[str, Any]]:
    """The tables of ``[[section]]``: at least one when ``required``."""
    entries = raw.get(section, [] if not required else None)
    if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries) or (
            required and not entries):
        raise r.error((), section, f"expected one or more [[{section}]] tables with a name; "
                                   f"registered: {', '.join(known.names(section, task.name))}")
    return entries


def check_entry(r: Reader, table: Sequence[Any], entry: dict[str, Any], task: Any,
                known: Registered) -> Entry:
    """An entry's name (registered for the task), label and parameters (none a sweep axis,
    each a key the part accepts)."""
    section = table[0]
    name = r.typed(table, entry, "name", (str,), required=True)
    try:
        part = known.get(section, name, task.name)
    except UnknownName as exc:
        raise r.error(table, "name", str(exc)) from None
    label = r.typed(table, entry, "label", (str,), default=None)
    reserved = RESERVED[section]
    params = {k: v for k, v in entry.items() if k not in reserved}
    for axis in task.axes:
        if axis.name in params:
            raise r.error(table, axis.name, f"{axis.name!r} is a sweep axis; to run this "
                          f"entry at some of its values only, write only = "
                          f"{{{axis.name} = [...]}}")
    valid, var_kw = known.keys(part, task)
    if not var_kw:
        r.check_keys(table, params, list(reserved) + list(valid))
    return Entry(name, part, label, params)


def parts(r: Reader, raw: dict[str, Any], section: str, task: Task, known: Registered,
          required: bool = True) -> list[PartConfig]:
    """The ``[[section]]`` entries: each :func:`check_entry`, then the part's own checks of
    its parameters, its ``only`` axis values and a label unique in the section."""
    out, labels = [], set()
    for i, raw_entry in enumerate(entry_tables(r, raw, section, task, known, required)):
        table = (section, i)
        name, factory, label, params = check_entry(r, table, raw_entry, task, known)
        check = getattr(factory, "check_params", None)
        if check is not None:
            try:
                check(params)
            except LinksimError as exc:
                raise r.error(table, getattr(exc, "key", None), str(exc)) from None
        only = _only(r, table, raw_entry, task) if "only" in RESERVED[section] else {}
        label = label or "-".join([name] + [str(v) for v in params.values()
                                            if isinstance(v, (str, int, float))])
        if label in labels:
            raise r.error(table, "label", f"duplicate label {label!r}; give each entry a unique label")
        labels.add(label)
        out.append(PartConfig(name=name.lower(), label=label, params=params, only=only,
                              line=r.line_of(table, None)))
    return out


def _only(r: Reader, table: Sequence[Any], entry: dict[str, Any], task: Task
          ) -> dict[str, tuple[float, ...]]:
    """``only = {axis = values}``: the axis values an entry runs at (each parsed by its axis)."""
    only = r.typed(table, entry, "only", (dict,), default={})
    axes = {a.name: a for a in task.axes}
    out = {}
    for name, value in only.items():
        if name not in axes:
            raise r.error(table, "only", f"{name!r} is not an axis of task {task.name!r}; "
                          f"axes: {', '.join(axes) or 'none'}")
        try:
            out[name] = tuple(axes[name].parse(value))
        except ValueError as exc:
            raise r.error(table, "only", f"{name}: {exc}") from None
    return out
