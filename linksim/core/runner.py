"""The sweep runner: grid expansion, seeded simulation, one record per point.

For every (channel, cbr, system variant, snr) point the runner resets every
generator from ``derive_seed(scenario.seed, point_id)``, sends the source
images through ``system.transmit`` in batches of equal-sized images, accumulates
each metric, stops by the scenario's rule and appends one record. Points whose
``point_id`` is already in ``results.jsonl`` are skipped, so a run interrupted
at any moment resumes where it stopped and produces the same records as an
uninterrupted one.
"""
from __future__ import annotations

import platform
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator, Protocol

import torch

from linksim import __version__
from linksim.errors import LinksimError
from linksim.core.stats import Accumulator
from linksim.core.records import append_record, read_records, write_table
from linksim.core.registry import CHANNELS, DATASETS, METRICS, SYSTEMS
from linksim.scenario.config import PartConfig, Scenario, cbr_label, stable_hash
from linksim.core.seeding import derive_seed, seed_everything


@dataclass(frozen=True)
class Point:
    """One grid point."""

    system: PartConfig
    params: dict[str, Any]
    channel: PartConfig
    cbr: float
    snr_db: float

    def describe(self) -> str:
        return (f"{self.system.label} | {self.channel.label} | cbr {cbr_label(self.cbr)} | "
                f"{self.snr_db:g} dB")


class Reporter(Protocol):
    """What the runner tells its caller (the CLI draws a live table from it)."""

    def start(self, total: int, done: int) -> None: ...
    def point_started(self, point: Point, items: int) -> None: ...
    def advance(self, items: int) -> None: ...
    def point_finished(self, point: Point, record: dict[str, Any]) -> None: ...


class SilentReporter:
    def start(self, total: int, done: int) -> None: pass
    def point_started(self, point: Point, items: int) -> None: pass
    def advance(self, items: int) -> None: pass
    def point_finished(self, point: Point, record: dict[str, Any]) -> None: pass


def resolve_device(name: str) -> torch.device:
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    return torch.device(name)


def expand_points(scenario: Scenario) -> Iterator[Point]:
    for channel in scenario.channels:
        for cbr in scenario.sweep.cbr:
            for system in (s for s in scenario.systems if s.runs_at(cbr)):
                cls = SYSTEMS.get(system.name)
                for params in cls.param_grid(dict(system.params)):
                    for snr in scenario.sweep.snr_db:
                        try:
                            resolved = cls.at_point(params, snr, cbr)
                        except LinksimError as exc:
                            raise LinksimError(f"{scenario.file}: [[systems]] {system.label!r}: "
                                               f"{exc}") from None
                        yield Point(system, resolved, channel, cbr, snr)


def load_items(scenario: Scenario) -> list[tuple[str, torch.Tensor]]:
    """Decode (and crop) the source once; images kept as uint8 [3, H, W] in memory."""
    seed_everything(scenario.seed)  # random crops, if any, are part of the scenario
    try:
        data = DATASETS.get(scenario.source.dataset)(**scenario.source.dataset_kwargs())
    except LinksimError as exc:
        raise LinksimError(f"{scenario.file}: [source]: {exc}") from None
    return [(name, data[i].mul(255).round().to(torch.uint8)) for i, name in enumerate(data.names)]


def batches(items: list[tuple[str, torch.Tensor]], size: int) -> Iterator[torch.Tensor]:
    """Consecutive images of equal shape, at most ``size`` at a time, as float32 in [0, 1]."""
    group: list[torch.Tensor] = []
    for _, img in items:
        if group and (len(group) == size or img.shape != group[0].shape):
            yield torch.stack(group).float().div_(255.0)
            group = []
        group.append(img)
    if group:
        yield torch.stack(group).float().div_(255.0)


class Runner:
    """Runs one scenario into ``output`` (default: the scenario's)."""

    def __init__(self, scenario: Scenario, output: Path | None = None,
                 reporter: Reporter | None = None) -> None:
        self.scenario = scenario
        self.output = Path(output or scenario.output)
        self.reporter = reporter or SilentReporter()
        self.device = resolve_device(scenario.device)
        self._systems: dict[str, Any] = {}
        self._channels: dict[str, Any] = {}
        self._items: list[tuple[str, torch.Tensor]] | None = None

    def point_id(self, p: Point) -> str:
        return stable_hash(self.scenario.point_key(p.system, p.params, p.channel, p.snr_db, p.cbr))

    def pending(self) -> tuple[list[Point], int]:
        done = {r.get("point_id") for r in read_records(self.output)}
        points = list(expand_points(self.scenario))
        todo = [p for p in points if self.point_id(p) not in done]
        return todo, len(points) - len(todo)

    def run(self) -> list[dict[str, Any]]:
        """Simulate every pending point; returns all records (old and new)."""
        todo, done = self.pending()
        self.reporter.start(len(todo) + done, done)
        try:
            for point in todo:
                append_record(self.output, self.run_point(point))
        finally:
            records = read_records(self.output)
            if records:
                write_table(self.output, records, self.scenario.metrics)
        return records

    # --- one point --------------------------------------------------------------------
    def _system(self, p: Point):
        key = stable_hash([p.system.name, p.params, p.cbr])
        if key not in self._systems:
            system = SYSTEMS.get(p.system.name)(cbr=p.cbr, **p.params)
            self._systems[key] = system.to(self.device).eval()
        return self._systems[key]

    def _channel(self, p: Point):
        key = p.channel.label
        if key not in self._channels:
            self._channels[key] = CHANNELS.get(p.channel.name)(**p.channel.params).to(self.device)
        return self._channels[key]

    def run_point(self, p: Point) -> dict[str, Any]:
        sc = self.scenario
        if self._items is None:
            self._items = load_items(sc)
        system, channel = self._system(p), self._channel(p)
        pid = self.point_id(p)
        point_seed = derive_seed(sc.seed, pid)
        seed_everything(point_seed)
        limit = min(len(self._items), sc.stop.max_items or len(self._items))
        self.reporter.point_started(p, limit)
        metrics = {m: Accumulator() for m in sc.metrics}
        extra: dict[str, Accumulator] = {}
        first = metrics[sc.metrics[0]]
        t0 = time.perf_counter()
        with torch.no_grad():
            for x in batches(self._items[:limit], sc.stop.batch_size):
                x = x.to(self.device)
                x_hat, more = system.transmit(x, channel, p.snr_db)
                for name, acc in metrics.items():
                    acc.add(METRICS.get(name)(x, x_hat).cpu().tolist())
                for name, values in more.items():
                    extra.setdefault(name, Accumulator()).add(values.cpu().tolist())
                self.reporter.advance(x.shape[0])
                if (sc.stop.target_ci is not None and first.count >= sc.stop.min_items
                        and first.ci95 <= sc.stop.target_ci):
                    break
        record = {
            "point_id": pid, "scenario": sc.name, "scenario_hash": sc.digest(),
            "system": p.system.name, "label": p.system.label, "params": p.params,
            "envelope": type(system).envelope, "checkpoint_id": system.checkpoint_id,
            "channel": p.channel.name, "channel_label": p.channel.label,
            "channel_params": p.channel.params, "snr_db": p.snr_db, "cbr": p.cbr,
            "cbr_label": cbr_label(p.cbr), "count": first.count,
            "metrics": {m: a.as_dict() for m, a in metrics.items()},
            "extra": {m: a.as_dict() for m, a in extra.items()},
            "seed": sc.seed, "point_seed": point_seed, "source": sc.source.dataset,
            "version": __version__, "torch": torch.__version__, "device": str(self.device),
            "host": platform.node(), "provenance": system.provenance(),
            "wall_time_s": round(time.perf_counter() - t0, 4),
        }
        self.reporter.point_finished(p, record)
        return record
