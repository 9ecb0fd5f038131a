"""What a run would do with a results folder, decided before any work (and without data).

:func:`make_plan` sorts every grid point of a scenario into

- ``reuse``: ``results.jsonl`` holds a record with the point's id;
- ``compute``: no record yet;
- ``refuse``: the run would stop before any work, because the folder holds records that
  would be mixed with the new ones: records of a scenario with another seed, source,
  stop rule or metrics (unless ``append``), or records under the point's label at the same
  channel and axes that were computed with other parameters (a system's or channel's
  parameters changed under an unchanged label; ``results.csv`` would show two rows under
  one name).

``linksim run --dry-run`` prints the plan; :meth:`~linksim.core.runner.Runner.run` follows
it (and raises :attr:`Plan.refusal`). Nothing here reads the source data or builds a system.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Sequence

from linksim.core.grid import Point
from linksim.core.record import RECORDS, Record
from linksim.base.registry import SYSTEMS
from linksim.core.task import Task
from linksim.core.scenario import Scenario

REUSE, COMPUTE, REFUSE = "reuse", "compute", "refuse"


@dataclass(frozen=True)
class PlannedPoint:
    """One grid point, its id, what a run would do with it and why (for ``refuse``)."""

    point: Point
    point_id: str
    status: str
    reason: str = ""


@dataclass
class Plan:
    """The points of a run in grid order, and the one-line error the run would stop with.

    :ivar torn: ``results.jsonl`` ends with a half-written line (a crash during a write),
        which a run drops before it appends (its point is among ``compute``).
    """

    output: Path
    points: list[PlannedPoint] = field(default_factory=list)
    refusal: str | None = None
    torn: bool = False

    def where(self, status: str) -> list[PlannedPoint]:
        return [p for p in self.points if p.status == status]

    def count(self, status: str) -> int:
        return len(self.where(status))

    def summary(self) -> str:
        return (f"{len(self.points)} points: {self.count(REUSE)} reused, "
                f"{self.count(COMPUTE)} to compute, {self.count(REFUSE)} refused")


def make_plan(scenario: Scenario, task: Task, points: Sequence[Point], ids: Sequence[str],
              records: Sequence[Record], output: Path, fresh: bool = False,
              append: bool = False, torn: bool = False) -> Plan:
    """The plan of running ``points`` (ids ``ids``) into ``output`` holding ``records``."""
    plan = Plan(Path(output), torn=torn)
    if fresh:  # every record is replaced
        plan.points = [PlannedPoint(p, pid, COMPUTE) for p, pid in zip(points, ids)]
        return plan
    done = {r.point_id for r in records}
    mine = scenario.digest()
    if not append and any(r.scenario_hash != mine for r in records):
        plan.refusal = (f"{output}: holds records of a scenario with another seed, source, "
                        "stop rule or metrics; --fresh replaces them, --append adds to them, "
                        "or choose another --out")
    # records of this scenario's settings that no point of the grid will reuse, by what
    # they show in results.csv: label, channel label, axes and envelope variant
    grid = set(ids)
    shown: dict[tuple, Record] = {}
    for r in records:
        if r.point_id not in grid and r.scenario_hash == mine:
            shown.setdefault(_record_key(r), r)
    for p, pid in zip(points, ids):
        if pid in done:
            plan.points.append(PlannedPoint(p, pid, REUSE))
            continue
        old = shown.get(_point_key(p, task))
        reason = _changed(scenario, p, old, output) if old is not None else plan.refusal
        if reason and plan.refusal is None:
            plan.refusal = reason
        plan.points.append(PlannedPoint(p, pid, REFUSE if reason else COMPUTE, reason or ""))
    return plan


def _variant(envelope: str | None, params: dict[str, Any]) -> Any:
    return None if not envelope else repr(params.get(envelope))


def _record_key(r: Record) -> tuple:
    return (r.label, r.channel_label, tuple(sorted(r.axes.items())), _variant(r.envelope, r.params))


def _point_key(p: Point, task: Task) -> tuple:
    envelope = SYSTEMS.get(p.system.name, task.name).envelope
    return (p.system.label, p.channel.label if p.channel else None,
            tuple(sorted(p.axes.items())), _variant(envelope, p.params))


def _changed(scenario: Scenario, p: Point, old: Record, output: Path) -> str:
    """The refusal naming the entry whose parameters changed under its label, and how."""
    where = f"{output / RECORDS} holds records under this label"
    fix = ("--fresh replaces the folder's records, or give the changed entry a new label "
           "to keep both")
    new_channel = {} if p.channel is None else {"name": p.channel.name, **p.channel.params}
    old_channel = {} if old.channel is None else {"name": old.channel, **old.channel_params}
    if (old.system, old.params) == (p.system.name, p.params) and old_channel != new_channel:
        return (f"{scenario.file}:{p.channel.line}: [[channels]] {p.channel.label!r}: {where} "
                f"computed with other parameters ({_diff(old_channel, new_channel)}); {fix}")
    if (old.system, old.params) == (p.system.name, p.params):
        change = "same params; what they do not show changed, e.g. the checkpoint's weights"
    else:
        change = _diff({"name": old.system, **old.params}, {"name": p.system.name, **p.params})
    return (f"{scenario.file}:{p.system.line}: [[systems]] {p.system.label!r}: {where} "
            f"computed with other parameters ({change}); {fix}")


def _diff(old: dict[str, Any], new: dict[str, Any]) -> str:
    """The first key whose value differs: ``key = <recorded> there, <scenario's> here``."""
    missing = object()

    def shown(value: Any) -> str:
        return "not set" if value is missing else repr(value)

    for key in sorted(set(old) | set(new)):
        if old.get(key, missing) != new.get(key, missing):
            return (f"{key}: {shown(old.get(key, missing))} in the records, "
                    f"{shown(new.get(key, missing))} in the scenario")
    return "same parameters"
