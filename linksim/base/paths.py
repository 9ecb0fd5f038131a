"""Where linksim keeps files: one module for the cache, data and zoo folders.

- ``cache_dir(kind)``: ``$LINKSIM_CACHE/<kind>`` (default ``~/.cache/linksim/<kind>``):
  codec files, BLER tables, compiled kernels' companions.
- ``data_dir()``: ``$LINKSIM_DATA`` (default ``~/.cache/linksim/data``): downloaded data sets.
- ``shared_data(name)``: ``../shared/data/<name>`` beside the repository, where the project's
  machines keep the evaluation sets (``None`` when absent).
- ``zoo_dirs()``: the checkpoint search path, first match wins: every folder in
  ``$LINKSIM_ZOO`` (``os.pathsep`` separated), the repository's ``zoo/`` (editable
  install), ``./zoo`` (a non-editable install run from a clone), then
  ``~/.cache/linksim/zoo``.
"""
from __future__ import annotations

import os
from pathlib import Path

#: the repository root (the folder holding the ``linksim`` package)
REPO = Path(__file__).resolve().parents[2]


def _home_cache() -> Path:
    return Path.home() / ".cache" / "linksim"


def cache_dir(kind: str) -> Path:
    """``$LINKSIM_CACHE/<kind>``, else ``~/.cache/linksim/<kind>`` (not created)."""
    return Path(os.environ.get("LINKSIM_CACHE", _home_cache())) / kind


def data_dir() -> Path:
    """``$LINKSIM_DATA``, else ``~/.cache/linksim/data`` (not created)."""
    return Path(os.environ.get("LINKSIM_DATA", _home_cache() / "data"))


def shared_data(name: str) -> Path | None:
    """``<repo>/../shared/data/<name>`` if it exists (the project machines' data), else None."""
    path = REPO.parent / "shared" / "data" / name
    return path if path.is_dir() else None


def zoo_dirs() -> list[Path]:
    """Folders searched for checkpoints, in order (existing or not)."""
    env = [Path(p).expanduser() for p in os.environ.get("LINKSIM_ZOO", "").split(os.pathsep) if p]
    here = Path.cwd() / "zoo"
    return env + [REPO / "zoo"] + ([here] if here.resolve() != (REPO / "zoo").resolve()
                                   else []) + [_home_cache() / "zoo"]
