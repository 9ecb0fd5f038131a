"""Grid points: the cross product of channels, the task's axes and the systems' variants."""
from __future__ import annotations

from dataclasses import dataclass
from itertools import product
from typing import Any, Iterator

from linksim.base.registry import SYSTEMS
from linksim.core.task import Task
from linksim.errors import LinksimError
from linksim.core.scenario import PartConfig, Scenario


@dataclass(frozen=True)
class Point:
    """One grid point: a system variant at one value of every axis on one channel."""

    system: PartConfig
    params: dict[str, Any]
    channel: PartConfig | None
    axes: dict[str, float]

    def describe(self, task: Task) -> str:
        cells = [f"{a.name} {a.format(self.axes[a.name])}" for a in task.axes]
        channel = self.channel.label if self.channel else "-"
        return " | ".join([self.system.label, channel] + cells)


def expand_points(scenario: Scenario, task: Task) -> Iterator[Point]:
    """Channels, then the non-SNR axes, then systems and their variants, then the SNR axis
    (so one system's curve is computed in one stretch)."""
    outer = [a for a in task.axes if a.role != "snr"]
    inner = [a for a in task.axes if a.role == "snr"]
    for channel in scenario.channels or [None]:
        for outer_values in product(*(scenario.sweep[a.name] for a in outer)):
            base = dict(zip((a.name for a in outer), outer_values))
            for system in (s for s in scenario.systems if s.runs_at(base)):
                cls = SYSTEMS.get(system.name, task.name)
                for params in cls.param_grid(dict(system.params)):
                    for inner_values in product(*(scenario.sweep[a.name] for a in inner)):
                        axes = {**base, **dict(zip((a.name for a in inner), inner_values))}
                        axes = {a.name: axes[a.name] for a in task.axes}  # declared order
                        try:
                            resolved = cls.at_point(params, axes)
                        except LinksimError as exc:
                            raise LinksimError(f"{scenario.file}:{system.line}: [[systems]] "
                                               f"{system.label!r}: {exc}") from None
                        yield Point(system, resolved, channel, axes)
