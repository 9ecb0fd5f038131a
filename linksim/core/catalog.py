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

The schema serves the scenario pre-check (:mod:`linksim.core.catalog_view`); the
source scanning and fingerprints live in :mod:`linksim.core.sources`.
"""
from __future__ import annotations

import inspect
import json
import re
from pathlib import Path
from typing import Any, Sequence

from linksim.base.paths import cache_dir
from linksim.core.sources import Sources, source_digest

SHIPPED = Path(__file__).resolve().parents[1] / "catalog.json"
#: the layout of ``schema`` and ``fingerprints`` (a snapshot of another is not read for them)
SCHEMA_FORMAT = 1
#: the kinds of part a scenario names in its own tables (besides its task)
NAMED_KINDS = ("channels", "systems", "metrics")
#: the kinds whose scenario entries set keys of their own
ENTRY_KINDS = ("channels", "systems")


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


def entry_keys(factory: Any, skip: Sequence[str] = ("self",)) -> tuple[list[str], bool]:
    """The part's own scenario keys and whether it takes any (**kwargs): its
    ``scenario_keys()`` when it has them, else its parameters (minus ``skip``)."""
    keys = getattr(factory, "scenario_keys", None)
    return (list(keys()), False) if keys else accepted_params(factory, skip)


def accepted_keys(factory: Any, task: Any) -> tuple[list[str], bool]:
    """The keys a scenario entry of the system or channel ``factory`` may set under
    ``task`` (besides name, label, only), and whether it takes any (**kwargs):
    :func:`entry_keys` less the axis values the task passes to constructors
    (:meth:`~linksim.core.task.Task.build_kwargs`)."""
    build_axes = tuple(task.build_kwargs({a.name: 0.0 for a in task.axes}))
    return entry_keys(factory, ("self",) + build_axes)


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


if __name__ == "__main__":
    print(f"wrote {write_shipped()}")
