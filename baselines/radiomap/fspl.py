r"""Free-space path loss (Friis): the radio-map baseline that ignores every building.

.. math:: G_{\mathrm{dB}}(d) = -20\log_{10}\frac{4\pi d f}{c}

with :math:`d` the distance from the transmitter to the cell centre (both at the same
height, so the horizontal distance), at least half a cell. The prediction is normalized
as the truth (:mod:`linksim.tasks.radiomap.units`), with building cells at 0 like the
truth (the building map is an input).
"""
from __future__ import annotations

import torch

from linksim.base.registry import SYSTEMS
from linksim.tasks.radiomap.system import RadioMapSystem
from linksim.tasks.radiomap.units import db_to_unit, friis_gain_db


def distances_m(batch) -> torch.Tensor:
    """[B, H, W] float64 distance (m) from the transmitter to every cell centre (>= cell/2)."""
    b, _, h, w = batch.inputs.shape
    rows = torch.arange(h, dtype=torch.float64, device=batch.tx.device)
    cols = torch.arange(w, dtype=torch.float64, device=batch.tx.device)
    dy = rows[None, :, None] - batch.tx[:, 1, None, None].double()
    dx = cols[None, None, :] - batch.tx[:, 0, None, None].double()
    return (torch.hypot(dx, dy) * batch.cell_m).clamp_min(batch.cell_m / 2)


def finish(batch, gain_db: torch.Tensor) -> torch.Tensor:
    """Normalize a [B, H, W] dB prediction, buildings at 0 -> [B, 1, H, W] float32."""
    unit = db_to_unit(gain_db).masked_fill(batch.buildings, 0.0)
    return unit[:, None].float()


@SYSTEMS.register("fspl")
class FreeSpace(RadioMapSystem):
    """Friis free-space path gain at every cell; no training, no parameters."""

    def predict(self, batch) -> torch.Tensor:
        return finish(batch, friis_gain_db(distances_m(batch), batch.frequency_hz))
