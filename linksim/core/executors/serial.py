"""The serial executor: every point in the driver process, one after the other."""
from __future__ import annotations

from typing import Sequence

import torch

from linksim.core.executors.base import Executor, Sink, describe_error, worker_name
from linksim.core.grid import Point
from linksim.base.registry import EXECUTORS
from linksim.core.worker import PointWorker
from linksim.errors import LinksimError


class _DirectProgress:
    def __init__(self, sink: Sink, index: int) -> None:
        self.sink, self.index = sink, index

    def started(self, items: int) -> None:
        self.sink.started(self.index, items, worker_name())

    def advanced(self, items: int) -> None:
        self.sink.advanced(self.index, items)


@EXECUTORS.register("serial")
class SerialExecutor(Executor):
    """Runs the points in order in this process, with the parts the driver built.

    PyTorch runs on ``threads`` threads (the process's setting is restored afterwards)."""

    def __init__(self, workers: int | None = None, address: str | None = None,
                 threads: int | None = None) -> None:
        super().__init__(workers, address, threads)
        if (workers or 1) > 1 or address:
            raise LinksimError("--executor serial runs one point at a time; drop --workers "
                               "and --address, or use --executor processes or ray")

    def run(self, worker: PointWorker, points: Sequence[Point], sink: Sink) -> None:
        before = torch.get_num_threads()
        torch.set_num_threads(self.threads)
        try:
            self._run(worker, points, sink)
        finally:
            torch.set_num_threads(before)

    def _run(self, worker: PointWorker, points: Sequence[Point], sink: Sink) -> None:
        for index, point in enumerate(points):
            try:
                record = worker.run(point, _DirectProgress(sink, index))
            except Exception as exc:  # noqa: BLE001 - reported as the point's failure
                sink.failed(index, describe_error(exc))
                continue
            sink.finished(index, record)
