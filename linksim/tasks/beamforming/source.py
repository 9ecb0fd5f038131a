"""The ``drops`` data set: ``count`` seeded drops of ``max_users`` users in a :class:`Cell`.

Drawn once from PyTorch's global generator, which the runner seeds with the scenario
seed, so a scenario always sees the same drops. ``[source]`` keys: ``count``,
``max_users`` and every :class:`~linksim.tasks.beamforming.cell.Cell` field.
"""
from __future__ import annotations

from dataclasses import fields
from typing import Any, ClassVar

from linksim.base.registry import DATASETS
from linksim.errors import LinksimError
from linksim.tasks.beamforming.cell import Cell
from linksim.tasks.beamforming.drops import Drops

CELL_KEYS = tuple(f.name for f in fields(Cell))


@DATASETS.register("drops")
class DropSource:
    """``count`` drops, each of ``max_users`` users (a point at K users uses the first K)."""

    task: ClassVar[str] = "beamforming"

    def __init__(self, count: int = 200, max_users: int = 200, **cell: Any) -> None:
        self.check_params({"count": count, "max_users": max_users, **cell})
        self.cell = Cell(**cell)
        self.distance_m, self.gain_db = self.cell.drop(count, max_users)

    @staticmethod
    def check_params(params: dict[str, Any]) -> None:
        for key in ("count", "max_users"):
            v = params.get(key, 1)
            if isinstance(v, bool) or not isinstance(v, int) or not 1 <= v <= 1_000_000:
                err = LinksimError(f"{key}={v!r}: expected a whole number >= 1")
                err.key = key
                raise err
        unknown = sorted(set(params) - {"count", "max_users", *CELL_KEYS})
        if unknown:
            err = LinksimError(f"unknown key {unknown[0]!r}; drops take count, max_users, "
                               f"{', '.join(CELL_KEYS)}")
            err.key = unknown[0]
            raise err
        Cell(**{k: v for k, v in params.items() if k in CELL_KEYS})

    @property
    def names(self) -> list[str]:
        return [f"drop-{i:05d}" for i in range(len(self))]

    def __len__(self) -> int:
        return self.gain_db.shape[0]

    def __getitem__(self, i: int) -> Drops:
        return Drops(self.distance_m[i:i + 1], self.gain_db[i:i + 1], self.cell)
