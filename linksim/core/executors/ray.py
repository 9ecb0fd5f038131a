"""Ray: grid points as Ray tasks on a local instance or a cluster (``pip install linksim[ray]``).

The scenario goes to Ray's object store once (``ray.put``); every task gets it with its
point, and each Ray worker process builds one :class:`~linksim.core.worker.PointWorker`
per run and reuses it for the run's later points. Checkpoints, data sets and the codec and
BLER caches are read from paths every node sees (a shared file system; the driver's
``LINKSIM_*`` variables are passed to the workers). A task whose worker or node dies is
retried by Ray on another worker (``max_retries``); a point that raises is returned as a
failure and not retried. Progress comes back through a :class:`ray.util.queue.Queue`.

``address``: ``None`` starts a private local instance (``workers`` CPUs); ``"auto"`` or
``HOST:PORT`` joins a running cluster (``ray start --head``), where ``workers`` is the
number of points meant to run at once. Twice that many are in flight, so a worker that
finishes a point finds the next one queued. A Ray instance the caller already started (``ray.init``) is used as is.
"""
from __future__ import annotations

import os
import uuid
from typing import Any, Sequence

from linksim.core.executors.base import ATTEMPTS, Executor, Sink, deliver, run_reported, settle
from linksim.core.grid import Point
from linksim.base.registry import EXECUTORS
from linksim.core.worker import PointWorker
from linksim.errors import LinksimError
from linksim.core.scenario import Scenario

POLL_S = 0.1

# --- the Ray worker side ---------------------------------------------------------------
_workers: dict[str, PointWorker] = {}


class _Outbox:
    """Progress to the driver's queue without waiting for the queue actor's reply.

    A Ray worker that waits in ``ray.get`` (as ``Queue.put`` does) lends its CPU to a
    new worker process; the spare process is stopped as idle a moment later, so every
    progress message would cost a worker start (and a model load). Calls of one worker to
    one actor still arrive in order; the driver ignores messages of points already ended.
    """

    def __init__(self, queue: Any) -> None:
        self.actor = queue.actor

    def put(self, item: tuple) -> None:
        self.actor.put_nowait.remote(item)


def _point_task(run_id: str, scenario: Scenario, index: int, point: Point, queue: Any,
                threads: int = 1):
    import torch

    torch.set_num_threads(threads)
    if run_id not in _workers:
        _workers.clear()  # one run's parts at a time

    def this_worker() -> PointWorker:
        if run_id not in _workers:
            _workers[run_id] = PointWorker(scenario)
        return _workers[run_id]

    return run_reported(this_worker, index, point, _Outbox(queue))


# --- the driver side -------------------------------------------------------------------
@EXECUTORS.register("ray")
class RayExecutor(Executor):
    """Grid points as Ray tasks (one CPU each; one GPU each when ``device = "cuda"``)."""

    def __init__(self, workers: int | None = None, address: str | None = None,
                 threads: int | None = None) -> None:
        super().__init__(workers, address, threads)
        try:
            import ray  # noqa: F401
        except ImportError:
            raise LinksimError("--executor ray: Ray is not installed; pip install "
                               "'linksim[ray]' (or pip install ray)") from None

    def _connect(self) -> bool:
        """Start or join Ray unless it runs already; True when this call started it."""
        import ray

        if ray.is_initialized():
            return False
        env = {k: v for k, v in os.environ.items() if k.startswith("LINKSIM_")}
        try:
            ray.init(address=self.address, num_cpus=None if self.address else self.workers,
                     include_dashboard=False, runtime_env={"env_vars": env} if env else None)
        except ConnectionError as exc:
            raise LinksimError(f"--address {self.address}: no Ray cluster there ({exc}); start "
                               "one with ray start --head, or drop --address") from None
        return True

    def run(self, worker: PointWorker, points: Sequence[Point], sink: Sink) -> None:
        import ray
        from ray.util.queue import Queue

        started_here, flight = self._connect(), {}
        try:
            queue = Queue(actor_options={"num_cpus": 0})
            task = ray.remote(_point_task).options(
                num_cpus=self.threads, num_gpus=1 if worker.scenario.device == "cuda" else 0,
                max_retries=ATTEMPTS - 1, retry_exceptions=False)
            scenario, run_id = ray.put(worker.scenario), uuid.uuid4().hex
            todo = list(enumerate(points))
            # twice the workers in flight: a worker finishing a point finds the next one
            # queued at once (an idle Ray worker beyond the CPU count is stopped, and its
            # successor would load the models again)
            window = 2 * self.workers if self.workers else len(todo)
            while todo or flight:
                while todo and len(flight) < window:
                    index, point = todo.pop(0)
                    flight[task.remote(run_id, scenario, index, point, queue,
                                   self.threads)] = index
                done, _ = ray.wait(list(flight), num_returns=1, timeout=POLL_S)
                _drain(queue, sink)
                for ref in done:
                    index = flight.pop(ref)
                    try:
                        outcome = ray.get(ref)
                    except ray.exceptions.RayError as exc:  # the worker or node was lost
                        sink.failed(index, f"its Ray worker was lost {ATTEMPTS} times "
                                           f"({type(exc).__name__})")
                        continue
                    settle(index, outcome, sink)
        finally:
            for ref in flight:  # interrupted: stop what still runs
                ray.cancel(ref, force=True)
            if started_here:
                ray.shutdown()


def _drain(queue: Any, sink: Sink) -> None:
    size = queue.qsize()
    for message in queue.get_nowait_batch(size) if size else ():
        deliver(message, sink)
