"""The live table of ``linksim run``: progress bars on stderr, one row per point on stdout.

With parallel executors the bars aggregate every worker: the grid bar counts the points of
all workers, and each point in flight has its own bar, tagged with its worker.

The grid bar shows points done/total, the elapsed time and the estimated time remaining
(:class:`Eta`: the time per point so far, counting the finished share of the points in
flight by their items, times the points left). When stderr is not a terminal (a log
file), each finished point adds one ``# points done/total, elapsed, left`` line there.
"""
from __future__ import annotations

import sys
import time

from rich.console import Console
from rich.progress import (BarColumn, MofNCompleteColumn, Progress, ProgressColumn, TaskID,
                           TextColumn, TimeElapsedColumn)
from rich.text import Text

from linksim.core.executors.base import worker_name
from linksim.core.grid import Point
from linksim.core.record import Record
from linksim.base.registry import SYSTEMS
from linksim.core.task import Task


def row_label(point: Point, task: Task) -> str:
    """The system column: the label, plus the variant (``[mcs=16qam-1/2]``) of envelopes."""
    if not SYSTEMS.get(point.system.name, task.name).envelope:
        return point.system.label
    return f"{point.system.label} [{' '.join(f'{k}={v}' for k, v in point.params.items())}]"


def clock(seconds: float) -> str:
    """``H:MM:SS`` of a duration."""
    seconds = max(0, int(round(seconds)))
    return f"{seconds // 3600}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"


class Eta:
    """The estimated time remaining of a sweep of ``todo`` points started at ``start``.

    Progress counts finished points plus the finished share (items) of each point in
    flight; the remaining time is the elapsed time per unit of progress times the units
    left. ``None`` until some progress is made.
    """

    def __init__(self, todo: int, start: float | None = None) -> None:
        self.todo, self.start = todo, time.monotonic() if start is None else start
        self.finished = 0
        self.flight: dict[int, list[int]] = {}   # point key -> [items done, items]

    def progress(self) -> float:
        return self.finished + sum(d / t for d, t in self.flight.values() if t)

    def remaining(self, now: float | None = None) -> float | None:
        done = self.progress()
        if done <= 0:
            return None
        elapsed = (time.monotonic() if now is None else now) - self.start
        return elapsed / done * max(0.0, self.todo - done)

    def elapsed(self, now: float | None = None) -> float:
        return (time.monotonic() if now is None else now) - self.start


class _EtaColumn(ProgressColumn):
    """``~H:MM:SS left`` for the grid bar (other bars: nothing)."""

    def render(self, task) -> Text:
        eta = task.fields.get("eta")
        if eta is None:
            return Text("")
        left = eta.remaining()
        return Text("~-:--:-- left" if left is None else f"~{clock(left)} left",
                    style="progress.remaining")


class LiveTable:
    """Progress bars on stderr; one finished row per grid point on stdout.

    ``points``: the grid, so the system and channel columns fit every label in full.
    """

    def __init__(self, task: Task, metrics: list[str], points: list[Point] = ()) -> None:
        self.task, self.metrics = task, metrics
        self.width = max([24] + [len(row_label(p, task)) for p in points])
        self.channel_width = max([7] + [len(p.channel.label) for p in points if p.channel])
        self.progress = Progress(TextColumn("{task.description}"), BarColumn(),
                                 MofNCompleteColumn(), TimeElapsedColumn(), _EtaColumn(),
                                 console=Console(stderr=True), transient=True,
                                 redirect_stdout=False)
        self.overall = None
        self.eta: Eta | None = None
        self.total = self.done = 0
        self.bars: dict[int, TaskID] = {}   # id(point) -> its bar
        self.columns = (f"{'system':<{self.width}} {'channel':<{self.channel_width}} "
                        + " ".join(f"{a.name:>7}" for a in task.axes) + f" {'n':>5} "
                        + " ".join(f"{m:>16}" for m in metrics) + f" {'time_s':>7}")

    def row(self, text: str) -> None:
        """A table line on stdout; drawn above the bars when both share a terminal."""
        if sys.stdout.isatty() and self.progress.console.is_terminal:
            self.progress.console.print(text, highlight=False, soft_wrap=True)
        else:
            print(text, flush=True)

    def start(self, total: int, done: int) -> None:
        if done:
            print(f"# {done} of {total} points reused from the existing records "
                  "(--fresh recomputes them)", file=sys.stderr)
        self.row(self.columns)
        self.progress.start()
        self.eta, self.total, self.done = Eta(total - done), total, done
        self.overall = self.progress.add_task("grid points", total=total, completed=done,
                                              eta=self.eta)

    def point_started(self, point: Point, items: int, worker: str = "") -> None:
        """A bar per point in flight (several with parallel workers), tagged with the
        worker when the point runs in another process."""
        self._drop_bar(point)  # a point started again after its worker died
        where = f" @ {worker}" if worker and worker != worker_name() else ""
        self.bars[id(point)] = self.progress.add_task(point.describe(self.task) + where,
                                                      total=items)
        if self.eta is not None:
            self.eta.flight[id(point)] = [0, items]

    def advance(self, point: Point, items: int) -> None:
        if id(point) in self.bars:
            self.progress.advance(self.bars[id(point)], items)
        if self.eta is not None and id(point) in self.eta.flight:
            self.eta.flight[id(point)][0] += items

    def point_finished(self, point: Point, record: Record) -> None:
        cells = []
        for m in self.metrics:
            mean, ci = record.mean_ci(m)
            cells.append(f"{mean:>8.3f} ±{ci:>6.3f}" if ci == ci else f"{mean:>16.3f}")
        self.row(f"{self._cells(point)} {record.count:>5} "
                 + " ".join(cells) + f" {record.wall_time_s:>7.1f}")
        self._drop_bar(point)
        self._point_done(point)

    def point_failed(self, point: Point, error: str) -> None:
        self.row(f"{self._cells(point)} FAILED: {error}")
        self._drop_bar(point)
        self._point_done(point)

    def _point_done(self, point: Point) -> None:
        """Advance the grid bar and the estimate; a progress line in a log file."""
        self.progress.advance(self.overall)
        self.done += 1
        if self.eta is None:
            return
        self.eta.flight.pop(id(point), None)
        self.eta.finished += 1
        if not self.progress.console.is_terminal:
            left = self.eta.remaining()
            print(f"# {self.done}/{self.total} points, elapsed {clock(self.eta.elapsed())}, "
                  f"about {clock(left) if left is not None else '?'} left", file=sys.stderr,
                  flush=True)

    def _cells(self, point: Point) -> str:
        """The system, channel and axis columns of a row."""
        channel = point.channel.label if point.channel else "-"
        axes = " ".join(f"{a.format(point.axes[a.name]):>7}" for a in self.task.axes)
        return f"{row_label(point, self.task):<{self.width}} {channel:<{self.channel_width}} {axes}"

    def _drop_bar(self, point: Point) -> None:
        if id(point) in self.bars:
            self.progress.remove_task(self.bars.pop(id(point)))

    def stop(self) -> None:
        if self.overall is not None:  # a stopped, never started rich display prints a newline
            self.progress.stop()
