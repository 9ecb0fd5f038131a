"""User drops: the source items of the beamforming task and their batches.

A drop holds the large-scale state of ``max_users`` users; a grid point at ``num_users``
= K uses the first K of them (the drops are nested in K, so the same users are seen at
every K: common random numbers across the user axis), and the Rayleigh fading of the
point comes from the runner's :class:`~linksim.channels.base.Link`.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Sequence

import torch

from linksim.tasks.beamforming.cell import Cell


@dataclass
class Drops:
    """A batch of drops.

    :ivar distance_m: [B, K] float64 BS-user 2-D distances (m).
    :ivar gain_db: [B, K] float64 large-scale gains over the noise, :math:`\\beta_k/\\sigma^2` (dB).
    :ivar cell: the :class:`Cell` (bandwidth, circuit power, PA efficiency, ...).
    :ivar p_max_dbm: [B] float64 power budgets (dBm) when the drops carry them (training
        draws one per drop), else ``None`` (the ``p_max_dbm`` axis decides).
    """

    distance_m: torch.Tensor
    gain_db: torch.Tensor
    cell: Cell
    p_max_dbm: torch.Tensor | None = None

    def __len__(self) -> int:
        return self.gain_db.shape[0]

    @property
    def num_users(self) -> int:
        return self.gain_db.shape[1]

    def first(self, users: int) -> "Drops":
        """The drops restricted to their first ``users`` users."""
        return replace(self, distance_m=self.distance_m[:, :users], gain_db=self.gain_db[:, :users])

    def to(self, device: torch.device | str) -> "Drops":
        p = None if self.p_max_dbm is None else self.p_max_dbm.to(device)
        return replace(self, distance_m=self.distance_m.to(device),
                       gain_db=self.gain_db.to(device), p_max_dbm=p)

    @staticmethod
    def stack(drops: Sequence["Drops"]) -> "Drops":
        """One batch from several (same cell)."""
        p = [d.p_max_dbm for d in drops]
        return Drops(torch.cat([d.distance_m for d in drops]), torch.cat([d.gain_db for d in drops]),
                     drops[0].cell, None if any(v is None for v in p) else torch.cat(p))
