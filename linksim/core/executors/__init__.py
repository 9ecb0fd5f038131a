"""Executors: where a run's grid points execute (registered in ``EXECUTORS``).

- ``serial``: in the driver, one after the other (the default with one worker);
- ``processes``: ``--workers N`` local processes (the default with ``N > 1``);
- ``ray``: Ray tasks on a local instance or a cluster (``--address``).

Every executor reports to the driver through the same :class:`~.base.Sink`, and only the
driver appends records, so records do not depend on the executor (see ``README.md``,
"Parallel and cluster runs").
"""
from __future__ import annotations

from linksim.core.executors.base import Executor, Failure, Sink, default_workers
from linksim.base.registry import EXECUTORS

__all__ = ["Executor", "Failure", "Sink", "default_workers", "make_executor"]


def make_executor(name: str | None = None, workers: int | None = None,
                  address: str | None = None, threads: int | None = None) -> Executor:
    """The executor ``name`` (default: ``serial`` for at most one worker, else
    ``processes``); ``workers=None``: the executor's own default; ``threads``: PyTorch
    threads per point (default one: the same records on every executor)."""
    name = name or ("serial" if (workers or 1) == 1 else "processes")
    return EXECUTORS.get(name)(workers=workers, address=address, threads=threads)
