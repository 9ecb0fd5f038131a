"""The sweep runner: grid expansion, common random numbers, one record per point.

For every grid point (:mod:`linksim.core.grid`) the runner batches the task's source
items, sends each item ``repeats`` times through ``system.transmit(batch, link)``,
accumulates every metric, stops by the scenario's rule and appends one
:class:`~linksim.core.record.Record`. The runner knows no modality: the task says how
items load, batch and how many channel uses a transmission has.

Common random numbers: transmission (item ``i``, repeat ``r``) draws its channel from
``derive_seed(seed, "draws", channel, bandwidth axes, i, r)``: the same for every system
and every SNR, so systems are compared on identical fades and noise (paired
differences, :mod:`linksim.core.compare`) and curves are smooth across SNR. Points
whose ``point_id`` is already in ``results.jsonl`` are skipped, so a run interrupted at
any moment resumes where it stopped and produces the same records.
"""
from __future__ import annotations

import platform
import time
from pathlib import Path
from typing import Any, Protocol

import torch

from linksim import __version__
from linksim.channels.base import Link
from linksim.core.grid import Point, expand_points
from linksim.core.metric import get_metric
from linksim.core.output import FolderLock, check_writable
from linksim.core.record import Record, append_record, read_records, rounded, write_table
from linksim.core.registry import CHANNELS, DATASETS, SYSTEMS
from linksim.core.seeding import derive_seed, seed_everything
from linksim.core.stats import Accumulator
from linksim.core.task import Item, Task, get_task
from linksim.errors import LinksimError
from linksim.scenario.config import Scenario, stable_hash


class Reporter(Protocol):
    """What the runner tells its caller (the CLI draws a live table from it)."""

    def start(self, total: int, done: int) -> None: ...
    def point_started(self, point: Point, items: int) -> None: ...
    def advance(self, items: int) -> None: ...
    def point_finished(self, point: Point, record: Record) -> None: ...


class SilentReporter:
    def start(self, total: int, done: int) -> None: pass
    def point_started(self, point: Point, items: int) -> None: pass
    def advance(self, items: int) -> None: pass
    def point_finished(self, point: Point, record: Record) -> None: pass


def resolve_device(name: str) -> torch.device:
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if name == "cuda" and not torch.cuda.is_available():
        raise LinksimError("device=\"cuda\": this PyTorch build sees no CUDA GPU; use "
                           "device = \"cpu\" or \"auto\"")
    return torch.device(name)


def load_items(scenario: Scenario, task: Task) -> list[Item]:
    """Build the ``[source]`` data set and read its items once (random crops are seeded
    by the scenario seed)."""
    seed_everything(scenario.seed)
    try:
        data = DATASETS.get(scenario.source.dataset, task.name)(**scenario.source.dataset_kwargs())
        items = task.load(data)
    except LinksimError as exc:
        raise LinksimError(f"{scenario.file}: [source]: {exc}") from None
    if not items:
        raise LinksimError(f"{scenario.file}: [source]: the data set has no items")
    return items


class Runner:
    """Runs one scenario into ``output`` (default: the scenario's).

    :param fresh: recompute every point, ignoring (and replacing) existing records.
    :param append: add to a folder whose records come from a scenario with other
        result-relevant settings (seed, source, stop rule, metrics); refused otherwise.
    :param wait: wait for another run writing to the same folder instead of refusing.
    """

    def __init__(self, scenario: Scenario, output: Path | None = None,
                 reporter: Reporter | None = None, fresh: bool = False,
                 append: bool = False, wait: bool = False) -> None:
        self.scenario = scenario
        self.task = get_task(scenario.task)
        self.output = Path(output or scenario.output)
        self.reporter = reporter or SilentReporter()
        self.device = resolve_device(scenario.device)
        self.fresh, self.append, self.wait = fresh, append, wait
        self.metrics = [get_metric(m) for m in scenario.metrics]
        self._systems: dict[str, Any] = {}
        self._channels: dict[str, Any] = {}
        self._items: list[Item] | None = None
        self.reused = 0

    # --- identity ---------------------------------------------------------------------
    def identity(self, p: Point) -> dict[str, Any]:
        """What beyond the params determines the point's result (a checkpoint's hash)."""
        return SYSTEMS.get(p.system.name, self.task.name).identity(p.params)

    def point_id(self, p: Point, identity: dict[str, Any] | None = None) -> str:
        identity = self.identity(p) if identity is None else identity
        return stable_hash(self.scenario.point_key(p.system, p.params, identity, p.channel,
                                                   p.axes))

    def points(self) -> list[Point]:
        return list(expand_points(self.scenario, self.task))

    def pending(self) -> tuple[list[Point], int]:
        done = set() if self.fresh else {r.point_id for r in read_records(self.output)}
        points = self.points()
        todo = [p for p in points if self.point_id(p) not in done]
        return todo, len(points) - len(todo)

    def check(self, points: list[Point]) -> None:
        """Build every channel and system variant once, so bad parameters fail before any
        work, naming the scenario file, line and entry."""
        for p in points:
            self._channel(p)
            self._system(p)

    def run(self) -> list[Record]:
        """Simulate every pending point; returns all records (old and new)."""
        check_writable(self.output)
        with FolderLock(self.output, self.wait):
            return self._run_locked()

    def _run_locked(self) -> list[Record]:
        if self.fresh:
            (self.output / "results.jsonl").unlink(missing_ok=True)
        self.check_mixing()
        todo, done = self.pending()
        self.reused = done
        self.check(todo)
        self.reporter.start(len(todo) + done, done)
        try:
            for point in todo:
                append_record(self.output, self.run_point(point))
        finally:
            records = read_records(self.output)
            if records:
                self.write_table(records)
        return records

    def check_mixing(self) -> None:
        """Refuse to add to records of a scenario with other result-relevant settings."""
        if self.append:
            return
        mine = self.scenario.digest()
        other = {r.scenario_hash for r in read_records(self.output)} - {mine}
        if other:
            raise LinksimError(f"{self.output}: holds records of a scenario with another seed, "
                               "source, stop rule or metrics; --fresh replaces them, --append "
                               "adds to them, or choose another --out")

    def write_table(self, records: list[Record]) -> Path:
        return write_table(self.output, records, self.scenario.metrics,
                           {m.name: m.higher_is_better for m in self.metrics},
                           {a.name: a.format for a in self.task.axes})

    # --- one point --------------------------------------------------------------------
    def _system(self, p: Point):
        build = self.task.build_kwargs(p.axes)
        key = stable_hash([p.system.name, p.params, build])
        if key not in self._systems:
            try:
                system = SYSTEMS.get(p.system.name, self.task.name)(**p.params, **build)
            except LinksimError as exc:
                raise LinksimError(f"{self.scenario.file}:{p.system.line}: [[systems]] "
                                   f"{p.system.label!r}: {exc}") from None
            except TypeError as exc:
                raise LinksimError(f"{self.scenario.file}:{p.system.line}: [[systems]] "
                                   f"{p.system.label!r}: bad parameters ({exc})") from None
            self._systems[key] = system.to(self.device).eval()
        return self._systems[key]

    def _channel(self, p: Point):
        if p.channel is None:
            return None
        key = p.channel.label
        if key not in self._channels:
            try:
                channel = CHANNELS.get(p.channel.name)(**p.channel.params)
            except (LinksimError, TypeError) as exc:
                raise LinksimError(f"{self.scenario.file}:{p.channel.line}: [[channels]] "
                                   f"{p.channel.label!r}: {exc}") from None
            self._channels[key] = channel.to(self.device)
        return self._channels[key]

    def transmission_seeds(self, p: Point, indices: list[int], repeat: int) -> list[int]:
        """Seeds of the common random numbers: item and repeat, not system or SNR."""
        channel = p.channel.label if p.channel else None
        draw_key = self.task.draw_key(p.axes)
        return [derive_seed(self.scenario.seed, "draws", channel, draw_key, i, repeat)
                for i in indices]

    def run_point(self, p: Point) -> Record:
        sc, task = self.scenario, self.task
        if self._items is None:
            self._items = load_items(sc, task)
        system, channel = self._system(p), self._channel(p)
        identity = self.identity(p)
        pid = self.point_id(p, identity)
        seed_everything(derive_seed(sc.seed, pid))  # for systems with private randomness
        limit = min(len(self._items), sc.stop.max_items or len(self._items))
        self.reporter.point_started(p, limit)
        accs = {m.name: Accumulator() for m in self.metrics}
        values: dict[str, list[float]] = {m.name: [] for m in self.metrics}
        extra: dict[str, Accumulator] = {}
        first, items_done = accs[self.metrics[0].name], 0
        snr_axis = task.snr_axis
        t0 = time.perf_counter()
        with torch.no_grad():
            for group in task.batches(self._items[:limit], sc.stop.batch_size):
                x = task.to(task.collate([self._items[i] for i in group]), self.device)
                for r in range(sc.stop.repeats):
                    link = None if channel is None else Link(
                        channel, p.axes[snr_axis.name] if snr_axis else 0.0, len(group),
                        self.transmission_seeds(p, group, r), task.channel_shape(x, p.axes),
                        self.device)
                    x_hat, more = system.transmit(x, link)
                    for m in self.metrics:
                        v = rounded(m(x, x_hat).cpu().tolist())
                        accs[m.name].add(v)
                        values[m.name] += v
                    for name, t in more.items():
                        extra.setdefault(name, Accumulator()).add(t.cpu().tolist())
                items_done += len(group)
                self.reporter.advance(len(group))
                if (sc.stop.target_ci is not None and items_done >= sc.stop.min_items
                        and first.ci95 <= sc.stop.target_ci):
                    break
        record = Record(
            point_id=pid, task=task.name, scenario=sc.name, scenario_hash=sc.digest(),
            system=p.system.name, label=p.system.label, params=p.params,
            envelope=type(system).envelope, checkpoint_id=system.checkpoint_id,
            identity=identity,
            channel=p.channel.name if p.channel else None,
            channel_label=p.channel.label if p.channel else None,
            channel_params=dict(p.channel.params) if p.channel else {},
            axes=dict(p.axes), count=first.count,
            metrics={m: a.as_dict() for m, a in accs.items()}, values=values,
            extra={m: a.as_dict() for m, a in extra.items()},
            seed=sc.seed, source=sc.source.dataset, repeats=sc.stop.repeats,
            version=__version__, torch=torch.__version__, device=str(self.device),
            host=platform.node(), provenance=system.provenance(),
            wall_time_s=round(time.perf_counter() - t0, 4))
        self.reporter.point_finished(p, record)
        return record
