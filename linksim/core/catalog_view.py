"""What the catalog vouches for: the registries as the snapshots of
:mod:`linksim.core.catalog` tell them, for the scenario pre-check
(:func:`linksim.scenario.parse.precheck`).

The pre-check may only refuse what it is sure of; the full validation after the imports stays the
authority. The stamp alone cannot make it sure: editing an ``__init__`` signature, a
task's axes or a config dict changes what a scenario may set without changing a
registration site. So an answer comes from a snapshot (the shipped one, else the cached
one) only when the stamp matches *and* the fingerprints of the modules it depends on match
the current sources: the part's module, and the task's for keys that depend on its axes;
for "unknown name" and the list of names in its message, every module of that kind of
part and the layout (a new module may register parts at no site the stamp sees, e.g.
``metric(f"bleu{n}")`` in a loop). Anything else is :class:`Unsure`: the pre-check leaves
it to the full validation, which then refreshes the user's cached snapshot
(:func:`linksim.core.catalog.refresh`). Plugins (installed, or a scenario's ``plugins``) may add parts the
catalog does not know, never replace a registered one: with any, names the catalog lacks
and shared parts (which a plugin's part of the task would override) are :class:`Unsure`.

The fingerprints are not part of the shipped snapshot's currency test, so editing code
never fails it; a stale fingerprint only costs the parts that depend on it their fast
check until the shipped or cached snapshot is rebuilt.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable, Sequence

from linksim.core import catalog
from linksim.core.sources import Sources
from linksim.errors import UnknownName


class Unsure(Exception):
    """The catalog cannot vouch for an answer: only the live registries can give it."""


@dataclass(frozen=True)
class AxisName:
    """A task's sweep axis as the catalog knows it: its ``[sweep]`` key and label."""

    name: str
    label: str


@dataclass(frozen=True)
class TaskSchema:
    """A task as the scenario checks read it: name, axes, whether its grid points need a
    channel, and the metrics of a scenario that names none."""

    name: str
    axes: tuple[AxisName, ...]
    needs_channel: bool
    default_metrics: tuple[str, ...]


class CatalogParts:
    """The registries as the snapshots tell them, without importing a part: the same
    answers, and the same :class:`UnknownName` texts, as the live registries, or
    :class:`Unsure` where no snapshot can vouch for the answer.

    A snapshot vouches for an answer when the fingerprints of the modules it depends on
    match the sources. ``closed``: no plugin may add parts (none installed, none named by
    the scenario); otherwise an unknown name, the name list of a message, and a shared part
    (which a plugin's part of the task would override) are :class:`Unsure`; a task-owned
    built-in part, and a task, stay certain, since a registered part cannot be replaced;
    so does the default task (a plugin's second default task would make the full
    validation refuse every scenario that names no task). ``stale`` is set when an answer
    was refused because the sources changed since the snapshots were built.
    """

    def __init__(self, snapshots: Sequence[dict[str, Any]], sources: Sources,
                 closed: bool) -> None:
        self.snapshots = [s for s in snapshots if s.get("format") == catalog.SCHEMA_FORMAT]
        self.sources, self.closed = sources, closed
        self.stale = not self.snapshots

    def task(self, name: str | None) -> TaskSchema:
        """The task ``name`` (``None``: the one that declares ``is_default``)."""
        if name is None:
            # a task added since (new module or plugin) that declares is_default too
            # makes the full validation refuse every scenario without a task: no layout
            snap = self._knowing_all("tasks", layout=False)
            defaults = [n for n, owners in snap["schema"]["tasks"].items()
                        if owners[""]["is_default"]]
            if len(defaults) != 1:
                raise Unsure  # the live registries say what is wrong
            name = defaults[0]
        else:
            snap, (_, name) = self._resolve("tasks", name, None)
        entry = snap["schema"]["tasks"][name][""]
        return TaskSchema(name, tuple(AxisName(*a) for a in entry["axes"]),
                          entry["needs_channel"], tuple(entry["default_metrics"]))

    def get(self, kind: str, name: str, task: str) -> dict[str, Any]:
        """The catalog entry of the part of ``kind`` that ``name`` finds for ``task``."""
        snap, (owner, found) = self._resolve(kind, name, task)
        return snap["schema"][kind][found][owner]

    def names(self, kind: str, task: str) -> list[str]:
        """The names of ``kind`` a scenario of ``task`` may use."""
        from linksim.base.registry import names_among

        if not self.closed:
            raise Unsure
        return names_among(_keys(self._knowing_all(kind), kind), task)

    def keys(self, part: dict[str, Any], task: TaskSchema) -> tuple[list[str], bool]:
        """:func:`accepted_keys` of the part (an entry of :meth:`get`) under ``task``."""
        keys = part.get("keys", {}).get(task.name)
        if keys is None:
            raise Unsure
        return list(keys[0]), bool(keys[1])

    def _resolve(self, kind: str, name: str, task: str | None
                 ) -> tuple[dict[str, Any], tuple[str, str]]:
        """``(snapshot, registry key)`` of what ``name`` finds for ``task``, from the first
        snapshot that vouches for it (:func:`~linksim.base.registry.resolve`)."""
        from linksim.base.registry import ALL, resolve

        for snap in self.snapshots:
            try:
                owner, found = resolve(ALL[kind].kind, _keys(snap, kind), name, task)
            except UnknownName:
                if not self.closed:
                    raise Unsure from None
                if self._vouches_all(snap, kind):
                    raise
                continue
            if owner == "" and task is not None and not self.closed:
                raise Unsure  # a plugin's own part of the task would win over it
            need = {e["module"] for e in snap["schema"][kind][found].values()}
            if task is not None:
                need |= _modules(snap, "tasks", task)
            # a shared part stays the answer unless a new module gave the task its own
            layout = owner or task is None or snap.get("layout") == self.sources.layout()
            if layout and self._vouches(snap, need):
                return snap, (owner, found)
        self.stale = True
        raise Unsure

    def _knowing_all(self, kind: str, layout: bool = True) -> dict[str, Any]:
        """The first snapshot that knows every part of ``kind`` (:meth:`_vouches_all`;
        without ``layout``: of the modules it knows)."""
        for snap in self.snapshots:
            if self._vouches_all(snap, kind, layout):
                return snap
        self.stale = True
        raise Unsure

    def _vouches_all(self, snap: dict[str, Any], kind: str, layout: bool = True) -> bool:
        """Whether ``snap`` knows every part of ``kind``: no module was added since
        (``layout``), and none of its parts' modules changed (which may register more,
        or own others)."""
        return ((not layout or snap.get("layout") == self.sources.layout())
                and self._vouches(snap, _modules(snap, kind)))

    def _vouches(self, snap: dict[str, Any], modules: Iterable[str | None]) -> bool:
        """Whether every module's fingerprint in ``snap`` matches the sources."""
        prints = snap["fingerprints"]
        return all(m is not None and prints.get(m) is not None
                   and prints[m] == self.sources.fingerprint(m) for m in modules)


def _keys(snap: dict[str, Any], kind: str) -> list[tuple[str, str]]:
    """The registry keys ``(owner, name)`` of ``kind`` in a snapshot."""
    return [(owner, name) for name, owners in snap["schema"][kind].items() for owner in owners]


def _modules(snap: dict[str, Any], kind: str, name: str | None = None) -> set[str | None]:
    """The modules of every part of ``kind`` in a snapshot (``name``: of that name only)."""
    table = snap["schema"][kind]
    if name is not None and name not in table:
        return {None}
    rows = [table[name]] if name is not None else list(table.values())
    return {e["module"] for owners in rows for e in owners.values()}


def registered(plugins: Sequence[str] = ()) -> CatalogParts:
    """The registries as the shipped and cached snapshots whose stamp matches the sources
    tell them, without importing a part; open to plugins when the scenario names
    ``plugins`` or installed ones exist (entry-point group ``linksim.plugins``)."""
    from linksim.base.registry import plugin_entry_points

    sources = Sources()
    digest = sources.digest()
    snaps = [s for s in map(catalog._read, (catalog.SHIPPED, catalog._cached()))
             if s and s.get("digest") == digest]
    return CatalogParts(snaps, sources, closed=not plugins and not plugin_entry_points())
