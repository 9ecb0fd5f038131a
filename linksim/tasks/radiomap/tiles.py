"""Map-sized tiles cut from Sionna RT's shipped real scenes (munich, etoile, florence, ...).

A scene's bounding box is covered by a grid of square tiles of the map side ``L``
(``cells * cell_m``), the grid centred on the box; a tile is kept when its building map
(:func:`~.raytracer.surface_heights` at the cell centres, a building where the highest
surface is above the receiver plane) has a building share in ``[MIN_BUILT, MAX_BUILT]``
and room for the transmitters (open street cells with an open 3 x 3 neighbourhood).
Tiles are named ``<scene>_r<row>c<col>`` (row 0 = south).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from linksim.tasks.radiomap import raytracer

#: kept tiles have this share of building cells (open squares and parks, or solid blocks,
#: are dropped)
MIN_BUILT, MAX_BUILT = 0.05, 0.75


@dataclass(frozen=True)
class Tile:
    """One tile: its name, scene, centre (m) and grid position."""

    name: str
    scene: str
    center: tuple[float, float]
    row: int
    col: int


def heights(scene: Any, center: tuple[float, float], cells: int, cell_m: float,
            rx_height_m: float) -> np.ndarray:
    """[cells, cells] float32 building height (m) of the tile around ``center``; 0 where open
    (row = y index from the south, column = x index from the west)."""
    c = (np.arange(cells) + 0.5) * cell_m - cells * cell_m / 2
    xs, ys = np.meshgrid(center[0] + c, center[1] + c)
    h = raytracer.surface_heights(scene, xs, ys)
    return np.where(h > rx_height_m, h, 0.0).astype(np.float32)


def open_cells(buildings: np.ndarray) -> int:
    """Open cells whose 3 x 3 neighbourhood is open (where transmitters may go)."""
    occupied = np.pad(buildings > 0, 1, constant_values=True)
    h, w = buildings.shape
    near = np.zeros((h, w), dtype=bool)
    for dy in range(3):
        for dx in range(3):
            near |= occupied[dy:dy + h, dx:dx + w]
    return int((~near).sum())


def scene_tiles(name: str, scene: Any, cells: int, cell_m: float, rx_height_m: float,
                need_open: int) -> list[Tile]:
    """The kept tiles of one scene, south-west first, row by row."""
    side = cells * cell_m
    box = scene.mi_scene.bbox()
    lo = np.array([box.min[0], box.min[1]], dtype=float)
    hi = np.array([box.max[0], box.max[1]], dtype=float)
    count = np.floor((hi - lo) / side).astype(int)
    start = (lo + hi) / 2 - count * side / 2 + side / 2
    out = []
    for row in range(count[1]):
        for col in range(count[0]):
            center = (float(start[0] + col * side), float(start[1] + row * side))
            b = heights(scene, center, cells, cell_m, rx_height_m)
            built = float((b > 0).mean())
            if MIN_BUILT <= built <= MAX_BUILT and open_cells(b) >= need_open:
                out.append(Tile(f"{name}_r{row}c{col}", name, center, row, col))
    return out
