"""Reading a scenario TOML file into a :class:`~linksim.scenario.config.Scenario`.

Every problem becomes a :class:`ScenarioError` whose message reads
``file:line: key: what is wrong; the fix`` (the CLI prints it and exits 2).
"""
from __future__ import annotations

import ast
import inspect
import re
import tomllib
from pathlib import Path
from typing import Any, Sequence

from linksim.errors import LinksimError, UnknownName
from linksim.core.registry import CHANNELS, DATASETS, METRICS, SYSTEMS
from linksim.scenario.config import (PartConfig, Scenario, SourceConfig, StopConfig,
                                     SweepConfig)

TOP_KEYS = ("name", "seed", "output", "device", "source", "sweep", "channels", "systems",
            "metrics", "stop")
SOURCE_KEYS = ("dataset", "path", "split", "crop", "crop_mode", "count")
SWEEP_KEYS = ("snr_db", "cbr")
METRIC_KEYS = ("names",)
STOP_KEYS = ("max_items", "target_ci", "min_items", "batch_size")
DEVICES = ("cpu", "cuda", "auto")


class ScenarioError(LinksimError):
    """A scenario file problem, located as ``file:line: key: message``."""


class _Reader:
    """Validation helpers bound to one file's text, for line numbers in messages."""

    def __init__(self, file: Path | str, text: str) -> None:
        self.file, self.lines = str(file), text.splitlines()

    def line_of(self, table: Sequence[Any], key: str | None) -> int:
        """Line of ``key`` inside ``table`` (e.g. ("systems", 1)), else of the table header."""
        name = table[0] if table else None
        index = table[1] if len(table) > 1 else 0
        current, seen, header_line = None, -1, 1
        for no, raw in enumerate(self.lines, start=1):
            line = raw.strip()
            m = re.match(r"^\[\[?\s*([A-Za-z0-9_.]+)\s*\]\]?", line)
            if m:
                current = m.group(1)
                if current == name:
                    seen += 1
                    if seen == index:
                        header_line = no
                continue
            in_table = (current is None and name is None) or (current == name and seen == index)
            if in_table and key and re.match(rf"^{re.escape(key)}\s*=", line):
                return no
        return header_line

    def error(self, table: Sequence[Any], key: str | None, message: str) -> ScenarioError:
        where = ".".join(str(t) for t in table) + ("." if table and key else "") + (key or "")
        return ScenarioError(f"{self.file}:{self.line_of(table, key)}: {where or '<file>'}: {message}")

    def check_keys(self, table: Sequence[Any], data: dict[str, Any], valid: Sequence[str]) -> None:
        for key in data:
            if key not in valid:
                raise self.error(table, key, f"unknown key; valid keys: {', '.join(valid)}")

    def typed(self, table: Sequence[Any], data: dict[str, Any], key: str, types: tuple,
              default: Any = None, required: bool = False) -> Any:
        if key not in data:
            if required:
                raise self.error(table, None, f"missing required key {key!r}")
            return default
        value = data[key]
        if isinstance(value, bool) and bool not in types or not isinstance(value, types):
            names = " or ".join(t.__name__ for t in types)
            raise self.error(table, key, f"expected {names}, got {type(value).__name__} {value!r}")
        return value


def parse_snr(value: Any) -> list[float]:
    """``[0, 5, 10]``, ``5`` or ``"start:stop:step"`` (stop included) -> list of dB values."""
    if isinstance(value, str):
        parts = value.split(":")
        if len(parts) != 3:
            raise ValueError(f"{value!r} is not start:stop:step (e.g. \"0:20:2\")")
        start, stop, step = (float(p) for p in parts)
        if step <= 0:
            raise ValueError(f"step must be positive in {value!r}")
        count = int(round((stop - start) / step)) + 1 if stop >= start else 0
        return [round(start + i * step, 6) for i in range(count)]
    values = value if isinstance(value, list) else [value]
    if not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values):
        raise ValueError("expected numbers or \"start:stop:step\"")
    return [float(v) for v in values]


def parse_cbr(value: Any) -> list[float]:
    """``"1/16"``, ``0.0625`` or a list of them -> list of floats."""
    out = []
    for v in value if isinstance(value, list) else [value]:
        if isinstance(v, str) and re.fullmatch(r"\s*\d+\s*/\s*\d+\s*", v):
            num, den = v.split("/")
            if int(den) == 0:
                raise ValueError(f"{v!r} divides by zero")
            out.append(int(num) / int(den))
        elif isinstance(v, (int, float)) and not isinstance(v, bool):
            out.append(float(v))
        else:
            raise ValueError(f"{v!r} is not a ratio like \"1/16\" or a number")
    if any(not 0 < c <= 16 for c in out):
        raise ValueError("every cbr must be in (0, 16]")
    return out


def accepted_params(factory: Any) -> tuple[list[str], bool]:
    """Keyword parameters of a registered factory (minus ``cbr``) and whether it takes **kwargs."""
    sig = inspect.signature(factory)
    names = [p.name for p in sig.parameters.values()
             if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY) and p.name not in ("self", "cbr")]
    var_kw = any(p.kind is p.VAR_KEYWORD for p in sig.parameters.values())
    return names, var_kw


def _parts(r: _Reader, raw: dict[str, Any], section: str, registry) -> list[PartConfig]:
    entries = raw.get(section)
    if not isinstance(entries, list) or not entries or not all(isinstance(e, dict) for e in entries):
        raise r.error((), section, f"expected one or more [[{section}]] tables with a name; "
                                   f"registered: {', '.join(registry.names())}")
    parts, labels = [], set()
    for i, entry in enumerate(entries):
        table = (section, i)
        name = r.typed(table, entry, "name", (str,), required=True)
        try:
            factory = registry.get(name)
        except UnknownName as exc:
            raise r.error(table, "name", str(exc)) from None
        label = r.typed(table, entry, "label", (str,), default=None)
        reserved = ("name", "label", "cbr") if section == "systems" else ("name", "label")
        params = {k: v for k, v in entry.items() if k not in reserved}
        valid, var_kw = accepted_params(factory)
        if not var_kw:
            r.check_keys(table, params, list(reserved) + valid)
        cbrs = None
        if "cbr" in reserved and "cbr" in entry:
            try:
                cbrs = tuple(parse_cbr(entry["cbr"]))
            except ValueError as exc:
                raise r.error(table, "cbr", str(exc)) from None
        label = label or "-".join([name] + [str(v) for v in params.values()
                                            if isinstance(v, (str, int, float))])
        if label in labels:
            raise r.error(table, "label", f"duplicate label {label!r}; give each entry a unique label")
        labels.add(label)
        parts.append(PartConfig(name=name.lower(), label=label, params=params, cbr=cbrs))
    return parts


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


def _apply_overrides(raw: dict[str, Any], overrides: Sequence[str]) -> None:
    for item in overrides:
        if "=" not in item:
            raise ScenarioError(f"--set {item}: expected key=value (e.g. stop.max_items=4)")
        path, text = item.split("=", 1)
        value = parse_value(text.strip())
        node: Any = raw
        keys = path.strip().split(".")
        for k in keys[:-1]:
            try:
                node = node[int(k)] if isinstance(node, list) else node.setdefault(k, {})
            except (IndexError, ValueError, AttributeError):
                raise ScenarioError(f"--set {item}: no such entry {k!r}") from None
        if isinstance(node, list):
            raise ScenarioError(f"--set {item}: {keys[-1]!r} must name a key, not an index")
        node[keys[-1]] = value


def load_scenario(path: str | Path, overrides: Sequence[str] = ()) -> Scenario:
    """Read, override (``--set key=value``) and validate a scenario file."""
    path = Path(path)
    try:
        text = path.read_text()
    except OSError as exc:
        raise ScenarioError(f"{path}: cannot read scenario ({exc.strerror}); check the path") from None
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        m = re.search(r"line (\d+)", str(exc))
        raise ScenarioError(f"{path}:{m.group(1) if m else 1}: invalid TOML: {exc}") from None
    _apply_overrides(raw, overrides)
    return validate(raw, path, text)


def validate(raw: dict[str, Any], file: Path | str = "<scenario>", text: str = "") -> Scenario:
    r = _Reader(file, text)
    r.check_keys((), raw, TOP_KEYS)
    name = r.typed((), raw, "name", (str,), default=Path(str(file)).stem)
    seed = r.typed((), raw, "seed", (int,), default=0)
    output = r.typed((), raw, "output", (str,), default=f"results/{name}")
    device = r.typed((), raw, "device", (str,), default="cpu")
    if device not in DEVICES:
        raise r.error((), "device", f"expected one of {', '.join(DEVICES)}")

    src = r.typed((), raw, "source", (dict,), default={})
    r.check_keys(("source",), src, SOURCE_KEYS)
    dataset = r.typed(("source",), src, "dataset", (str,), default="samples")
    if dataset not in DATASETS:
        raise r.error(("source",), "dataset", f"unknown data set; choose one of "
                                              f"{', '.join(DATASETS.names())}")
    crop = r.typed(("source",), src, "crop", (int, list), default=None)
    if isinstance(crop, list) and (len(crop) != 2 or not all(isinstance(c, int) for c in crop)):
        raise r.error(("source",), "crop", "expected an int or [height, width]")
    source = SourceConfig(
        dataset=dataset, path=r.typed(("source",), src, "path", (str,)),
        split=r.typed(("source",), src, "split", (str,)), crop=crop,
        crop_mode=r.typed(("source",), src, "crop_mode", (str,), default="center"),
        count=r.typed(("source",), src, "count", (int,)))
    if source.crop_mode not in ("center", "random"):
        raise r.error(("source",), "crop_mode", "expected \"center\" or \"random\"")

    sw = r.typed((), raw, "sweep", (dict,), required=True)
    r.check_keys(("sweep",), sw, SWEEP_KEYS)
    axes = {}
    for key, parse in (("snr_db", parse_snr), ("cbr", parse_cbr)):
        value = r.typed(("sweep",), sw, key, (list, str, int, float), required=True)
        try:
            axes[key] = parse(value)
        except ValueError as exc:
            raise r.error(("sweep",), key, str(exc)) from None
        if not axes[key]:
            raise r.error(("sweep",), key, "empty sweep; give at least one value")
    sweep = SweepConfig(**axes)

    met = r.typed((), raw, "metrics", (dict,), default={"names": ["psnr"]})
    r.check_keys(("metrics",), met, METRIC_KEYS)
    metrics = r.typed(("metrics",), met, "names", (list,), default=["psnr"])
    for m in metrics:
        if m not in METRICS:
            raise r.error(("metrics",), "names", f"unknown metric {m!r}; choose from "
                                                 f"{', '.join(METRICS.names())}")
    if not metrics:
        raise r.error(("metrics",), "names", "empty list; name at least one metric")

    st = r.typed((), raw, "stop", (dict,), default={})
    r.check_keys(("stop",), st, STOP_KEYS)
    stop = StopConfig(
        max_items=r.typed(("stop",), st, "max_items", (int,)),
        target_ci=r.typed(("stop",), st, "target_ci", (int, float)),
        min_items=r.typed(("stop",), st, "min_items", (int,), default=4),
        batch_size=r.typed(("stop",), st, "batch_size", (int,), default=4))
    for key in ("max_items", "min_items", "batch_size"):
        value = getattr(stop, key)
        if value is not None and value < 1:
            raise r.error(("stop",), key, "must be at least 1")

    return Scenario(name=name, seed=seed, output=Path(output), device=device, source=source,
                    sweep=sweep, channels=_parts(r, raw, "channels", CHANNELS),
                    systems=_parts(r, raw, "systems", SYSTEMS), metrics=list(metrics),
                    stop=stop, file=Path(str(file)))
