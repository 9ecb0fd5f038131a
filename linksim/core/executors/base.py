"""The executor interface: where grid points run, and how they report to the driver.

An :class:`Executor` runs a list of grid points and calls the driver's :class:`Sink` as
they start, advance, finish or fail; the driver (:class:`~linksim.core.runner.Runner`)
is the only writer of records. Executors that run points in other processes ship the
scenario and each point there, build a :class:`~linksim.core.worker.PointWorker` once per
process, and send progress back as plain tuples through a queue
(:class:`QueueProgress`, :func:`deliver`). A point that raises is returned as a
:class:`Failure` (reported once, never retried); a point whose worker died is retried.
"""
from __future__ import annotations

import os
import platform
import traceback
from abc import ABC, abstractmethod
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Protocol, Sequence

from linksim.core.grid import Point
from linksim.core.record import Record
from linksim.core.worker import PointWorker
from linksim.errors import LinksimError

#: tries of a point whose worker process dies (killed, out of memory, lost node)
ATTEMPTS = 3
#: PyTorch threads per point unless told otherwise: one, so records do not depend on the
#: executor or the number of cores (float sums split over threads change the last bits)
THREADS = 1


class Sink(Protocol):
    """The driver's end: ``index`` is the point's position in the list given to ``run``."""

    def started(self, index: int, items: int, worker: str) -> None: ...
    def advanced(self, index: int, items: int) -> None: ...
    def finished(self, index: int, record: Record) -> None: ...
    def failed(self, index: int, error: str) -> None: ...


class Executor(ABC):
    """Runs grid points; every point ends in exactly one ``finished`` or ``failed`` call.

    :param workers: how many points run at once (``None``: the executor's default).
    :param address: where to run (a cluster address), for executors that have one.
    :param threads: PyTorch threads of each point (``None``: :data:`THREADS`, one, so
        every executor sums floats in the same order and gives bit-identical records).
    """

    def __init__(self, workers: int | None = None, address: str | None = None,
                 threads: int | None = None) -> None:
        if workers is not None and workers < 1:
            raise LinksimError(f"--workers {workers}: must be at least 1")
        if threads is not None and threads < 1:
            raise LinksimError(f"--threads {threads}: must be at least 1")
        self.workers, self.address = workers, address
        self.threads = threads or THREADS

    @abstractmethod
    def run(self, worker: PointWorker, points: Sequence[Point], sink: Sink) -> None:
        """Run ``points`` (``worker``: the driver's, holding the scenario and the parts it
        already built) and report each through ``sink``."""


@dataclass(frozen=True)
class Failure:
    """A point that raised: the error as one line."""

    error: str


def default_workers() -> int:
    """Workers of a ``linksim run`` that names none: one per CPU core this process may
    use (``LINKSIM_WORKERS`` overrides)."""
    text = os.environ.get("LINKSIM_WORKERS", "")
    if text.isdigit() and int(text) > 0:
        return int(text)
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def worker_name() -> str:
    """``host:pid`` of this process."""
    return f"{platform.node()}:{os.getpid()}"


def describe_error(exc: BaseException) -> str:
    """One line: the message of a :class:`LinksimError`; else type, message and the
    innermost source line (``file:line``) of the traceback."""
    if isinstance(exc, LinksimError):
        return str(exc)
    text = f"{type(exc).__name__}: {(str(exc).splitlines() or [''])[0]}"
    frames = traceback.extract_tb(exc.__traceback__)
    return f"{text} (at {Path(frames[-1].filename).name}:{frames[-1].lineno})" if frames else text


class QueueProgress:
    """A point's progress as tuples on a queue (anything with ``put``), for :func:`deliver`."""

    def __init__(self, queue: Any, index: int) -> None:
        self.queue, self.index = queue, index

    def started(self, items: int) -> None:
        self.queue.put(("started", self.index, items, worker_name()))

    def advanced(self, items: int) -> None:
        self.queue.put(("advanced", self.index, items))


def deliver(message: tuple, sink: Sink) -> None:
    """Call the sink method a :class:`QueueProgress` message names."""
    kind, *args = message
    getattr(sink, kind)(*args)


def run_reported(worker: Callable[[], PointWorker], index: int, point: Point,
                 queue: Any) -> Record | Failure:
    """Run one point in a worker process: the record, or the point's error as a
    :class:`Failure` (``worker`` builds or returns this process's PointWorker)."""
    try:
        return worker().run(point, QueueProgress(queue, index))
    except Exception as exc:  # noqa: BLE001 - any error of a point is that point's result
        return Failure(describe_error(exc))


def settle(index: int, outcome: Record | Failure, sink: Sink) -> None:
    """Report a worker's outcome to the sink."""
    if isinstance(outcome, Failure):
        sink.failed(index, outcome.error)
    else:
        sink.finished(index, outcome)
