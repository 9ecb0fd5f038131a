"""Local worker processes: :class:`concurrent.futures.ProcessPoolExecutor`.

Each worker process receives the scenario once (the pool's initializer), runs PyTorch on
one thread (``threads``), and sends progress through a
:class:`multiprocessing.managers.SyncManager` queue (a killed worker cannot leave that
queue locked). On Linux, with one thread each (the default), the workers are forked from
the driver after it checked the scenario, so they start with linksim imported and with the driver's
:class:`~linksim.core.worker.PointWorker`: every system and channel already built, the
source items already read (copy-on-write; nothing is loaded twice). Elsewhere they are
forked from a fork server that has imported linksim once
(:mod:`linksim.core.executors._preload`) and each builds its own PointWorker on its first
point (also on Linux with ``threads > 1``: a process forked from one whose OpenMP thread
pool has started hangs in its first parallel region, so only one-thread workers fork from
the driver).

A worker that dies (killed, out of memory) breaks the pool: the pool is rebuilt and every
unfinished point is submitted again. The death counts against the point whose worker died
of its own (the pool stops the others with SIGTERM), or, when that cannot be told, against
every point that was running; a point charged
:data:`~linksim.core.executors.base.ATTEMPTS` times is reported as failed.
"""
from __future__ import annotations

import multiprocessing
from multiprocessing import forkserver
import sys
import queue as queues
import signal
from collections import Counter
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from typing import Any, Sequence

import torch

from linksim.core.executors.base import (ATTEMPTS, Executor, Sink, default_workers, deliver,
                                         run_reported, settle)
from linksim.core.grid import Point
from linksim.base.registry import EXECUTORS
from linksim.core.worker import PointWorker
from linksim.errors import LinksimError
from linksim.core.scenario import Scenario

POLL_S = 0.05

# --- the worker process side -----------------------------------------------------------
_scenario: Scenario | None = None
_queue: Any = None
_worker: PointWorker | None = None
#: the driver's PointWorker while its pool runs: what a worker forked from it inherits
_inherited: PointWorker | None = None


def _init(scenario: Scenario, queue: Any, threads: int = 1) -> None:
    global _scenario, _queue, _worker
    torch.set_num_threads(threads)
    inherited = _inherited if _inherited is not None and _inherited.scenario is scenario else None
    _scenario, _queue, _worker = scenario, queue, inherited


def _this_worker() -> PointWorker:
    global _worker
    if _worker is None:
        _worker = PointWorker(_scenario)
    return _worker


def _run(index: int, point: Point):
    return run_reported(_this_worker, index, point, _queue)


# --- the driver side -------------------------------------------------------------------
#: how workers start: forked from the driver on Linux, else from a preloaded fork server
START_METHOD = "fork" if sys.platform.startswith("linux") else "forkserver"


def _context(method: str | None = None) -> multiprocessing.context.BaseContext:
    ctx = multiprocessing.get_context(method or START_METHOD)
    if ctx.get_start_method() == "forkserver":
        ctx.set_forkserver_preload(["linksim.core.executors._preload"])
    return ctx


@EXECUTORS.register("processes")
class ProcessExecutor(Executor):
    """``workers`` local processes (default: one per CPU core).

    Each runs PyTorch on ``threads`` threads (default one)."""

    def __init__(self, workers: int | None = None, address: str | None = None,
                 threads: int | None = None) -> None:
        super().__init__(workers, address, threads)
        if address:
            raise LinksimError(f"--address {address}: only --executor ray takes an address")
        self.workers = workers or default_workers()
        # a process forked from one whose OpenMP pool has started hangs in its first
        # parallel region: fork from the driver only for one-thread workers
        self._ctx = _context(None if self.threads == 1 else "forkserver")
        if self._ctx.get_start_method() == "forkserver":
            # start the fork server now: it imports linksim (seconds) while the driver
            # checks the scenario and computes the point ids
            forkserver.ensure_running()

    def run(self, worker: PointWorker, points: Sequence[Point], sink: Sink) -> None:
        global _inherited
        if not points:
            return
        ctx = self._ctx
        todo = dict(enumerate(points))
        deaths: Counter[int] = Counter()
        _inherited = worker if ctx.get_start_method() == "fork" else None
        try:
            self._rounds(ctx, worker, todo, deaths, sink)
        finally:
            _inherited = None

    def _rounds(self, ctx, worker: PointWorker, todo: dict[int, Point],
                deaths: Counter[int], sink: Sink) -> None:
        with ctx.Manager() as manager:
            queue = manager.Queue()
            while todo:
                lost = self._round(ctx, worker.scenario, todo, queue, sink)
                if lost is None:
                    continue
                # a pool that broke before any point started charges every point, so
                # workers that cannot even start end the run instead of looping
                for index in lost or set(todo):
                    deaths[index] += 1
                    if deaths[index] >= ATTEMPTS:
                        sink.failed(index, f"its worker process died {ATTEMPTS} times "
                                           "(killed, or out of memory)")
                        todo.pop(index)

    def _round(self, ctx, scenario: Scenario, todo: dict[int, Point], queue: Any,
               sink: Sink) -> set[int] | None:
        """Submit every point of ``todo`` to a fresh pool and settle them as they end;
        ``None`` when the pool stayed whole, else the points (still in ``todo``) whose
        worker died, or every point that was running when it broke if no worker is known
        to have died of its own."""
        pool = ProcessPoolExecutor(min(self.workers, len(todo)), mp_context=ctx,
                                   initializer=_init,
                                   initargs=(scenario, queue, self.threads))
        started: dict[int, int] = {}   # point index -> pid of the worker that started it
        processes: dict[int, Any] = {}
        broken, clean = False, False
        try:
            futures = {pool.submit(_run, i, p): i for i, p in todo.items()}
            pending = set(futures)
            while pending:
                done, pending = wait(pending, timeout=POLL_S, return_when=FIRST_COMPLETED)
                started.update(_drain(queue, sink))
                for future in done:
                    try:
                        outcome = future.result()
                    except BrokenProcessPool:
                        broken = True
                        continue
                    settle(futures[future], outcome, sink)
                    todo.pop(futures[future])
            clean = True
        finally:
            processes = dict(getattr(pool, "_processes", None) or {})
            if not clean:  # interrupted: stop the workers now rather than at exit
                for process in processes.values():
                    process.terminate()
            pool.shutdown(wait=clean, cancel_futures=True)
        if not broken:
            return None
        lost = {i for i in started if i in todo}
        return {i for i in lost if _died(processes.get(started[i]))} or lost


def _died(process: Any) -> bool:
    """Whether a pool's worker process ended of its own (killed, crashed), not stopped by
    the broken pool (SIGTERM) and not still running."""
    return process is not None and process.exitcode not in (None, 0, -signal.SIGTERM)


def _drain(queue: Any, sink: Sink) -> dict[int, int]:
    """Deliver every queued progress message; the indices that started, with the pid of
    the worker that started each."""
    started = {}
    while True:
        try:
            message = queue.get_nowait()
        except queues.Empty:
            return started
        if message[0] == "started":
            started[message[1]] = int(message[3].rsplit(":", 1)[1])
        deliver(message, sink)
