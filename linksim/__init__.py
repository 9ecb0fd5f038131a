"""linksim: end-to-end wireless link simulator for learned and classical coding.

The public Python API (:mod:`linksim.api`), loaded on first use so that ``import linksim``
imports no torch:

- scenarios and runs: :func:`load_scenario`, :func:`run` (same records, resume and locks as
  ``linksim run``), :class:`Results`;
- records: :func:`records`, :func:`table` (a pandas DataFrame when pandas is installed),
  :func:`compare` (paired differences with 95% intervals), :func:`plot`, :func:`report`;
- training: :func:`train` (as ``linksim train``);
- parts by name: :func:`build_system`, :func:`build_channel`, :func:`get_metric`,
  :func:`make_link`, :func:`names`, :func:`origin`, :func:`load_plugin`;
- for your own parts: the base classes :class:`System`, :class:`LearnedSystem` (an image
  system with trained weights), :class:`Channel`, :class:`Task`,
  the :func:`metric` decorator, the registries (:data:`SYSTEMS`, :data:`CHANNELS`,
  :data:`METRICS`, :data:`DATASETS`, :data:`TASKS`, :data:`LOSSES`) and
  :class:`LinksimError` (a one-line user error).
"""
from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

#: public name -> the module that defines it (imported on first access)
_PUBLIC = {
    **dict.fromkeys(["load_scenario", "run", "dry_run", "Results", "records", "table",
                     "compare", "plot", "report", "train", "build_system", "build_channel",
                     "get_metric", "make_link", "names", "origin", "load_plugin"], "linksim.api"),
    **dict.fromkeys(["SYSTEMS", "CHANNELS", "METRICS", "DATASETS", "TASKS", "LOSSES"],
                    "linksim.base.registry"),
    "System": "linksim.core.system",
    "LearnedSystem": "linksim.tasks.image.systems.learned",
    "Channel": "linksim.channels.base",
    "Task": "linksim.core.task",
    "metric": "linksim.core.metric",
    "LinksimError": "linksim.errors",
}

__all__ = sorted(_PUBLIC) + ["__version__"]


def __getattr__(name: str) -> Any:
    if name in _PUBLIC:
        value = getattr(importlib.import_module(_PUBLIC[name]), name)
        globals()[name] = value  # later accesses skip this function
        return value
    raise AttributeError(f"module 'linksim' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_PUBLIC))
