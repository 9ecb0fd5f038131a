"""The scenario file reference, generated from the typed configuration and the registries
(the guide's *Scenario reference* page; ``python -m linksim.scenario.reference``).

Every key :mod:`linksim.scenario.parse` accepts is listed: the top-level keys
(:data:`~linksim.scenario.parse.TOP_KEYS`), ``[stop]`` (from
:class:`~linksim.core.scenario.StopConfig`: type and default of each field), ``[metrics]``,
``[sweep]`` (each task's axes), ``[source]`` (each data set's constructor), ``[[channels]]``
and ``[[systems]]`` (each registered part's constructor or ``scenario_keys``). Meanings come
from :data:`MEANINGS` for the fixed keys (a test checks it covers exactly the keys parse.py
accepts) and from each part's ``:param name:`` docstring lines for part keys.
"""
from __future__ import annotations

import dataclasses
import inspect
import re
from typing import Any

#: the meaning of every fixed key, by table ("" is the top level)
MEANINGS: dict[str, dict[str, tuple[str, str, str]]] = {
    "": {
        "name": ("string", "the file's stem", "scenario name: recorded in every record, "
                 "titles of figures and reports"),
        "task": ("string", "\"image\"", "the registered task (image, text, beamforming, "
                 "radiomap, gaussian, or a plugin's)"),
        "seed": ("integer >= 0", "0", "the one seed of every generator; with the items it "
                 "fixes the channel draws (common random numbers)"),
        "output": ("string", "\"results/<task>/<name>\"", "results folder (relative to the "
                   "working directory); `linksim run --out` overrides it"),
        "device": ("\"cpu\", \"cuda\" or \"auto\"", "\"cpu\"", "where systems run"),
        "source": ("table", "the task's data set", "`[source]`: the data set and its keys"),
        "sweep": ("table", "each axis' default", "`[sweep]`: values of the task's axes"),
        "channels": ("array of tables", "required when the task needs a channel",
                     "`[[channels]]`: registered channels and their keys"),
        "systems": ("array of tables", "required", "`[[systems]]`: registered systems and "
                    "their keys"),
        "metrics": ("table", "the task's default metrics", "`[metrics]`"),
        "stop": ("table", "see `[stop]`", "`[stop]`: how many transmissions per point"),
        "plugins": ("array of strings", "[]", "local modules to import before validation "
                    "(searched beside the scenario file first); they register parts"),
    },
    "metrics": {
        "names": ("array of strings", "the task's default metrics", "registered metrics "
                  "to record; the first drives `target_ci`"),
    },
    "stop": {
        "max_items": ("", "", "stop after this many items (all of the source when unset)"),
        "target_ci": ("", "", "stop once the 95% half-width of the first metric's mean is at "
                      "most this (after `min_items` items)"),
        "min_items": ("", "", "items before `target_ci` may stop a point"),
        "batch_size": ("", "", "items stacked per call; does not change results"),
        "repeats": ("", "", "transmissions of every item, each with its own channel draw"),
    },
}
#: keys every ``[[channels]]`` / ``[[systems]]`` entry has besides the part's own
PART_KEYS = {
    "channels": {"name": "the registered channel", "label": "the name in records, tables and "
                 "figures; it also seeds the draws (default: the name and values)"},
    "systems": {"name": "the registered system", "label": "the name in records, tables and "
                "figures (default: the name and values)",
                "only": "`{axis = values}`: run this entry at these values of an axis only"},
}


#: meanings of keys many parts share, where a part's docstring says nothing of them
COMMON_KEYS = {
    "checkpoint": "zoo checkpoint id, or a list of ids resolved per point (one per CBR, or "
                  "per training SNR: the nearest is used)",
    "config": "named model configuration (`small`, `paper`, ...) or a table of its keys; "
              "default: the checkpoint's",
    "random_weights": "run with untrained weights (no checkpoint), e.g. for timing",
    "equalizer": "the receiver's equalizer (`mmse`, `zf`)",
    "count": "how many items (default: all)",
    "crop": "side of the crop (pixels), or [height, width]",
    "crop_mode": "`center` or `random` (seeded by the scenario seed)",
    "path": "folder of the data (default: the shared copy, else a download into "
            "`$LINKSIM_DATA`)",
}


def _type_name(annotation: Any) -> str:
    text = annotation if isinstance(annotation, str) else getattr(annotation, "__name__",
                                                                 str(annotation))
    return text.replace("typing.", "").replace("NoneType", "None")


def stop_rows() -> list[tuple[str, str, str, str]]:
    """``[stop]``: type and default from :class:`StopConfig`, meaning from :data:`MEANINGS`."""
    from linksim.core.scenario import StopConfig

    rows = []
    for f in dataclasses.fields(StopConfig):
        default = f.default if f.default is not dataclasses.MISSING else None
        rows.append((f.name, _type_name(f.type), "unset" if default is None else repr(default),
                     MEANINGS["stop"][f.name][2]))
    return rows


def param_docs(obj: Any) -> dict[str, str]:
    """``{name: text}`` of the ``:param name: text`` lines of a class's and its
    ``__init__``'s docstrings."""
    docs: dict[str, str] = {}
    owners = inspect.getmro(obj) if isinstance(obj, type) else (obj,)
    texts = [t for o in owners for t in (inspect.getdoc(o) or "", inspect.getdoc(
        getattr(o, "__init__", None)) or "" if isinstance(o, type) else "")]
    for doc in texts:
        for m in re.finditer(r":param (\w+):\s*(.*?)(?=\n\s*:\w|\n\n|\Z)", doc, flags=re.S):
            docs.setdefault(m.group(1), " ".join(m.group(2).split()))
    return docs


def part_keys(factory: Any, skip: tuple[str, ...] = ("self",)) -> list[tuple[str, str, str, str]]:
    """``(key, type, default, meaning)`` of a registered part's own scenario keys."""
    from linksim.core.catalog import entry_keys

    names, var_kw = entry_keys(factory, skip)
    try:
        sig = inspect.signature(factory)
        params = sig.parameters
    except (TypeError, ValueError):
        params = {}
    docs = param_docs(factory)
    try:
        config_keys = set(factory.config_keys()) if hasattr(factory, "config_keys") else set()
    except Exception:  # noqa: BLE001 - a part without named configs
        config_keys = set()
    rows = []
    for name in names:
        p = params.get(name)
        kind = "" if p is None or p.annotation is inspect.Parameter.empty else _type_name(
            p.annotation)
        default = ("" if p is None or p.default is inspect.Parameter.empty else repr(p.default))
        rows.append((name, kind, default or ("required" if p is not None else ""),
                     docs.get(name) or COMMON_KEYS.get(name) or (
                         "model configuration key: overrides the value of `config` (see "
                         "the system's `configs` and docstring)" if name in config_keys
                         else "")))
    if var_kw:
        rows.append(("...", "", "", "any further keyword the part takes (`**kwargs`)"))
    return rows


def _table(head: list[str], rows: list[tuple]) -> list[str]:
    def cell(v: Any) -> str:
        return str(v).replace("|", "\\|").replace("\n", " ") or " "

    return (["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
            + ["| " + " | ".join(cell(c) for c in row) + " |" for row in rows] + [""])


def markdown() -> str:
    """The whole reference as Markdown."""
    from linksim.base.registry import CHANNELS, DATASETS, SYSTEMS, TASKS
    from linksim.core.catalog import plain

    def first_line(obj: Any) -> str:
        return plain(inspect.getdoc(obj) or "")

    out = ["## Top level", ""]
    out += _table(["key", "type", "default", "meaning"],
                  [(f"`{k}`", *v) for k, v in MEANINGS[""].items()])
    out += ["## `[stop]`", ""]
    out += _table(["key", "type", "default", "meaning"],
                  [(f"`{k}`", t, d, m) for k, t, d, m in stop_rows()])
    out += ["## `[metrics]`", ""]
    out += _table(["key", "type", "default", "meaning"],
                  [(f"`{k}`", *v) for k, v in MEANINGS["metrics"].items()])
    out += ["## `[sweep]`: the axes of each task", "",
            "A value is a list (`[0, 5, 10]`), one number, or `\"start:stop:step\"` (stop "
            "included); ratios may be written `\"1/16\"`.", ""]
    for name, cls in TASKS.items():
        task = cls()
        out += [f"### Task `{name}`", "", first_line(cls), ""]
        if not task.axes:
            out += ["No axes.", ""]
            continue
        out += _table(["key", "unit", "meaning", "role", "default"],
                      [(f"`{a.name}`", a.unit, a.label, a.role,
                        "required" if a.default is None else ", ".join(a.format(v)
                                                                       for v in a.default))
                       for a in task.axes])
    out += ["## `[source]`: the data sets", "",
            "`dataset` names the data set (default: the task's); the other keys are its own.",
            ""]
    for name, factory in DATASETS.items():
        task = getattr(factory, "task", "")
        where = f" (task `{task}`)" if isinstance(task, str) and task else ""
        out += [f"### `dataset = \"{name}\"`{where}", "", first_line(factory), ""]
        rows = part_keys(factory)
        out += _table(["key", "type", "default", "meaning"],
                      [(f"`{k}`", t, d, m) for k, t, d, m in rows]) if rows else ["No keys.", ""]
    for section, registry in (("channels", CHANNELS), ("systems", SYSTEMS)):
        out += [f"## `[[{section}]]`", "", "Every entry has:", ""]
        out += _table(["key", "meaning"], [(f"`{k}`", m) for k, m in PART_KEYS[section].items()])
        for name, factory in registry.items():
            task = getattr(factory, "task", "")
            where = f" (task `{task}`)" if isinstance(task, str) and task else ""
            skip: tuple[str, ...] = ("self",)
            if isinstance(task, str) and task and section == "systems":
                t = TASKS.get(task)()
                skip += tuple(t.build_kwargs({a.name: 0.0 for a in t.axes}))
            out += [f"### `name = \"{name}\"`{where}", "", first_line(factory), ""]
            rows = part_keys(factory, skip)
            out += _table(["key", "type", "default", "meaning"],
                          [(f"`{k}`", t, d, m) for k, t, d, m in rows]) if rows else [
                "No keys of its own.", ""]
    return "\n".join(out)


if __name__ == "__main__":
    print(markdown())
