"""Training drops for ``linksim train --task beamforming --data SPEC``: fresh drops every step.

``SPEC`` is comma-separated ``key=value``: ``users`` (one K, ``"lo:hi"`` for K uniform in
that range per batch, or ``"a|b|c"``), ``p_max_dbm`` (one value or ``"lo:hi"``, uniform
per drop), and any :class:`~linksim.tasks.beamforming.cell.Cell` field. Example:
``users=30,p_max_dbm=10:40``.
"""
from __future__ import annotations

from dataclasses import dataclass

import torch

from linksim.errors import LinksimError
from linksim.tasks.beamforming.cell import Cell
from linksim.tasks.beamforming.drops import Drops
from linksim.tasks.beamforming.source import CELL_KEYS


def _span(text: str, key: str) -> tuple[float, float]:
    try:
        parts = [float(v) for v in text.split(":")]
    except ValueError:
        raise LinksimError(f"--data {key}={text!r}: expected a number or lo:hi") from None
    if len(parts) not in (1, 2) or parts[-1] < parts[0]:
        raise LinksimError(f"--data {key}={text!r}: expected a number or lo:hi with lo <= hi")
    return parts[0], parts[-1]


@dataclass
class DropSampler:
    """:ivar users: the K values a batch may have; :ivar p_max_dbm: (lo, hi) dBm."""

    users: tuple[int, ...]
    p_max_dbm: tuple[float, float]
    cell: Cell

    @classmethod
    def from_spec(cls, spec: str) -> "DropSampler":
        fields = dict(users="30", p_max_dbm="30")
        cell = {}
        for item in filter(None, (s.strip() for s in spec.split(","))):
            key, sep, value = item.partition("=")
            if not sep:
                raise LinksimError(f"--data {item!r}: expected key=value, e.g. "
                                   "--data users=30,p_max_dbm=10:40")
            if key in fields:
                fields[key] = value
            elif key in CELL_KEYS:
                cell[key] = float(value)
            else:
                raise LinksimError(f"--data: unknown key {key!r}; use users, p_max_dbm or "
                                   f"{', '.join(CELL_KEYS)}")
        if "|" in fields["users"]:
            users = tuple(int(v) for v in fields["users"].split("|"))
        else:
            lo, hi = _span(fields["users"], "users")
            users = tuple(range(int(lo), int(hi) + 1))
        if not users or min(users) < 1:
            raise LinksimError(f"--data users={fields['users']!r}: expected K >= 1")
        return cls(users, _span(fields["p_max_dbm"], "p_max_dbm"), Cell(**cell))

    def __len__(self) -> int:
        return 0  # no fixed set: every step draws fresh drops

    def sample(self, batch: int, generator: torch.Generator) -> Drops:
        k = self.users[int(torch.randint(len(self.users), (1,), generator=generator))]
        distance, gain = self.cell.drop(batch, k, generator)
        lo, hi = self.p_max_dbm
        p = lo + (hi - lo) * torch.rand(batch, dtype=torch.float64, generator=generator)
        return Drops(distance, gain, self.cell, p)

    def spec(self) -> str:
        return f"users={'|'.join(map(str, self.users))},p_max_dbm={self.p_max_dbm[0]:g}:{self.p_max_dbm[1]:g}"
