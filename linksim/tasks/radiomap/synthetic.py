"""A synthetic radio-map data set in the on-disk format, without the ray tracer.

Procedural cities (:mod:`.city`, rasterized exactly from their boxes), street-level
transmitters placed as :mod:`.generate` does, and free-space path gain (Friis) as the
"truth", buildings at the floor. For tests and demos of the task, the systems and the
training loop on machines without Sionna RT; not a model of propagation in a city.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import torch

from linksim.base.seeding import derive_seed
from linksim.tasks.radiomap import city as citymod
from linksim.tasks.radiomap import storage, units
from linksim.tasks.radiomap.generate import SPLITS, GenConfig, _card, place_transmitters


def write_synthetic(out: str | Path, split: tuple[int, int, int] = (2, 1, 1),
                    tx_per_city: int = 2, cells: int = 64, cell_m: float = 4.0,
                    seed: int = 0) -> Path:
    """Write the data set; returns its folder. Same arguments as :class:`.GenConfig`."""
    cfg = GenConfig(out=str(out), split=split, tx_per_city=tx_per_city, cells=cells,
                    cell_m=cell_m, seed=seed)
    root = Path(out)
    done = []
    names = [(f"city{i:04d}", s) for i, s in enumerate(
        s for s, n in zip(SPLITS, cfg.split) for _ in range(n))]
    for index, (name, split_name) in enumerate(names):
        boxes = citymod.random_city(derive_seed(seed, "city", index), cfg.city)
        heights = citymod.rasterize_boxes(boxes, cells, cell_m)
        storage.write_png(root / "cities" / name / "buildings.png",
                          np.clip(np.round(heights), 0, 255).astype(np.uint8))
        rows = torch.arange(cells, dtype=torch.float64)
        for k, (col, row) in enumerate(place_transmitters(heights, tx_per_city,
                                                          derive_seed(seed, "tx", index))):
            d = torch.hypot(rows[None, :] - float(col), rows[:, None] - float(row)) * cell_m
            gain_db = units.friis_gain_db(d.clamp_min(cell_m / 2), cfg.frequency_hz)
            unit = units.gain_to_unit(10.0 ** (gain_db.numpy() / 10.0), heights)
            map_id = f"{name}_tx{k:02d}"
            storage.write_png(root / "maps" / f"{map_id}.png", units.to_uint8(unit))
            entry = {"id": map_id, "city": name, "split": split_name, "tx": [int(col), int(row)],
                     "file": f"maps/{map_id}.png", "wall_s": 0.0}
            storage.append_index(root, entry)
            done.append(entry)
    card = _card(cfg, done, "complete", versions={"synthetic": "Friis free space, no ray tracer"})
    storage.write_card(root, card)
    return root
