"""What diffraction adds to a generated map: the map of the data set beside the same
transmitter traced again without diffraction (same scene, rays and solver seed).

For each chosen map the figure shows the building map with the transmitter, the data
set's map (diffraction on), the map without diffraction (processed the same way:
smoothed when the data set is), and the gain diffraction adds in dB (cells no ray
reaches without diffraction but with it are marked as such). :func:`diffraction_gain`
returns the numbers behind it: the share of open cells reached only with diffraction and
the median gain it adds where both reach.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from linksim.errors import LinksimError
from linksim.tasks.radiomap import raytracer, smoothing, storage, tiles, units
from linksim.tasks.radiomap.generate import GenConfig, Layout


def _config(card: dict[str, Any], root: Path) -> GenConfig:
    cfg = dict(card["config"])
    cfg.pop("city", None)
    for key in ("split", "real_scenes"):
        cfg[key] = tuple(cfg.get(key, ()))
    return GenConfig(out=str(root), **cfg)


def retrace(root: str | Path, map_id: str, diffraction: bool = False
            ) -> tuple[np.ndarray, np.ndarray, dict[str, Any]]:
    """``(unit map, building heights, index entry)`` of ``map_id`` traced again with
    ``diffraction`` (processed as the data set: smoothed when it is)."""
    root = Path(root)
    card = storage.read_card(root)
    cfg = _config(card, root)
    entry = {e["id"]: e for e in storage.read_index(root)}.get(map_id)
    if entry is None:
        raise LinksimError(f"{root}: no map {map_id!r} in the index")
    folder = root / "cities" / entry["city"]
    heights = storage.read_png(folder / "buildings.png").astype(np.float32)
    k = int(map_id.rsplit("_tx", 1)[1])
    if (folder / "tile.json").is_file():
        spec = json.loads((folder / "tile.json").read_text())
        tile = tiles.Tile(**{**spec, "center": tuple(spec["center"])})
        layout = Layout(entry["city"], entry["split"], -1, tile)
        scene, center = raytracer.load_scene(tile.scene), tile.center
    else:
        layout = Layout(entry["city"], entry["split"], int(entry["city"][4:]))
        scene, center = raytracer.load_scene(str(folder / "scene.xml")), (0.0, 0.0)
    extra = {"diffraction": True} if diffraction else {}
    gain = raytracer.path_gain(scene, tuple(entry["tx_m"]), (*center, cfg.rx_height_m),
                               cfg.cells, cfg.cell_m, frequency_hz=cfg.frequency_hz,
                               rays=cfg.rays, max_depth=cfg.max_depth,
                               seed=layout.seed(cfg, "rays", k), **extra)
    if cfg.smooth:
        gain = smoothing.adaptive_mean(gain, heights)
    return units.gain_to_unit(gain, heights), heights, entry


def diffraction_gain(with_db: np.ndarray, without_db: np.ndarray, open_: np.ndarray
                     ) -> dict[str, float]:
    """Share of open cells reached only with diffraction, and the median dB it adds where
    both reach (``*_db``: NaN where no ray)."""
    a, b = ~np.isnan(with_db) & open_, ~np.isnan(without_db) & open_
    both = a & b
    return {"open_cells": int(open_.sum()),
            "reached_with": float(a.sum() / max(open_.sum(), 1)),
            "reached_without": float(b.sum() / max(open_.sum(), 1)),
            "only_with_diffraction": float((a & ~b).sum() / max(open_.sum(), 1)),
            "median_added_db": float(np.median(with_db[both] - without_db[both]))
            if both.any() else float("nan")}


def plot_diffraction(root: str | Path, ids: Sequence[str], out: str | Path) -> dict[str, Any]:
    """Draw the figure (one row per map) into ``out``; returns the numbers per map."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows, stats = [], {}
    first, _, entry = retrace(root, ids[0], diffraction=True)
    stored = storage.read_png(Path(root) / entry["file"])
    reproduced = bool(np.array_equal(units.to_uint8(first), stored))
    for map_id in ids:
        without, heights, entry = retrace(root, map_id, diffraction=False)
        with_ = storage.read_png(Path(root) / entry["file"]).astype(np.float32) / 255.0
        to_db = (lambda u: np.where(u > 0, units.FLOOR_DB + u * units.SPAN_DB, np.nan))
        w_db, wo_db = to_db(with_), to_db(without)
        stats[map_id] = diffraction_gain(w_db, wo_db, heights <= 0)
        rows.append((entry, heights, w_db, wo_db))
    fig, axes = plt.subplots(len(rows), 4, figsize=(17, 4.2 * len(rows)), squeeze=False)
    for ax_row, (entry, heights, w_db, wo_db) in zip(axes, rows):
        building = np.ma.masked_where(heights <= 0, heights > 0)
        added = np.where(np.isnan(wo_db) & ~np.isnan(w_db), np.nan, w_db - wo_db)
        only = np.ma.masked_where(~(np.isnan(wo_db) & ~np.isnan(w_db)), np.zeros_like(w_db))
        s = stats[entry["id"]]
        panels = [
            (heights, f"{entry['id']} ({entry['split']}): buildings (m)", "Blues", (0, None)),
            (w_db, "with diffraction (data set), dB", "viridis", (units.FLOOR_DB, units.CEIL_DB)),
            (wo_db, "same rays, no diffraction, dB", "viridis", (units.FLOOR_DB, units.CEIL_DB)),
            (added, f"added by diffraction (dB); magenta: reached only with it "
                    f"({s['only_with_diffraction']:.0%} of open cells)", "RdBu_r", (-20, 20))]
        for ax, (img, title, cmap, (lo, hi)) in zip(ax_row, panels):
            shown = ax.imshow(np.ma.masked_invalid(img), origin="lower", cmap=cmap, vmin=lo,
                              vmax=hi)
            if img is not heights:
                ax.imshow(building, origin="lower", cmap="Greys", vmin=0, vmax=1.5)
            if img is added:
                ax.imshow(only, origin="lower", cmap="spring", vmin=0, vmax=1)  # 0: magenta
            ax.plot(*entry["tx"], "*", color="red", markersize=11)
            ax.set_title(title, fontsize=8.5)
            fig.colorbar(shown, ax=ax, fraction=0.046)
    fig.tight_layout()
    Path(out).parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, dpi=80)
    plt.close(fig)
    return {"maps": stats, f"{ids[0]} traced again with diffraction equals the stored map":
            reproduced}
