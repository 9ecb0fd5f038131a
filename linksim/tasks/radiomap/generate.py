"""Generate a radio-map data set with Sionna RT: procedural cities, transmitters, path gain.

For city ``c`` of a data set with seed ``s``:

1. the city is drawn with seed ``derive_seed(s, "city", c)`` (:mod:`.city`) and written as
   a Sionna RT scene;
2. the building map is rasterized from the scene's meshes: vertical rays from above give
   the highest surface over each cell centre; a cell is a building where that surface is
   above the receiver plane (``rx_height_m``), and its value is the height in m;
3. ``tx_per_city`` transmitters are placed at street level (``tx_height_m``, 1.5 m as in
   RadioMapSeer) on open cells whose 8 neighbours are open too, drawn without
   replacement with seed ``derive_seed(s, "tx", c)``;
4. each map is :func:`~.raytracer.path_gain` on the receiver plane (isotropic antennas,
   LOS + specular reflection + refraction up to ``max_depth`` interactions, no diffraction,
   ``rays`` Monte-Carlo rays, solver seed ``derive_seed(s, "rays", c, k)``), converted to
   dB with the floor and normalized as RadioMapSeer (:mod:`.units`), buildings at 0.

Cities are split by city, never by transmitter: the first ``split[0]`` cities train, the
next ``split[1]`` validate, the last ``split[2]`` test. Generation is resumable
(:mod:`.storage`) and deterministic for a seed (same thread count).
"""
from __future__ import annotations

import dataclasses
import datetime as _dt
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import numpy as np

from linksim import __version__
from linksim.core.seeding import derive_seed
from linksim.errors import LinksimError
from linksim.tasks.radiomap import city as citymod
from linksim.tasks.radiomap import raytracer, storage, units

SPLITS = ("train", "val", "test")
#: map sides (cells) the models support: a multiple of 16 (four 2x poolings)
MAX_CELLS = 1024


@dataclass
class GenConfig:
    """One data set. Lengths in m, frequency in Hz.

    :ivar cells: cells per map side; :ivar cell_m: cell side; the map spans
        ``cells * cell_m`` (RadioMapSeer: 256 x 1 m; the CPU reference: 128 x 2 m).
    :ivar split: cities per split (train, val, test).
    """

    out: str
    split: tuple[int, int, int] = (60, 8, 12)
    tx_per_city: int = 8
    cells: int = 128
    cell_m: float = 2.0
    frequency_hz: float = 3.5e9
    rays: int = 1_000_000
    max_depth: int = 5
    tx_height_m: float = 1.5
    rx_height_m: float = 1.5
    seed: int = 0
    city: citymod.CitySpec = field(default_factory=citymod.CitySpec)

    def __post_init__(self) -> None:
        self.split = tuple(int(v) for v in self.split)
        if len(self.split) != 3 or min(self.split) < 0 or sum(self.split) < 1:
            raise LinksimError(f"--split {self.split}: expected three city counts "
                               "train,val,test (e.g. 60,8,12)")
        if not (16 <= self.cells <= MAX_CELLS and self.cells % 16 == 0):
            raise LinksimError(f"--cells {self.cells}: unsupported map size; use a multiple of "
                               f"16 from 16 to {MAX_CELLS} (e.g. 128 or 256)")
        if not self.cell_m > 0 or self.tx_per_city < 1 or self.rays < 1000 or self.max_depth < 0:
            raise LinksimError("--cell-m must be > 0, --tx-per-city >= 1, --rays >= 1000 and "
                               "--max-depth >= 0")
        self.city = dataclasses.replace(self.city, side_m=self.cells * self.cell_m)

    def as_dict(self) -> dict[str, Any]:
        d = dataclasses.asdict(self)
        d.pop("out")
        return json_safe(d)


def json_safe(value: Any) -> Any:
    import json

    return json.loads(json.dumps(value))


def city_names(cfg: GenConfig) -> list[tuple[str, str]]:
    """(city name, split) of every city, in generation order."""
    out = []
    for split, count in zip(SPLITS, cfg.split):
        out += [(f"city{len(out) + i:04d}", split) for i in range(count)]
    return out


def cell_centers(cfg: GenConfig) -> np.ndarray:
    """[cells] cell-centre coordinates along x (and y) in m, map centred on 0."""
    return (np.arange(cfg.cells) + 0.5) * cfg.cell_m - cfg.cells * cfg.cell_m / 2


def building_map(scene: Any, cfg: GenConfig) -> np.ndarray:
    """[cells, cells] float32 building height (m) from the scene's meshes; 0 where open."""
    c = cell_centers(cfg)
    xs, ys = np.meshgrid(c, c)
    heights = raytracer.surface_heights(scene, xs, ys)
    return np.where(heights > cfg.rx_height_m, heights, 0.0).astype(np.float32)


def place_transmitters(buildings: np.ndarray, count: int, seed: int) -> np.ndarray:
    """[count, 2] int (column, row) of street cells whose 3x3 neighbourhood is open."""
    occupied = np.pad(buildings > 0, 1, constant_values=True)
    h, w = buildings.shape
    near = np.zeros((h, w), dtype=bool)
    for dy in range(3):
        for dx in range(3):
            near |= occupied[dy:dy + h, dx:dx + w]
    rows, cols = np.nonzero(~near)
    if len(rows) < count:
        raise LinksimError(f"only {len(rows)} open street cells for {count} transmitters; "
                           "lower --tx-per-city or --fill")
    pick = np.random.default_rng(seed).choice(len(rows), size=count, replace=False)
    return np.stack([cols[pick], rows[pick]], axis=1)


def check_resumable(root: Path, cfg: GenConfig) -> dict[str, Any] | None:
    """The existing card, refused when it was written with other settings."""
    if not (root / storage.CARD).is_file():
        return None
    card = storage.read_card(root)
    mine, theirs = cfg.as_dict(), card.get("config", {})
    for key in sorted(set(mine) | set(theirs)):
        if mine.get(key) != theirs.get(key):
            raise LinksimError(f"{root}: holds a data set generated with {key}="
                               f"{theirs.get(key)!r}, not {mine.get(key)!r}; use the same "
                               "flags to resume, or another --out")
    return card


def _card(cfg: GenConfig, done: list[dict[str, Any]], status: str,
          versions: dict[str, str] | None = None) -> dict[str, Any]:
    counts = {s: sum(1 for e in done if e["split"] == s) for s in SPLITS}
    cities = {s: len({e["city"] for e in done if e["split"] == s}) for s in SPLITS}
    return {
        "kind": "linksim radio-map data set", "status": status, "config": cfg.as_dict(),
        "maps": counts, "cities": cities, "total_maps": len(done),
        "map_shape": [cfg.cells, cfg.cells], "cell_m": cfg.cell_m,
        "side_m": cfg.cells * cfg.cell_m,
        "normalization": {"floor_db": units.FLOOR_DB, "ceil_db": units.CEIL_DB,
                          "formula": "P = clip((10 log10 g - floor) / (ceil - floor), 0, 1); "
                                     "g = 0 (no ray) and buildings -> 0; 8-bit PNG"},
        "transmitters": f"street level, {cfg.tx_height_m} m, open cell with open 3x3 "
                        "neighbourhood, uniform", "receivers": f"plane at {cfg.rx_height_m} m",
        "propagation": f"Sionna RT RadioMapSolver: LOS, specular reflection, refraction, "
                       f"max_depth {cfg.max_depth}, {cfg.rays} rays, isotropic V-pol "
                       f"antennas, {cfg.frequency_hz / 1e9:g} GHz, no diffraction",
        "split": "by city (train, val, test cities disjoint), never by transmitter",
        "trace_wall_s": round(sum(e["wall_s"] for e in done), 1),
        "generator": f"linksim {__version__} (linksim radiomap generate)",
        "versions": raytracer.versions() if versions is None else versions,
        "updated": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
    }


def generate(cfg: GenConfig, threads: int | None = None, progress: bool = True,
             stop_after: int | None = None, on_map: Callable[[dict], None] | None = None
             ) -> dict[str, Any]:
    """Generate (or resume) the data set of ``cfg``; returns its card.

    :param threads: Dr.Jit worker threads (``None``: one per core).
    :param stop_after: trace at most this many new maps, then return (tests of resumption).
    """
    from tqdm import tqdm

    root = Path(cfg.out)
    check_resumable(root, cfg)
    raytracer.set_threads(threads)
    done = storage.read_index(root)
    have = {e["id"] for e in done}
    plan = city_names(cfg)
    storage.write_card(root, _card(cfg, done, "incomplete"))
    bar = tqdm(total=len(plan) * cfg.tx_per_city, initial=len(have), unit="map",
               desc="radio maps", mininterval=5.0, disable=not progress)
    new = 0
    try:
        for index, (name, split) in enumerate(plan):
            ids = [f"{name}_tx{k:02d}" for k in range(cfg.tx_per_city)]
            if all(i in have for i in ids):
                continue
            if stop_after is not None and new >= stop_after:
                break
            folder = root / "cities" / name
            boxes = citymod.random_city(derive_seed(cfg.seed, "city", index), cfg.city)
            scene = raytracer.load_scene(str(citymod.write_scene(folder, boxes, cfg.city)))
            buildings = building_map(scene, cfg)
            storage.write_png(folder / "buildings.png",
                              np.clip(np.round(buildings), 0, 255).astype(np.uint8))
            txs = place_transmitters(buildings, cfg.tx_per_city,
                                     derive_seed(cfg.seed, "tx", index))
            c = cell_centers(cfg)
            for k, (col, row) in enumerate(txs):
                if ids[k] in have:
                    continue
                if stop_after is not None and new >= stop_after:
                    break
                t0 = time.perf_counter()
                tx_m = (float(c[col]), float(c[row]), cfg.tx_height_m)
                gain = raytracer.path_gain(
                    scene, tx_m, (0.0, 0.0, cfg.rx_height_m), cfg.cells, cfg.cell_m,
                    frequency_hz=cfg.frequency_hz, rays=cfg.rays, max_depth=cfg.max_depth,
                    seed=derive_seed(cfg.seed, "rays", index, k))
                unit = units.gain_to_unit(gain, buildings)
                storage.write_png(root / "maps" / f"{ids[k]}.png", units.to_uint8(unit))
                entry = {"id": ids[k], "city": name, "split": split, "tx": [int(col), int(row)],
                         "tx_m": [round(v, 3) for v in tx_m], "file": f"maps/{ids[k]}.png",
                         "reached": round(float((gain > 0).mean()), 4),
                         "wall_s": round(time.perf_counter() - t0, 3)}
                storage.append_index(root, entry)
                done.append(entry)
                have.add(ids[k])
                new += 1
                bar.update(1)
                if on_map is not None:
                    on_map(entry)
    finally:
        bar.close()
    status = "complete" if len(have) == len(plan) * cfg.tx_per_city else "incomplete"
    card = _card(cfg, done, status)
    storage.write_card(root, card)
    return card
