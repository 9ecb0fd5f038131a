"""The catalog of registered parts, readable without importing them (``linksim list``, and
the check of a scenario's names and keys before torch loads).

Importing every part (torch, Sionna, the models) takes seconds; listing them, or refusing a
scenario that names an unknown system, should not. The catalog is a JSON snapshot of

- every registry, ``{kind: [[name, task, summary], ...]}`` (``registries``);
- what a scenario may name and set (``schema``): per task its axes, whether it needs a
  channel, its default metrics and whether it is the default task; per system, channel and
  metric the task that owns it (``""``: shared); per system and channel the keys its
  scenario entry accepts under each task that sees it, as :func:`accepted_keys` computes
  them from the live part (what the full validation calls too);
- a fingerprint of every module that defines a task or part (``fingerprints``): a digest of
  the module's text and of every linksim module it imports, directly or through others,
  and a digest of the names of all the files (``layout``).

It is stamped with a digest of the registration sites it was built from: every decorator
that registers a part by name (``@SYSTEMS.register("uncoded")``, ``@metric("psnr", ...)``)
in the ``.py`` files of the ``linksim`` package, with its file. Adding, removing, renaming
or moving a part changes the stamp; editing code does not.

:func:`load` returns the shipped snapshot (``linksim/catalog.json``) or the user's cached
one (``cache_dir("catalog")``) when its stamp matches the sources, and otherwise imports
everything, builds the snapshot from the live registries and caches it. Refresh the
shipped one after changing parts with ``python -m linksim.core.catalog`` (a test checks
that its registries and schema are current).

The schema serves a pre-check (:func:`registered`, :func:`linksim.scenario.parse.precheck`)
that may only refuse what it is sure of; the full validation after the imports stays the
authority. The stamp alone cannot make it sure: editing an ``__init__`` signature, a
task's axes or a config dict changes what a scenario may set without changing a
registration site. So an answer comes from a snapshot (the shipped one, else the cached
one) only when the stamp matches *and* the fingerprints of the modules it depends on match
the current sources: the part's module, and the task's for keys that depend on its axes;
for "unknown name" and the list of names in its message, every module of that kind of
part and the layout (a new module may register parts at no site the stamp sees, e.g.
``metric(f"bleu{n}")`` in a loop). Anything else is :class:`Unsure`: the pre-check leaves
it to the full validation, which then refreshes the user's cached snapshot
(:func:`refresh`). Plugins (installed, or a scenario's ``plugins``) may add parts the
catalog does not know, never replace a registered one: with any, names the catalog lacks
and shared parts (which a plugin's part of the task would override) are :class:`Unsure`.

The fingerprints are not part of the shipped snapshot's currency test, so editing code
never fails it; a stale fingerprint only costs the parts that depend on it their fast
check until the shipped or cached snapshot is rebuilt.
"""
from __future__ import annotations

import hashlib
import importlib.util
import inspect
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Sequence

from linksim.base.paths import cache_dir
from linksim.errors import UnknownName

SHIPPED = Path(__file__).resolve().parents[1] / "catalog.json"
_PACKAGES = ("linksim", "linksim.baselines")
#: a decorator whose first argument is a name: how every part registers itself
_REGISTRATION = re.compile(r"""^[ \t]*@([\w.]+)\(\s*["']([^"']+)["']""", re.MULTILINE)
#: an import statement: ``from a.b import (c, d)`` or ``import a.b as c, d``
_IMPORT = re.compile(r"^[ \t]*(?:from[ \t]+([\w.]+)[ \t]+import[ \t]+(\([^)]*\)|[^\n]*)"
                     r"|import[ \t]+([^\n]+))", re.MULTILINE)
#: the layout of ``schema`` and ``fingerprints`` (a snapshot of another is not read for them)
SCHEMA_FORMAT = 1
#: the kinds of part a scenario names in its own tables (besides its task)
NAMED_KINDS = ("channels", "systems", "metrics")
#: the kinds whose scenario entries set keys of their own
ENTRY_KINDS = ("channels", "systems")


def source_files() -> list[tuple[str, Path]]:
    """``(package-relative name, path)`` of every ``.py`` file of the packages, sorted."""
    out = []
    for pkg in _PACKAGES:
        spec = importlib.util.find_spec(pkg)
        for root in (spec.submodule_search_locations or []) if spec else []:
            root = Path(root)
            out += [(f"{pkg}/{p.relative_to(root).as_posix()}", p) for p in root.rglob("*.py")]
    return sorted(out)


class Sources:
    """The ``.py`` files of the packages, each read once: the registration sites, the
    imports between modules and the fingerprints of modules."""

    def __init__(self) -> None:
        self.paths = dict(source_files())
        self.modules = {_module_name(rel): rel for rel in self.paths}
        self._texts: dict[str, str] = {}
        self._fingerprints: dict[str, str | None] = {}

    def text(self, rel: str) -> str:
        """The text of the file ``rel`` (read once)."""
        if rel not in self._texts:
            self._texts[rel] = self.paths[rel].read_text(encoding="utf-8")
        return self._texts[rel]

    def registrations(self) -> list[tuple[str, str, str]]:
        """``(file, decorator, name)`` of every registration site, sorted."""
        return sorted((rel, deco, name) for rel in self.paths
                      for deco, name in _REGISTRATION.findall(self.text(rel)))

    def digest(self) -> str:
        """SHA-1 of the registration sites (the catalog's stamp)."""
        return hashlib.sha1(json.dumps(self.registrations()).encode()).hexdigest()

    def layout(self) -> str:
        """SHA-1 of the names of the files (a new module may register parts at no site the
        stamp sees, e.g. ``metric(f"bleu{n}")`` in a loop)."""
        return hashlib.sha1(json.dumps(sorted(self.paths)).encode()).hexdigest()

    def file_of(self, module: str) -> str | None:
        """The package-relative file of the module named ``module`` (``None``: not ours)."""
        return self.modules.get(module)

    def imports(self, rel: str) -> set[str]:
        """The files of the linksim modules (and their packages) that ``rel`` imports
        anywhere in its text; a word that only looks like an import adds, never drops one."""
        names = set()
        for base, what, plain_import in _IMPORT.findall(self.text(rel)):
            if base:
                base = _absolute(base, rel)
                names |= {base} | {f"{base}.{w}" for w in re.findall(r"\w+", what)}
            else:
                names |= set(re.findall(r"[\w.]+", plain_import))
        out = set()
        for name in names:
            parts = name.split(".")
            out |= {self.modules[m] for m in (".".join(parts[:i]) for i in
                                              range(1, len(parts) + 1)) if m in self.modules}
        return out

    def closure(self, rel: str) -> list[str]:
        """``rel`` and every file it imports, directly or through others, sorted."""
        seen, todo = set(), [rel]
        while todo:
            current = todo.pop()
            if current not in seen:
                seen.add(current)
                todo += self.imports(current) - seen
        return sorted(seen)

    def fingerprint(self, rel: str) -> str | None:
        """SHA-1 of the text of ``rel`` and of every file in its :meth:`closure` (``None``:
        no such file)."""
        if rel not in self._fingerprints:
            self._fingerprints[rel] = None if rel not in self.paths else hashlib.sha1(
                json.dumps([[f, hashlib.sha1(self.text(f).encode()).hexdigest()]
                            for f in self.closure(rel)]).encode()).hexdigest()
        return self._fingerprints[rel]


def _module_name(rel: str) -> str:
    """``linksim/core/task.py`` -> ``linksim.core.task``; a package's ``__init__.py`` -> the
    package."""
    name = rel.removesuffix(".py").replace("/", ".")
    return name.removesuffix(".__init__")


def _absolute(base: str, rel: str) -> str:
    """The module a ``from base import`` in the file ``rel`` names (``..x`` -> its package's
    sibling ``x``)."""
    level = len(base) - len(base.lstrip("."))
    if not level:
        return base
    package = _module_name(rel).split(".")
    if not rel.endswith("__init__.py"):
        package = package[:-1]
    up = package[:len(package) - level + 1]
    return ".".join(up + ([base[level:]] if base[level:] else []))


def registrations() -> list[tuple[str, str, str]]:
    """``(file, decorator, name)`` of every registration site, sorted."""
    return Sources().registrations()


def source_digest() -> str:
    """SHA-1 of the registration sites (the catalog's stamp)."""
    return Sources().digest()


#: LaTeX in ``:math:`` roles -> plain text, in this order
_LATEX = ((r"\\frac\s*\{?(\w)\}?\s*\{?(\w)\}?", r" (\1/\2) "), (r"\\log_\{?(\d+)\}?", r" log\1 "),
          (r"\\(?:mathrm|mathcal|mathbf|operatorname)\{([^}]*)\}", r"\1"),
          (r"\\sqrt\{([^}]*)\}", r"sqrt(\1)"), (r"\\hat\s*\{?(\w)\}?", r"\1_hat"),
          (r"\\sim", "~"), (r"\\sum_(\w)", r"sum_\1 "), (r"\\(\w+)", r"\1"), (r"\s+", " "))


def _math(tex: str) -> str:
    for pattern, repl in _LATEX:
        tex = re.sub(pattern, repl, tex)
    return tex.strip()


def plain(doc: str) -> str:
    """The first line of a docstring without reStructuredText markup: ``:math:`\\sqrt{N_0}```
    -> ``sqrt(N_0)``, ``:class:`~a.B``` -> ``B``, double back-quotes dropped."""
    lines = (doc or "").strip().splitlines()
    line = lines[0] if lines else ""
    line = re.sub(r":math:`([^`]*)`", lambda m: _math(m.group(1)), line)
    line = re.sub(r":\w+:`~?([^`]*)`", lambda m: m.group(1).rsplit(".", 1)[-1], line)
    return line.replace("``", "")


def accepted_params(factory: Any, skip: Sequence[str] = ("self",)) -> tuple[list[str], bool]:
    """Keyword parameters of a registered factory (minus ``skip``) and whether it takes
    **kwargs (a class without its own ``__init__`` takes nothing)."""
    from torch import nn  # here: reading the catalog needs no torch

    if isinstance(factory, type) and factory.__init__ is nn.Module.__init__:
        return [], False
    sig = inspect.signature(factory)
    names = [p.name for p in sig.parameters.values()
             if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY) and p.name not in skip]
    var_kw = any(p.kind is p.VAR_KEYWORD for p in sig.parameters.values())
    return names, var_kw


def accepted_keys(factory: Any, task: Any) -> tuple[list[str], bool]:
    """The keys a scenario entry of the system or channel ``factory`` may set under
    ``task`` (besides name, label, only), and whether it takes any (**kwargs): its
    ``scenario_keys()`` when it has them, else its parameters less the axis values the
    task passes to constructors (:meth:`~linksim.core.task.Task.build_kwargs`)."""
    keys = getattr(factory, "scenario_keys", None)
    if keys:
        return list(keys()), False
    build_axes = tuple(task.build_kwargs({a.name: 0.0 for a in task.axes}))
    return accepted_params(factory, ("self",) + build_axes)


def _owner(obj: Any) -> str:
    """The task a registered part belongs to (``""``: shared), as the registry keys it."""
    owner = getattr(obj, "task", "")
    return owner if isinstance(owner, str) else ""


def _builtin(kind: str) -> list[tuple[str, str, Any]]:
    """``(owner, name, part)`` of the built-in parts of the registry ``kind``, by name."""
    from linksim.base.registry import ALL, BUILTIN

    registry = ALL[kind]
    return [(_owner(obj), name, obj) for name, obj in registry.items()
            if registry.origin_of(obj) == BUILTIN]


def _module_of(obj: Any, sources: Sources) -> str | None:
    """The package-relative file of the module that defines the part ``obj``."""
    return sources.file_of(getattr(getattr(obj, "fn", obj), "__module__", "") or "")


def _task_entry(cls: type, sources: Sources) -> dict[str, Any]:
    """What the scenario checks read of the task class ``cls``."""
    task = cls()
    return {"module": _module_of(cls, sources), "axes": [[a.name, a.label] for a in task.axes],
            "needs_channel": bool(task.needs_channel),
            "default_metrics": list(task.default_metrics),
            "is_default": bool(getattr(cls, "is_default", False))}


def _schema(sources: Sources) -> tuple[dict[str, Any], dict[str, str | None]]:
    """``(schema, fingerprints)`` of the built-in tasks, systems, channels and metrics:
    ``schema[kind][name][owner]`` is the part's entry (module; tasks: axes, ...; systems
    and channels: ``keys[task] = [keys, takes **kwargs]``)."""
    classes = {name: cls for _, name, cls in _builtin("tasks")}
    tasks = {name: cls() for name, cls in classes.items()}
    schema: dict[str, Any] = {"tasks": {name: {"": _task_entry(cls, sources)}
                                        for name, cls in classes.items()}}
    for kind in NAMED_KINDS:
        table = schema[kind] = {}
        for owner, name, obj in _builtin(kind):
            entry: dict[str, Any] = {"module": _module_of(obj, sources)}
            if kind in ENTRY_KINDS:
                entry["keys"] = {t: list(accepted_keys(obj, task)) for t, task in tasks.items()
                                 if owner in (t, "")}
            table.setdefault(name, {})[owner] = entry
    modules = sorted({e["module"] for table in schema.values() for owners in table.values()
                      for e in owners.values() if e["module"]})
    return schema, {m: sources.fingerprint(m) for m in modules}


def build() -> dict[str, Any]:
    """Import every part and snapshot the live registries (built-in parts only: plugins
    are listed live, :mod:`linksim.cli.list`)."""
    from linksim.base.registry import ALL

    sources = Sources()
    registries = {kind: [[name, owner, plain(inspect.getdoc(getattr(obj, "fn", obj)) or "")]
                         for owner, name, obj in _builtin(kind)] for kind in ALL}
    schema, fingerprints = _schema(sources)
    return {"digest": sources.digest(), "registries": registries, "format": SCHEMA_FORMAT,
            "schema": schema, "fingerprints": fingerprints, "layout": sources.layout()}


def _read(path: Path) -> dict[str, Any] | None:
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return None


def _cached() -> Path:
    return cache_dir("catalog") / "catalog.json"


def _write_cache(snap: dict[str, Any]) -> None:
    from linksim.base.files import atomic_write

    try:
        atomic_write(_cached(), json.dumps(snap, indent=1) + "\n")
    except OSError:
        pass  # a read-only cache only costs the next call the import again


def load() -> dict[str, Any]:
    """The current catalog: a snapshot whose stamp matches the sources, else a new one."""
    digest = source_digest()
    for path in (SHIPPED, _cached()):
        snap = _read(path)
        if snap and snap.get("digest") == digest:
            return snap
    snap = build()
    _write_cache(snap)
    return snap


def refresh() -> None:
    """Rebuild the user's cached snapshot from the live registries when the parts are
    imported already (after a scenario's full validation), so that the next pre-check
    can vouch for parts whose modules changed since the snapshots were built."""
    from linksim.base.registry import discovered

    if not discovered():
        return
    try:
        snap = build()
    except Exception:  # noqa: BLE001 - only the next pre-check's speed depends on it
        return
    _write_cache(snap)


def write_shipped() -> Path:
    SHIPPED.write_text(json.dumps(build(), indent=1) + "\n")
    return SHIPPED


# --- the scenario pre-check's view of the registries -----------------------------------
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
        self.snapshots = [s for s in snapshots if s.get("format") == SCHEMA_FORMAT]
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
    snaps = [s for s in map(_read, (SHIPPED, _cached())) if s and s.get("digest") == digest]
    return CatalogParts(snaps, sources, closed=not plugins and not plugin_entry_points())


if __name__ == "__main__":
    print(f"wrote {write_shipped()}")
