"""The sweep runner: grid expansion, common random numbers, one record per point.

For every grid point (:mod:`linksim.core.grid`) a
:class:`~linksim.core.worker.PointWorker` batches the task's source items, sends each
item ``repeats`` times through ``system.transmit(batch, link)``, accumulates every
metric and stops by the scenario's rule; the runner appends one
:class:`~linksim.core.record.Record` per point. The runner knows no modality: the task
says how items load, batch and how many channel uses a transmission has.

Where points run is the executor's business (:mod:`linksim.core.executors`: serial,
local processes, Ray); the runner is the driver: it checks the scenario, skips finished
points, hands the rest to the executor and is the only writer of ``results.jsonl``, one
atomic line per finished point, so a crash of a worker or of the driver loses no finished
point. A point that fails is reported with its error (:attr:`Runner.failed`) and the
run goes on.

Common random numbers: transmission (item ``i``, repeat ``r``) draws its channel from
``derive_seed(seed, "draws", channel, bandwidth axes, i, r)``: the same for every system
and every SNR, so systems are compared on identical fades and noise (paired
differences, :mod:`linksim.core.compare`) and curves are smooth across SNR. Points
whose ``point_id`` is already in ``results.jsonl`` are skipped, so a run interrupted at
any moment resumes where it stopped and produces the same records, in grid order
whatever the order in which points finished.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, Protocol, Sequence

from linksim.core.executors import Executor, make_executor
from linksim.core.grid import Point, expand_points
from linksim.core.output import FolderLock, check_writable
from linksim.core.plan import Plan, make_plan
from linksim.core.record import (RECORDS, Record, append_record, order_records, read_records,
                                 relabel_records, repair, torn, write_table)
from linksim.core.worker import PointWorker
from linksim.errors import LinksimError
from linksim.core.scenario import Scenario


class Reporter(Protocol):
    """What the runner tells its caller (the CLI draws a live table from it). With
    parallel executors several points are in flight; ``worker`` is ``host:pid``."""

    def start(self, total: int, done: int) -> None: ...
    def point_started(self, point: Point, items: int, worker: str = "") -> None: ...
    def advance(self, point: Point, items: int) -> None: ...
    def point_finished(self, point: Point, record: Record) -> None: ...
    def point_failed(self, point: Point, error: str) -> None: ...


class SilentReporter:
    def start(self, total: int, done: int) -> None: pass
    def point_started(self, point: Point, items: int, worker: str = "") -> None: pass
    def advance(self, point: Point, items: int) -> None: pass
    def point_finished(self, point: Point, record: Record) -> None: pass
    def point_failed(self, point: Point, error: str) -> None: pass


class Runner:
    """Runs one scenario into ``output`` (default: the scenario's).

    :param fresh: recompute every point, ignoring (and replacing) existing records.
    :param append: add to a folder whose records come from a scenario with other
        result-relevant settings (seed, source, stop rule, metrics); refused otherwise
        (and together with ``fresh``).
    :param wait: wait for another run writing to the same folder instead of refusing.
    :param executor: where points run (default: serially in this process).
    :ivar failed: ``(point, error)`` of every point that failed in the last run.
    :ivar retried: how many times a point was started again after its worker died.
    :ivar repaired: the last run dropped a half-written last line of ``results.jsonl``.
    """

    def __init__(self, scenario: Scenario, output: Path | None = None,
                 reporter: Reporter | None = None, fresh: bool = False,
                 append: bool = False, wait: bool = False,
                 executor: Executor | None = None) -> None:
        self.scenario = scenario
        self.worker = PointWorker(scenario)
        self.task, self.device, self.metrics = (self.worker.task, self.worker.device,
                                                self.worker.metrics)
        self.output = Path(output or scenario.output)
        self.reporter = reporter or SilentReporter()
        self.executor = executor or make_executor()
        if fresh and append:
            raise LinksimError("--fresh and --append: choose one (--fresh replaces the "
                               "folder's records, --append adds to them)")
        self.fresh, self.append, self.wait = fresh, append, wait
        self.reused, self.retried, self.repaired = 0, 0, False
        self.failed: list[tuple[Point, str]] = []
        self._rank: dict[str, int] = {}

    # --- identity ---------------------------------------------------------------------
    def identity(self, p: Point) -> dict[str, Any]:
        return self.worker.identity(p)

    def point_id(self, p: Point, identity: dict[str, Any] | None = None) -> str:
        return self.worker.point_id(p, identity)

    def transmission_seeds(self, p: Point, indices: list[int], repeat: int) -> list[int]:
        return self.worker.transmission_seeds(p, indices, repeat)

    def points(self) -> list[Point]:
        return list(expand_points(self.scenario, self.task))

    def pending(self) -> tuple[list[Point], int]:
        """The points without a record yet, and how many have one."""
        done = set() if self.fresh else {r.point_id for r in read_records(self.output)}
        points = self.points()
        ids = [self.point_id(p) for p in points]
        self._rank = {pid: i for i, pid in reversed(list(enumerate(ids)))}
        self._labels = {pid: p.system.label for p, pid in zip(points, ids)}
        todo = [p for p, pid in zip(points, ids) if pid not in done]
        return todo, len(points) - len(todo)

    def plan(self) -> Plan:
        """What :meth:`run` would do with every point (reuse, compute or refuse), without
        computing, locking or reading data: the dry run."""
        points = self.points()
        ids = [self.point_id(p) for p in points]
        return make_plan(self.scenario, self.task, points, ids, read_records(self.output),
                         self.output, self.fresh, self.append, torn(self.output / RECORDS))

    def check(self, points: list[Point]) -> None:
        """Build every channel and system variant once and read the source, so bad
        parameters or data fail before any work, naming the scenario file, line and entry."""
        for p in points:
            self.worker.channel(p)
            self.worker.system(p)
        for p in points:
            self.worker.check_items(p)
        self.worker.check_channel_uses(points)

    def run(self) -> list[Record]:
        """Simulate every pending point; returns all records (old and new) in grid order."""
        check_writable(self.output)
        with FolderLock(self.output, self.wait):
            return self._run_locked()

    def _run_locked(self) -> list[Record]:
        self.repaired = not self.fresh and repair(self.output / RECORDS)
        plan = self.plan()
        if plan.refusal:
            raise LinksimError(plan.refusal)
        todo, done = self.pending()
        self.reused, self.retried, self.failed = done, 0, []
        self.check(todo)
        if self.fresh:  # only now: a refused --fresh run keeps the records
            (self.output / RECORDS).unlink(missing_ok=True)
        else:
            relabel_records(self.output, self._labels)
        self.reporter.start(len(todo) + done, done)
        driver = _Driver(self, todo)
        try:
            self.executor.run(self.worker, todo, driver)
        finally:
            self.failed = [(todo[i], error) for i, error in sorted(driver.failures.items())]
            records = order_records(self.output, self._rank)
            if records:
                self.write_table(records)
        return records

    def check_mixing(self) -> None:
        """Refuse to add to records that the new ones would be mixed with (another seed,
        source, stop rule or metrics; a label whose parameters changed): see :meth:`plan`."""
        refusal = self.plan().refusal
        if refusal:
            raise LinksimError(refusal)

    def write_table(self, records: list[Record]) -> Path:
        return write_table(self.output, records, self.scenario.metrics,
                           {m.name: m.higher_is_better for m in self.metrics},
                           {a.name: a.format for a in self.task.axes})


class _Driver:
    """The runner's end of an executor: reporter calls and one appended record per point.

    Each point ends once: a second end of a point (a retried worker that had in fact
    finished) is ignored, so nothing is appended twice.
    """

    def __init__(self, runner: Runner, points: Sequence[Point]) -> None:
        self.runner, self.points = runner, points
        self.running: set[int] = set()
        self.ended: set[int] = set()
        self.failures: dict[int, str] = {}

    def started(self, index: int, items: int, worker: str) -> None:
        if index in self.ended:
            return
        if index in self.running:
            self.runner.retried += 1
        self.running.add(index)
        self.runner.reporter.point_started(self.points[index], items, worker)

    def advanced(self, index: int, items: int) -> None:
        if index in self.running:
            self.runner.reporter.advance(self.points[index], items)

    def finished(self, index: int, record: Record) -> None:
        if self._end(index):
            self.runner.reporter.point_finished(self.points[index], record)
            append_record(self.runner.output, record)

    def failed(self, index: int, error: str) -> None:
        if self._end(index):
            self.failures[index] = error
            self.runner.reporter.point_failed(self.points[index], error)

    def _end(self, index: int) -> bool:
        if index in self.ended:
            return False
        self.ended.add(index)
        self.running.discard(index)
        return True
