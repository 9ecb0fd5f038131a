"""Generate a radio-map data set with Sionna RT: city layouts, transmitters, path gain.

A *layout* is one map-sized piece of a city: a procedural city (:mod:`.city`) or a tile
cut from one of Sionna RT's real scenes (:mod:`.tiles`). For procedural city ``c`` of a
data set with seed ``s``:

1. the city is drawn with seed ``derive_seed(s, "city", c)`` (:mod:`.city`) and written as
   a Sionna RT scene;
2. the building map is rasterized from the scene's meshes: vertical rays from above give
   the highest surface over each cell centre; a cell is a building where that surface is
   above the receiver plane (``rx_height_m``), and its value is the height in m;
3. ``tx_per_city`` transmitters are placed at street level (``tx_height_m``, 1.5 m as in
   RadioMapSeer) on open cells whose 8 neighbours are open too, drawn without
   replacement with seed ``derive_seed(s, "tx", c)``;
4. each map is :func:`~.raytracer.path_gain` on the receiver plane (isotropic antennas,
   LOS + specular reflection + refraction, and wedge diffraction when ``diffraction``, up to
   ``max_depth`` interactions, ``rays`` Monte-Carlo rays, solver seed
   ``derive_seed(s, "rays", c, k)``), converted to dB with the floor and normalized as
   RadioMapSeer (:mod:`.units`), buildings at 0.

A real tile is the same with the whole real scene loaded (buildings outside the tile
still reflect and diffract) and the measurement plane on the tile; its seeds are
``derive_seed(s, "tx"|"rays", scene, tile, k)``.

Layouts are split by layout, never by transmitter: the first ``split[0]`` procedural
cities train, the next ``split[1]`` validate, the last ``split[2]`` test; every tile of the
``real_scenes`` trains, and every tile of ``holdout_scene`` (a whole city no training map
comes from) forms the ``test_city`` split. The splits are traced in the order
``order`` (default test, test_city, val, train; training layouts procedural and real
alternating, so a run stopped early has a mixed training set). The order is not part of
the configuration: a run may be resumed in another order (e.g. training layouts first, to
train while the rest is traced). Generation is
resumable (:mod:`.storage`) and deterministic for a seed (same thread count).
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
from linksim.base.seeding import derive_seed
from linksim.errors import LinksimError
from linksim.tasks.radiomap import city as citymod
from linksim.tasks.radiomap import raytracer, smoothing, storage, tiles, units

SPLITS = ("train", "val", "test")
#: the split of the held-out real city
CITY_SPLIT = "test_city"
ALL_SPLITS = SPLITS + (CITY_SPLIT,)
#: map sides (cells) the models support: a multiple of 16 (four 2x poolings)
MAX_CELLS = 1024
#: Sionna RT's shipped city scenes a tile may be cut from
REAL_SCENES = ("munich", "etoile", "florence", "san_francisco")


@dataclass
class GenConfig:
    """One data set. Lengths in m, frequency in Hz.

    :ivar cells: cells per map side; :ivar cell_m: cell side; the map spans
        ``cells * cell_m`` (RadioMapSeer: 256 x 1 m; the CPU reference: 128 x 2 m).
    :ivar split: procedural cities per split (train, val, test).
    :ivar diffraction: wedge diffraction on (Sionna RT's ``diffraction``); reflections and
        refraction are always on.
    :ivar smooth: store :func:`~.smoothing.adaptive_mean` of each traced map (the traced
        map itself goes to ``raw/``).
    :ivar real_scenes: Sionna RT scenes whose tiles train; :ivar holdout_scene: the scene
        whose tiles form the ``test_city`` split ("" for none).
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
    diffraction: bool = False
    smooth: bool = False
    real_scenes: tuple[str, ...] = ()
    holdout_scene: str = ""
    city: citymod.CitySpec = field(default_factory=citymod.CitySpec)

    def __post_init__(self) -> None:
        self.split = tuple(int(v) for v in self.split)
        self.real_scenes = tuple(self.real_scenes)
        if len(self.split) != 3 or min(self.split) < 0:
            raise LinksimError(f"--split {self.split}: expected three city counts "
                               "train,val,test (e.g. 60,8,12)")
        if sum(self.split) < 1 and not (self.real_scenes or self.holdout_scene):
            raise LinksimError("--split 0,0,0 and no --real-scenes: nothing to generate")
        if not (16 <= self.cells <= MAX_CELLS and self.cells % 16 == 0):
            raise LinksimError(f"--cells {self.cells}: unsupported map size; use a multiple of "
                               f"16 from 16 to {MAX_CELLS} (e.g. 128 or 256)")
        if not self.cell_m > 0 or self.tx_per_city < 1 or self.rays < 1000 or self.max_depth < 0:
            raise LinksimError("--cell-m must be > 0, --tx-per-city >= 1, --rays >= 1000 and "
                               "--max-depth >= 0")
        for name in self.real_scenes + ((self.holdout_scene,) if self.holdout_scene else ()):
            if name not in REAL_SCENES:
                raise LinksimError(f"--real-scenes/--holdout-city {name!r}: not one of Sionna "
                                   f"RT's city scenes; choose from {', '.join(REAL_SCENES)}")
        if self.holdout_scene in self.real_scenes:
            raise LinksimError(f"--holdout-city {self.holdout_scene}: also in --real-scenes; a "
                               "held-out city must not train")
        self.city = dataclasses.replace(self.city, side_m=self.cells * self.cell_m)

    def as_dict(self) -> dict[str, Any]:
        d = dataclasses.asdict(self)
        d.pop("out")
        return json_safe(d)


#: keys added after the first data sets: a card without them was written with these values
LATER_KEYS = {"diffraction": False, "smooth": False, "real_scenes": [], "holdout_scene": ""}


def json_safe(value: Any) -> Any:
    import json

    return json.loads(json.dumps(value))


@dataclass(frozen=True)
class Layout:
    """One layout to trace: a procedural city (``tile`` None, ``index`` its seed index) or
    a tile of a real scene."""

    name: str
    split: str
    index: int
    tile: tiles.Tile | None = None

    def seed(self, cfg: GenConfig, what: str, *more: int) -> int:
        if self.tile is None:
            return derive_seed(cfg.seed, what, self.index, *more)
        return derive_seed(cfg.seed, what, self.tile.scene, self.tile.row, self.tile.col, *more)


def city_names(cfg: GenConfig) -> list[tuple[str, str]]:
    """(city name, split) of every procedural city, by seed index."""
    out = []
    for split, count in zip(SPLITS, cfg.split):
        out += [(f"city{len(out) + i:04d}", split) for i in range(count)]
    return out


#: the default generation order of the splits
ORDER = ("test", CITY_SPLIT, "val", "train")


def plan(cfg: GenConfig, scenes: Callable[[str], Any], order: tuple[str, ...] = ORDER
         ) -> list[Layout]:
    """Every layout in generation order: the splits in ``order`` (train: procedural and
    real layouts alternating). ``scenes(name)`` loads a real scene (to cut its tiles)."""
    proc = [Layout(name, split, i) for i, (name, split) in enumerate(city_names(cfg))]
    need = 4 * cfg.tx_per_city

    def cut(name: str, split: str) -> list[Layout]:
        return [Layout(t.name, split, -1, t) for t in tiles.scene_tiles(
            name, scenes(name), cfg.cells, cfg.cell_m, cfg.rx_height_m, need)]

    held = cut(cfg.holdout_scene, CITY_SPLIT) if cfg.holdout_scene else []
    real = [lay for name in cfg.real_scenes for lay in cut(name, "train")]
    train = [lay for lay in proc if lay.split == "train"]
    mixed = []
    for k in range(max(len(train), len(real))):
        mixed += train[k:k + 1] + real[k:k + 1]
    if sorted(order) != sorted(ORDER):
        raise LinksimError(f"--order {','.join(order)}: expected each of {', '.join(ORDER)} "
                           "once")
    parts = {"train": mixed, CITY_SPLIT: held,
             **{s: [lay for lay in proc if lay.split == s] for s in ("val", "test")}}
    return [lay for split in order for lay in parts[split]]


def cell_centers(cfg: GenConfig) -> np.ndarray:
    """[cells] cell-centre coordinates along x (and y) in m, map centred on 0."""
    return (np.arange(cfg.cells) + 0.5) * cfg.cell_m - cfg.cells * cfg.cell_m / 2


def building_map(scene: Any, cfg: GenConfig, center: tuple[float, float] = (0.0, 0.0)
                 ) -> np.ndarray:
    """[cells, cells] float32 building height (m) from the scene's meshes; 0 where open."""
    return tiles.heights(scene, center, cfg.cells, cfg.cell_m, cfg.rx_height_m)


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
    mine, theirs = cfg.as_dict(), {**LATER_KEYS, **card.get("config", {})}
    for key in sorted(set(mine) | set(theirs)):
        if mine.get(key) != theirs.get(key):
            raise LinksimError(f"{root}: holds a data set generated with {key}="
                               f"{theirs.get(key)!r}, not {mine.get(key)!r}; use the same "
                               "flags to resume, or another --out")
    return card


def _card(cfg: GenConfig, done: list[dict[str, Any]], status: str,
          versions: dict[str, str] | None = None, planned: int | None = None,
          checksum: str | None = None) -> dict[str, Any]:
    splits = ALL_SPLITS if (cfg.holdout_scene or any(e["split"] == CITY_SPLIT for e in done)) \
        else SPLITS
    counts = {s: sum(1 for e in done if e["split"] == s) for s in splits}
    cities = {s: len({e["city"] for e in done if e["split"] == s}) for s in splits}
    wall = [e["wall_s"] for e in done]
    mech = "LOS, specular reflection, refraction" + (", wedge diffraction"
                                                      if cfg.diffraction else ", no diffraction")
    card = {
        "kind": "linksim radio-map data set", "status": status, "config": cfg.as_dict(),
        "maps": counts, "cities": cities, "total_maps": len(done),
        "map_shape": [cfg.cells, cfg.cells], "cell_m": cfg.cell_m,
        "side_m": cfg.cells * cfg.cell_m,
        "normalization": {"floor_db": units.FLOOR_DB, "ceil_db": units.CEIL_DB,
                          "formula": "P = clip((10 log10 g - floor) / (ceil - floor), 0, 1); "
                                     "g = 0 (no ray) and buildings -> 0; 8-bit PNG"},
        "transmitters": f"street level, {cfg.tx_height_m} m, open cell with open 3x3 "
                        "neighbourhood, uniform", "receivers": f"plane at {cfg.rx_height_m} m",
        "propagation": f"Sionna RT RadioMapSolver: {mech}, "
                       f"max_depth {cfg.max_depth}, {cfg.rays} rays, isotropic V-pol "
                       f"antennas, {cfg.frequency_hz / 1e9:g} GHz"
                       + ("; maps/: adaptive box mean of the traced map over open cells "
                          f"(windows {smoothing.WINDOWS}, >= {smoothing.MIN_HITS} reached cells; "
                          "smoothing.py), raw/: the traced map" if cfg.smooth else ""),
        "split": "by layout (train, val, test procedural cities and real tiles disjoint), never "
                 "by transmitter" + (f"; test_city: every tile of {cfg.holdout_scene}, a city "
                                     "no training map comes from" if cfg.holdout_scene else ""),
        "layouts": {"procedural": "city####", "real_tiles": "<scene>_r<row>c<col> (tiles.py)",
                    "real_scenes": list(cfg.real_scenes), "holdout_scene": cfg.holdout_scene},
        "trace_wall_s": round(sum(wall), 1),
        "trace_s_per_map": round(float(np.mean(wall)), 2) if wall else None,
        "generator": f"linksim {__version__} (linksim radiomap generate)",
        "versions": raytracer.versions() if versions is None else versions,
        "updated": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
    }
    if planned is not None:
        card["planned_maps"] = planned
    if checksum is not None:
        card["checksum"] = checksum
    return card


class Scenes:
    """Real scenes, each loaded once."""

    def __init__(self) -> None:
        self._loaded: dict[str, Any] = {}

    def __call__(self, name: str) -> Any:
        if name not in self._loaded:
            self._loaded[name] = raytracer.load_scene(name)
        return self._loaded[name]


def _layout_scene(root: Path, cfg: GenConfig, lay: Layout, scenes: Scenes
                  ) -> tuple[Any, tuple[float, float]]:
    """The scene to trace ``lay`` in and the centre of its map."""
    if lay.tile is not None:
        return scenes(lay.tile.scene), lay.tile.center
    boxes = citymod.random_city(derive_seed(cfg.seed, "city", lay.index), cfg.city)
    xml = citymod.write_scene(root / "cities" / lay.name, boxes, cfg.city)
    return raytracer.load_scene(str(xml)), (0.0, 0.0)


def generate(cfg: GenConfig, threads: int | None = None, progress: bool = True,
             stop_after: int | None = None, on_map: Callable[[dict], None] | None = None,
             order: tuple[str, ...] = ORDER) -> dict[str, Any]:
    """Generate (or resume) the data set of ``cfg``; returns its card.

    :param threads: Dr.Jit worker threads (``None``: one per core).
    :param stop_after: trace at most this many new maps, then return (tests of resumption).
    :param order: the splits in the order they are traced (see the module text).
    """
    from tqdm import tqdm

    root = Path(cfg.out)
    check_resumable(root, cfg)
    raytracer.set_threads(threads)
    done = list(storage.entries(root))
    have = {e["id"] for e in done}
    scenes = Scenes()
    layouts = plan(cfg, scenes, order)
    planned = len(layouts) * cfg.tx_per_city
    storage.write_card(root, _card(cfg, done, "incomplete", planned=planned))
    bar = tqdm(total=planned, initial=len(have), unit="map",
               desc="radio maps", mininterval=5.0, disable=not progress)
    new = 0
    try:
        for lay in layouts:
            ids = [f"{lay.name}_tx{k:02d}" for k in range(cfg.tx_per_city)]
            if all(i in have for i in ids):
                continue
            if stop_after is not None and new >= stop_after:
                break
            folder = root / "cities" / lay.name
            scene, (cx, cy) = _layout_scene(root, cfg, lay, scenes)
            buildings = building_map(scene, cfg, (cx, cy))
            storage.write_png(folder / "buildings.png",
                              np.clip(np.round(buildings), 0, 255).astype(np.uint8))
            if lay.tile is not None:
                storage.write_tile(folder, dataclasses.asdict(lay.tile))
            txs = place_transmitters(buildings, cfg.tx_per_city, lay.seed(cfg, "tx"))
            c = cell_centers(cfg)
            for k, (col, row) in enumerate(txs):
                if ids[k] in have:
                    continue
                if stop_after is not None and new >= stop_after:
                    break
                t0 = time.perf_counter()
                tx_m = (float(cx + c[col]), float(cy + c[row]), cfg.tx_height_m)
                extra = {"diffraction": True} if cfg.diffraction else {}
                gain = raytracer.path_gain(
                    scene, tx_m, (cx, cy, cfg.rx_height_m), cfg.cells, cfg.cell_m,
                    frequency_hz=cfg.frequency_hz, rays=cfg.rays, max_depth=cfg.max_depth,
                    seed=lay.seed(cfg, "rays", k), **extra)
                image = units.to_uint8(units.gain_to_unit(gain, buildings))
                more = {}
                if cfg.smooth:
                    storage.write_png(root / "raw" / f"{ids[k]}.png", image)
                    more = {"raw_file": f"raw/{ids[k]}.png",
                            "raw_reached": round(float((gain > 0).mean()), 4)}
                    gain = smoothing.adaptive_mean(gain, buildings)
                    image = units.to_uint8(units.gain_to_unit(gain, buildings))
                storage.write_png(root / "maps" / f"{ids[k]}.png", image)
                entry = {**more, "id": ids[k], "city": lay.name, "split": lay.split,
                         "tx": [int(col), int(row)],
                         "tx_m": [round(v, 3) for v in tx_m], "file": f"maps/{ids[k]}.png",
                         "reached": round(float((gain > 0).mean()), 4),
                         "sha256": storage.array_sha256(image),
                         "wall_s": round(time.perf_counter() - t0, 3)}
                storage.append_index(root, entry)
                done.append(entry)
                have.add(ids[k])
                new += 1
                bar.update(1)
                if on_map is not None:
                    on_map(entry)
            # the index, not this run's list: another run may trace other layouts meanwhile
            storage.write_card(root, _card(cfg, list(storage.entries(root)), "incomplete",
                                           planned=planned))
    finally:
        bar.close()
    done = list(storage.entries(root))
    status = "complete" if len(done) >= planned else "incomplete"
    card = _card(cfg, done, status, planned=planned, checksum=storage.checksum(root))
    storage.write_card(root, card)
    return card
