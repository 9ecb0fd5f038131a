"""Reading a scenario TOML file into a :class:`~linksim.core.scenario.Scenario`.

Every problem becomes a :class:`ScenarioError` whose message reads
``file:line: key: what is wrong; the fix`` (the CLI prints it and exits 2).

:func:`load_scenario` checks a file twice with the same functions, each given what is
registered (:class:`~linksim.scenario.entries.Registered`): first :func:`precheck` against the catalog
(:func:`linksim.core.catalog_view.registered`), which imports no part and no torch, so a wrong
task, sweep axis, metric, channel or system name or entry key is refused in a fraction of a
second; then :func:`validate` against the live registries, which imports every part and is
the authority. The pre-check refuses only what the catalog vouches for, and leaves to
:func:`validate` what it cannot be sure of (a part whose module changed since the snapshot,
a name a plugin may add) and every check that runs a part's own code (the data set, sweep
values, ``check_params``, ``only``). With two mistakes it may therefore name the later
one; fixing it, the next run names the other.
"""
from __future__ import annotations

import ast
import re
import tomllib
from pathlib import Path
from typing import Any, Callable, Sequence


from linksim.errors import LinksimError, UnknownName
from linksim.scenario.entries import Live, Registered, check_entry, entry_tables, parts
from linksim.scenario.reading import Reader, ScenarioError, read_toml
from linksim.base.registry import DATASETS
from linksim.core.catalog import accepted_params, refresh
from linksim.core.catalog_view import Unsure, registered
from linksim.core.task import Task, parse_range, parse_ratio
from linksim.core.scenario import Scenario, SourceConfig, StopConfig

TOP_KEYS = ("name", "task", "seed", "output", "device", "source", "sweep", "channels",
            "systems", "metrics", "stop", "plugins")
METRIC_KEYS = ("names",)
STOP_KEYS = ("max_items", "target_ci", "min_items", "batch_size", "repeats")
DEVICES = ("cpu", "cuda", "auto")
#: a grid larger than this needs ``--set max_points=...``-style intent: refuse it
MAX_POINTS = 100_000


parse_snr = parse_range   # kept names for the CLI flags
parse_cbr = parse_ratio


def _names_for(registry, task: Task) -> list[str]:
    """Registered names of the task's own parts and of the shared ones."""
    return registry.names(task.name)


def parse_value(text: str) -> Any:
    """A command-line value: TOML (``4``, ``0.1``, ``[2, 2]``, ``true``, ``"x"``), else a
    Python literal (``(2, 2)``, ``True``), else the text itself (``none``)."""
    try:
        return tomllib.loads(f"v = {text}")["v"]
    except tomllib.TOMLDecodeError:
        pass
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError):
        return text


def _apply_overrides(raw: dict[str, Any], overrides: Sequence[str]) -> list[str]:
    """Apply ``--set path=value`` items; returns the dotted paths they set."""
    paths = []
    for item in overrides:
        if "=" not in item:
            raise ScenarioError(f"--set {item}: expected key=value (e.g. stop.max_items=4)")
        path, text = item.split("=", 1)
        paths.append(set_key(raw, path, parse_value(text.strip()), f"--set {item}"))
    return paths


def set_key(raw: dict[str, Any], path: str, value: Any, what: str = "") -> str:
    """Set the dotted key ``path`` (``stop.max_items``, ``systems.0.label``) of a raw
    scenario to ``value``; returns the path. ``what`` names the override in messages."""
    what = what or f"override {path}"
    node: Any = raw
    keys = path.strip().split(".")
    for k in keys[:-1]:
        try:
            node = node[int(k)] if isinstance(node, list) else node.setdefault(k, {})
        except (IndexError, ValueError, AttributeError):
            raise ScenarioError(f"{what}: no such entry {k!r}") from None
    if isinstance(node, list):
        raise ScenarioError(f"{what}: {keys[-1]!r} must name a key, not an index")
    node[keys[-1]] = value
    return ".".join(keys)


def load_scenario(path: str | Path, overrides: Sequence[str] = ()) -> Scenario:
    """Read, override (``--set key=value``) and validate a scenario file: the catalog's
    :func:`precheck` first (no part imported), then :func:`validate`."""
    path = Path(path)
    raw, text = read_toml(path)
    overridden = _apply_overrides(raw, overrides)
    stale = precheck(raw, path, text, overridden)
    try:
        return validate(raw, path, text, overridden)
    finally:
        if stale:
            refresh()  # the parts are imported now: let the next pre-check vouch for them


def precheck(raw: dict[str, Any], file: Path | str = "<scenario>", text: str = "",
             overridden: Sequence[str] = ()) -> bool:
    """Refuse a mistake among what :func:`validate` checks, in the same order and with the
    same text, without importing a part: the scenario's own keys, its task, sweep axes,
    metrics, stop rule and the names and keys of its channels and systems, as far as the
    catalog vouches for them (:mod:`linksim.core.catalog`). A check it cannot be sure of,
    and every check that runs a part's own code, is left to :func:`validate`. Returns
    whether it left a check because the sources changed since the catalog was built."""
    r = Reader(file, text, overridden)
    r.check_keys((), raw, TOP_KEYS)
    known = registered(_plugin_names(r, raw))
    try:
        task = _header(r, raw, file, known)[1]
    except Unsure:
        return known.stale  # every check below reads the task
    _sweep_table(r, raw, task)
    _if_sure(_metrics, r, raw, task, known)
    _stop(r, raw)
    for section in ("channels", "systems"):
        required = task.needs_channel if section == "channels" else True
        tables = _if_sure(entry_tables, r, raw, section, task, known, required) or []
        for i, table in enumerate(tables):
            _if_sure(check_entry, r, (section, i), table, task, known)
    return known.stale


def _if_sure(check: Callable[..., Any], *args: Any) -> Any:
    """``check(*args)``, or ``None`` where the catalog cannot vouch for its answer."""
    try:
        return check(*args)
    except Unsure:
        return None


def validate(raw: dict[str, Any], file: Path | str = "<scenario>", text: str = "",
             overridden: Sequence[str] = ()) -> Scenario:
    """The scenario ``raw`` (the TOML table of ``file``, whose ``text`` gives the line
    numbers) checked against the live registries."""
    r = Reader(file, text, overridden)
    r.check_keys((), raw, TOP_KEYS)
    plugins = _plugins(r, raw, file)
    known = Live()
    name, task, seed, output, device = _header(r, raw, file, known)
    source = _source(r, raw, task)

    sw = _sweep_table(r, raw, task)
    sweep: dict[str, list[float]] = {}
    for axis in task.axes:
        if axis.name not in sw:
            if axis.default is None:
                raise r.error(("sweep",), None, f"missing required key {axis.name!r} "
                                                f"({axis.label})")
            sweep[axis.name] = list(axis.default)
            continue
        value = r.typed(("sweep",), sw, axis.name, (list, str, int, float))
        try:
            sweep[axis.name] = axis.parse(value)
        except ValueError as exc:
            raise r.error(("sweep",), axis.name, str(exc)) from None
        if not sweep[axis.name]:
            raise r.error(("sweep",), axis.name, "empty sweep; give at least one value")
        if len(set(sweep[axis.name])) != len(sweep[axis.name]):
            raise r.error(("sweep",), axis.name, "repeated value; list each value once")

    metrics = _metrics(r, raw, task, known)
    stop = _stop(r, raw)
    channels = parts(r, raw, "channels", task, known, required=task.needs_channel)
    systems = parts(r, raw, "systems", task, known)
    points = (max(1, len(channels)) * len(systems) * _product(len(v) for v in sweep.values()))
    if points > MAX_POINTS:
        raise r.error(("sweep",), None, f"the grid has about {points} points (limit "
                                        f"{MAX_POINTS}); sweep fewer values")
    places = {t: r.place((t,), None) for t in ("source", "sweep")}
    places.update({f"source.{k}": r.place(("source",), k) for k in raw.get("source", {})})
    places.update({f"sweep.{a.name}": r.place(("sweep",), a.name) for a in task.axes})
    return Scenario(name=name, task=task.name, seed=seed, output=Path(output), device=device,
                    source=source, sweep=sweep, channels=channels, systems=systems,
                    metrics=list(metrics), stop=stop, file=Path(str(file)),
                    plugins=plugins, places=places)


def _header(r: Reader, raw: dict[str, Any], file: Path | str, known: Registered
            ) -> tuple[str, Any, int, str, str]:
    """``(name, task, seed, output, device)``: the scenario's own keys and its task."""
    name = r.typed((), raw, "name", (str,), default=Path(str(file)).stem)
    try:
        task = known.task(r.typed((), raw, "task", (str,), default=None) or None)
    except UnknownName as exc:
        raise r.error((), "task", str(exc)) from None
    seed = r.typed((), raw, "seed", (int,), default=0)
    if not 0 <= seed < 2**63:
        raise r.error((), "seed", "must be a non-negative integer")
    if not re.fullmatch(r"[A-Za-z0-9][\w.+-]*", name):
        raise r.error((), "name", f"{name!r} is not a plain name (letters, digits, _ . + -, "
                                  "no path): it names the results folder results/<task>/<name>; "
                                  "set output for a folder elsewhere")
    output = r.typed((), raw, "output", (str,), default=f"results/{task.name}/{name}")
    if ".." in Path(output).parts:
        raise r.error((), "output", f"{output!r} climbs out with '..'; name a folder below the "
                                    "working directory (e.g. results/<task>/<name>) or an "
                                    "absolute path")
    device = r.typed((), raw, "device", (str,), default="cpu")
    if device not in DEVICES:
        raise r.error((), "device", f"expected one of {', '.join(DEVICES)}")
    return name, task, seed, output, device


def _sweep_table(r: Reader, raw: dict[str, Any], task: Any) -> dict[str, Any]:
    """``[sweep]``: a table whose keys are axes of the task."""
    sw = r.typed((), raw, "sweep", (dict,), default={})
    r.check_keys(("sweep",), sw, [a.name for a in task.axes])
    return sw


def _metrics(r: Reader, raw: dict[str, Any], task: Any, known: Registered) -> list[str]:
    """``[metrics] names``: metrics of the task, at least one, each once (default: the
    task's)."""
    met = r.typed((), raw, "metrics", (dict,), default={})
    r.check_keys(("metrics",), met, METRIC_KEYS)
    metrics = r.typed(("metrics",), met, "names", (list,), default=list(task.default_metrics))
    for m in metrics:
        if not isinstance(m, str):
            raise r.error(("metrics",), "names", f"{m!r} is not a metric name; choose from "
                                                 f"{', '.join(known.names('metrics', task.name))}")
        try:
            known.get("metrics", m, task.name)
        except UnknownName as exc:
            raise r.error(("metrics",), "names", str(exc)) from None
    if not metrics:
        raise r.error(("metrics",), "names", "empty list; name at least one metric")
    if len(set(metrics)) != len(metrics):
        raise r.error(("metrics",), "names", "a metric is named twice; list each once")
    return metrics


def _stop(r: Reader, raw: dict[str, Any]) -> StopConfig:
    """``[stop]``: the stop rule and batch size."""
    st = r.typed((), raw, "stop", (dict,), default={})
    r.check_keys(("stop",), st, STOP_KEYS)
    stop = StopConfig(
        max_items=r.typed(("stop",), st, "max_items", (int,)),
        target_ci=r.typed(("stop",), st, "target_ci", (int, float)),
        min_items=r.typed(("stop",), st, "min_items", (int,), default=4),
        batch_size=r.typed(("stop",), st, "batch_size", (int,), default=4),
        repeats=r.typed(("stop",), st, "repeats", (int,), default=1))
    for key in ("max_items", "min_items", "batch_size", "repeats"):
        value = getattr(stop, key)
        if value is not None and value < 1:
            raise r.error(("stop",), key, "must be at least 1")
    if stop.batch_size > 4096:
        raise r.error(("stop",), "batch_size", "at most 4096 items a batch")
    if stop.target_ci is not None and not stop.target_ci > 0:
        raise r.error(("stop",), "target_ci", "must be positive (a 95% half-width)")
    if stop.max_items is not None and "min_items" in st and stop.min_items > stop.max_items:
        raise r.error(("stop",), "min_items", f"{stop.min_items} is more than max_items = "
                                              f"{stop.max_items}; lower min_items or raise "
                                              "max_items")
    return stop


def _plugin_names(r: Reader, raw: dict[str, Any]) -> list[str]:
    """``plugins = ["my_models"]``: a list of module names."""
    names = r.typed((), raw, "plugins", (list,), default=[])
    for module in names:
        _plugin_name(r, module)
    return names


def _plugin_name(r: Reader, module: Any) -> None:
    """One entry of ``plugins``: an importable module name."""
    if not isinstance(module, str) or not re.fullmatch(r"[A-Za-z_][\w.]*", module):
        raise r.error((), "plugins", f"{module!r} is not a module name; list importable "
                                     "module names, e.g. plugins = [\"my_models\"]")


def _plugins(r: Reader, raw: dict[str, Any], file: Path | str) -> tuple[str, ...]:
    """``plugins = ["my_models"]``: import each module (beside the scenario file first)."""
    from linksim.base.registry import load_plugin

    names = r.typed((), raw, "plugins", (list,), default=[])
    for module in names:
        _plugin_name(r, module)
        try:
            load_plugin(module, str(Path(str(file)).parent))
        except LinksimError as exc:
            raise r.error((), "plugins", str(exc)) from None
    return tuple(names)


def _product(values) -> int:
    out = 1
    for v in values:
        out *= v
    return out


def _source(r: Reader, raw: dict[str, Any], task: Task) -> SourceConfig:
    """``[source]``: ``dataset`` (default: the task's) plus the data set's own keys."""
    src = r.typed((), raw, "source", (dict,), default={})
    dataset = r.typed(("source",), src, "dataset", (str,), default=task.default_dataset)
    try:
        factory = DATASETS.get(dataset, task.name)
    except UnknownName:
        raise r.error(("source",), "dataset", f"unknown data set; choose one of "
                                              f"{', '.join(_names_for(DATASETS, task))}") from None
    params = {k: v for k, v in src.items() if k != "dataset"}
    valid, var_kw = accepted_params(factory)
    if not var_kw:
        r.check_keys(("source",), params, ["dataset"] + valid)
    check = getattr(factory, "check_params", None)
    if check is not None:
        try:
            check(params)
        except LinksimError as exc:
            key = getattr(exc, "key", None)
            raise r.error(("source",), key, str(exc)) from None
    return SourceConfig(dataset=dataset.lower(), params=params)
