"""Typed scenario configuration (the TOML file after validation).

Field names are the TOML keys; see the README for a full example.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from linksim.base.hashing import stable_hash


@dataclass(frozen=True)
class SourceConfig:
    """``[source]``: a registered data set and the keyword arguments it is built with."""

    dataset: str
    params: dict[str, Any] = field(default_factory=dict)

    def dataset_kwargs(self) -> dict[str, Any]:
        return dict(self.params)


@dataclass(frozen=True)
class PartConfig:
    """One ``[[channels]]`` or ``[[systems]]`` entry: a registered name and its parameters."""

    name: str
    label: str
    params: dict[str, Any] = field(default_factory=dict)
    #: systems only: ``{axis: values}``, the axis values this entry runs at (an axis not
    #: named: all), e.g. where a learned system has checkpoints
    only: dict[str, tuple[float, ...]] = field(default_factory=dict)
    #: the line of the entry's table header in the scenario file (for messages)
    line: int = field(default=0, compare=False)

    def runs_at(self, axes: dict[str, float]) -> bool:
        """Whether the entry runs at the grid point with these axis values."""
        return all(name not in axes or any(abs(axes[name] - v) < 1e-9 for v in values)
                   for name, values in self.only.items())

    def key(self) -> dict[str, Any]:
        return {"name": self.name, "params": self.params}


@dataclass(frozen=True)
class StopConfig:
    """``[stop]``: how many transmissions per grid point.

    Every item is sent ``repeats`` times (independent channel draws); stop after
    ``max_items`` items, or earlier once the 95% CI half-width of the first metric's
    mean is at most ``target_ci`` (after ``min_items`` items). ``batch_size`` items are
    stacked per call; it does not change the results (draws are per transmission).
    """

    max_items: int | None = None
    target_ci: float | None = None
    min_items: int = 4
    batch_size: int = 4
    repeats: int = 1

    def key(self) -> dict[str, Any]:
        """The fields that change results (not ``batch_size``)."""
        d = asdict(self)
        d.pop("batch_size")
        return d


@dataclass(frozen=True)
class Scenario:
    """A validated scenario file."""

    name: str
    seed: int
    output: Path
    device: str
    source: SourceConfig
    sweep: dict[str, list[float]]
    channels: list[PartConfig]
    systems: list[PartConfig]
    metrics: list[str]
    stop: StopConfig
    task: str
    file: Path | None = None
    #: local modules imported before validation (``plugins = [...]``; they register parts)
    plugins: tuple[str, ...] = ()
    #: ``file:line: key`` of the ``source`` and ``sweep`` tables and keys, for problems
    #: found after parsing (the data, the channel-use budget): see :meth:`where`
    places: dict[str, str] = field(default_factory=dict, compare=False)

    def where(self, key: str) -> str:
        """``file:line: key`` of the dotted key ``key`` (e.g. ``source.count``); a key the
        file does not write is placed at its table's line."""
        if key in self.places:
            return self.places[key]
        table = self.places.get(key.split(".")[0])
        return f"{table.rsplit(': ', 1)[0]}: {key}" if table else f"{self.file}: {key}"

    def load_plugins(self) -> None:
        """Import the scenario's plugin modules (searched beside the scenario file first);
        every process that builds the scenario's parts calls this."""
        from linksim.base.registry import load_plugin

        for module in self.plugins:
            load_plugin(module, str(self.file.parent) if self.file else None)

    def point_key(self, system: PartConfig, params: dict[str, Any], identity: dict[str, Any],
                  channel: PartConfig | None, axes: dict[str, float]) -> dict[str, Any]:
        """Everything that determines one grid point's result (not the linksim version)."""
        return {"task": self.task, "seed": self.seed, "source": asdict(self.source),
                "stop": self.stop.key(), "metrics": self.metrics, "system": system.name,
                "params": params, "identity": identity,
                "channel": None if channel is None else channel.key(), "axes": axes}

    def digest(self) -> str:
        """Hash of the settings that change every point's result (not the grid's extent:
        adding SNRs, CBRs, channels or systems keeps it)."""
        return stable_hash({"task": self.task, "seed": self.seed, "source": asdict(self.source),
                            "stop": self.stop.key(), "metrics": self.metrics})
