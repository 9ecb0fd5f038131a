"""Figures of radio-map predictions: one row per map, four panels each: the building map
with the transmitter, the ray-traced truth, a system's prediction, and the error in dB.

:func:`plot_predictions` draws any registered radio-map system (a learned one from its
checkpoint, a physics baseline from its parameters) on chosen maps of a data set, so every
model's figure shows the same maps. Path gain is drawn in dB (:func:`~.units.unit_to_db`),
the error as prediction minus truth in dB on a symmetric scale; building cells are grey.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, Sequence

import torch

from linksim.base.registry import SYSTEMS
from linksim.errors import LinksimError
from linksim.tasks.radiomap.dataset import RadioMapSet, collate
from linksim.tasks.radiomap.units import CEIL_DB, FLOOR_DB, SPAN_DB

#: default maps of the figures: three test maps of three different cities
DEFAULT_MAPS = (0, 40, 85)
#: colour range of the error panel, dB
ERROR_DB = 30.0


def build_system(name: str, params: dict[str, Any]):
    """A radio-map system from the registry (``params``: ``checkpoint=...`` or baseline
    parameters), in evaluation mode."""
    cls = SYSTEMS.get(name, "radiomap")
    try:
        return cls(**params).eval()
    except TypeError as exc:
        raise LinksimError(f"system {name!r}: bad parameters ({exc})") from None


@torch.no_grad()
def predict(system, data: RadioMapSet, maps: Sequence[int]):
    """``(batch, P_hat)`` of the maps at positions ``maps`` of ``data``."""
    for i in maps:
        if not 0 <= i < len(data):
            raise LinksimError(f"--maps: map {i} does not exist; the split has {len(data)} maps "
                               f"(0..{len(data) - 1})")
    batch = collate([data[i] for i in maps])
    return batch, system.transmit(batch, None)[0]


def plot_predictions(name: str, params: dict[str, Any], out: str | Path,
                     root: str | None = None, split: str = "test",
                     maps: Sequence[int] = DEFAULT_MAPS, label: str | None = None) -> Path:
    """Write a PNG of ``len(maps)`` rows (buildings + transmitter, truth, prediction,
    error in dB) for system ``name``; returns its path."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.colors import ListedColormap

    from linksim.tasks.radiomap.metrics import nmse

    system = build_system(name, params)
    data = RadioMapSet(root, split)
    batch, p_hat = predict(system, data, list(maps))
    nm = nmse(batch, p_hat)
    label = label or name
    rows = len(maps)
    fig, axes = plt.subplots(rows, 4, figsize=(12.4, 3.1 * rows), squeeze=False,
                             constrained_layout=True)
    grey = ListedColormap(["white", "0.35"])
    side = batch.inputs.shape[-1] * batch.cell_m
    extent = (0.0, side, 0.0, side)
    for r, i in enumerate(maps):
        bld = batch.buildings[r].numpy()
        truth = (FLOOR_DB + batch.target[r, 0] * SPAN_DB).numpy()
        pred = (FLOOR_DB + p_hat[r, 0] * SPAN_DB).numpy()
        err = pred - truth
        tx = batch.tx[r].tolist()
        tx_m = ((tx[0] + 0.5) * batch.cell_m, (tx[1] + 0.5) * batch.cell_m)
        panels = (("buildings, transmitter", bld, grey, 0, 1),
                  ("truth (ray traced), dB", truth, "viridis", FLOOR_DB, CEIL_DB),
                  (f"{label}, dB", pred, "viridis", FLOOR_DB, CEIL_DB),
                  ("prediction - truth, dB", err, "RdBu_r", -ERROR_DB, ERROR_DB))
        for c, (title, img, cmap, lo, hi) in enumerate(panels):
            ax = axes[r, c]
            if c > 0:
                img, cmap = _masked(img, bld), plt.get_cmap(cmap).with_extremes(bad="0.35")
            im = ax.imshow(img, origin="lower", cmap=cmap, vmin=lo, vmax=hi, extent=extent,
                           interpolation="nearest")
            ax.plot(*tx_m, marker="*", color="red", markersize=9, markeredgecolor="k")
            ax.set_xticks([])
            ax.set_yticks([])
            if r == 0:
                ax.set_title(title, fontsize=10)
            if c == 0:
                ax.set_ylabel(data.names[i], fontsize=9)
            if c == 3:
                ax.text(0.02, 0.02, f"NMSE {float(nm[r]):.4f}", transform=ax.transAxes,
                        fontsize=8, color="k", backgroundcolor=(1, 1, 1, 0.7))
            if c >= 2 and r == rows - 1:
                fig.colorbar(im, ax=axes[:, c], shrink=0.6, label="dB")
    fig.suptitle(f"{label} on {split} maps of {data.root.name} "
                 f"({batch.inputs.shape[-1]}x{batch.inputs.shape[-1]} cells of "
                 f"{batch.cell_m:g} m)", fontsize=11)
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, dpi=110)
    plt.close(fig)
    return out


def _masked(img, buildings):
    import numpy as np

    return np.ma.masked_array(img, mask=buildings)
