"""The coverage figure: trace a scene's path-gain map (Sionna RT) or predict it with a trained
radio-map model, turn it into SNR (:class:`~.coverage.LinkBudget`) and draw what two image
systems reach at every cell (:mod:`.coverage`): the SNR map, the two metric maps, and where
A beats B (paired, 95%).

With a model (:func:`predict`), the building map of the site is rasterized from the scene
as for the data set (:func:`~.tiles.heights`), the transmitter goes to the cell under it,
and the model's normalized path gain :math:`\\hat P` is turned back into linear gain
(:func:`~.units.unit_to_db`); cells it puts at the floor (:math:`\\hat P < 1/510`, the
8-bit level of "no ray") count as unreached, as the ray tracer's zeros do. With
``agree``, both are computed and the summary gives the time of each and how often the
per-cell verdicts (win / tie / lose) agree on the cells both cover."""
from __future__ import annotations

from dataclasses import asdict, dataclass
from fractions import Fraction
from pathlib import Path

import time

import numpy as np

from linksim.core.record import read_records
from linksim.tasks.radiomap import raytracer, smoothing, tiles
from linksim.tasks.radiomap.coverage import (LinkBudget, difference_curve, interpolate,
                                             metric_curve, verdict)


@dataclass(frozen=True)
class Site:
    """One transmitter in a scene and the measurement plane around it (m)."""

    scene: str = "munich"
    tx: tuple[float, float, float] = (0.0, 0.0, 45.0)
    center: tuple[float, float] = (0.0, 0.0)
    rx_height_m: float = 1.5
    cells: int = 128
    cell_m: float = 4.0
    frequency_hz: float = 3.5e9
    rays: int = 1_000_000
    max_depth: int = 3
    diffraction: bool = True      # edge diffraction fills the street canyons off the direct ray
    smooth: bool = False          # the data set's adaptive box mean (smoothing.py)
    seed: int = 0


def trace(site: Site) -> tuple[np.ndarray, np.ndarray]:
    """``(gain, building)``: [cells, cells] linear path gain and a boolean building mask
    (row = y index, column = x index, as :func:`~.raytracer.path_gain`)."""
    raytracer.configure_llvm()
    scene = raytracer.load_scene(site.scene)
    cx, cy = site.center
    gain = raytracer.path_gain(scene, site.tx, (cx, cy, site.rx_height_m), site.cells,
                               site.cell_m, frequency_hz=site.frequency_hz, rays=site.rays,
                               max_depth=site.max_depth, seed=site.seed,
                               diffraction=site.diffraction)
    heights = tiles.heights(scene, (cx, cy), site.cells, site.cell_m, site.rx_height_m)
    if site.smooth:
        gain = smoothing.adaptive_mean(gain, heights)
    return gain, heights > 0


def tx_cell(site: Site) -> tuple[int, int]:
    """(column, row) of the cell under the transmitter."""
    half = site.cells * site.cell_m / 2
    col = int(np.floor((site.tx[0] - site.center[0] + half) / site.cell_m))
    row = int(np.floor((site.tx[1] - site.center[1] + half) / site.cell_m))
    return col, row


def predict(site: Site, model: str, params: dict) -> tuple[np.ndarray, np.ndarray]:
    """``(gain, building)`` as :func:`trace`, the gain from the radio-map system ``model``
    (e.g. ``radiounet`` with ``checkpoint``) instead of the ray tracer."""
    import torch

    from linksim.base.registry import SYSTEMS
    from linksim.tasks.radiomap.dataset import RadioItem, check_transmitter, collate
    from linksim.tasks.radiomap.units import unit_to_db

    raytracer.configure_llvm()
    scene = raytracer.load_scene(site.scene)
    heights = tiles.heights(scene, site.center, site.cells, site.cell_m, site.rx_height_m)
    h8 = np.clip(np.round(heights), 0, 255).astype(np.uint8)
    tx = tx_cell(site)
    check_transmitter(h8, tx, f"--tx {site.tx}")
    batch = collate([RadioItem(h8, np.zeros_like(h8), tx, site.cell_m, site.frequency_hz)])
    system = SYSTEMS.get(model, "radiomap")(**params).eval()
    with torch.no_grad():
        unit = system.transmit(batch)[0][0, 0].double().numpy()
    gain = np.where(unit >= 0.5 / 255, 10.0 ** (unit_to_db(torch.from_numpy(unit)).numpy() / 10),
                    0.0)
    return gain, heights > 0


def verdicts(gain: np.ndarray, building: np.ndarray, budget: LinkBudget, records: list,
             a: str, b: str, cbr: float, metric: str, channel: str | None
             ) -> tuple[np.ndarray, dict[str, np.ndarray], np.ndarray]:
    """``(snr, metric maps of A and B, verdict map)`` of one path-gain map."""
    snr = budget.snr_db(np.where(building, 0.0, gain))
    maps = {label: interpolate(snr, *metric_curve(records, label, metric, cbr, channel))
            for label in (a, b)}
    xs, diff, ci = difference_curve(records, a, b, metric, cbr, channel)
    return snr, maps, verdict(interpolate(snr, xs, diff), interpolate(snr, xs, ci))


def agreement(won_a: np.ndarray, won_b: np.ndarray) -> dict:
    """How often two verdict maps agree on the cells both cover, and the cells one covers."""
    both = ~np.isnan(won_a) & ~np.isnan(won_b)
    out = {"cells_both": int(both.sum()),
           "cells_only_first": int((~np.isnan(won_a) & ~both).sum()),
           "cells_only_second": int((~np.isnan(won_b) & ~both).sum()),
           "agree": float(np.mean(won_a[both] == won_b[both])) if both.any() else float("nan")}
    names = {1.0: "win", 0.0: "tie", -1.0: "lose"}
    out["confusion"] = {f"{names[u]}->{names[v]}": int(((won_a == u) & (won_b == v) & both).sum())
                        for u in names for v in names}
    return out


def coverage(site: Site, budget: LinkBudget, results: str, a: str, b: str, cbr: float,
             out: str, metric: str = "psnr", channel: str | None = None,
             model: str | None = None, model_params: dict | None = None,
             agree: bool = False) -> dict:
    """Trace ``site`` (or predict it with ``model``), draw the four panels into ``out``
    (PNG); returns a summary: the fraction of covered cells where A wins, ties and loses,
    the settings, the seconds the path gain took, and with ``agree`` the agreement of the
    per-cell verdicts of the ray tracer (first) and the model (second)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    records = read_records(Path(results))
    seconds, won_traced = {}, None
    if model is None or agree:
        t0 = time.perf_counter()
        gain, building = trace(site)
        seconds["raytracer"] = round(time.perf_counter() - t0, 3)
        snr, maps, won = verdicts(gain, building, budget, records, a, b, cbr, metric, channel)
        won_traced = won
    if model is not None:
        t0 = time.perf_counter()
        gain, building = predict(site, model, model_params or {})
        seconds["model"] = round(time.perf_counter() - t0, 3)
        snr, maps, won = verdicts(gain, building, budget, records, a, b, cbr, metric, channel)

    half = site.cells * site.cell_m / 2
    extent = (site.center[0] - half, site.center[0] + half,
              site.center[1] - half, site.center[1] + half)
    fig, axes = plt.subplots(1, 4, figsize=(19, 4.6))
    panels = [(snr, f"SNR (dB), P_tx {budget.p_tx_dbm:g} dBm, B {budget.bandwidth_hz / 1e6:g} "
                    f"MHz, NF {budget.noise_figure_db:g} dB", "viridis", None)]
    lo = np.nanmin([np.nanmin(m) for m in maps.values()])
    hi = np.nanmax([np.nanmax(m) for m in maps.values()])
    panels += [(m, f"{label}: {metric.upper()}", "magma", (lo, hi)) for label, m in maps.items()]
    panels += [(won, f"{a} vs {b}: win / tie / lose", "RdYlGn", (-1, 1))]
    for ax, (img, title, cmap, lim) in zip(axes, panels):
        shown = ax.imshow(np.ma.masked_invalid(img), origin="lower", extent=extent, cmap=cmap,
                          vmin=None if lim is None else lim[0],
                          vmax=None if lim is None else lim[1])
        ax.imshow(np.ma.masked_where(~building, building), origin="lower", extent=extent,
                  cmap="Greys", vmin=0, vmax=1.5, alpha=0.9)
        ax.plot(site.tx[0], site.tx[1], "*", color="red", markersize=12)
        ax.set_title(title, fontsize=9)
        ax.set_xlabel("x (m)")
        fig.colorbar(shown, ax=ax, fraction=0.046)
    axes[0].set_ylabel("y (m)")
    reached = ~np.isnan(snr)
    covered = ~np.isnan(won)
    share = {k: float(np.mean(won[covered] == v)) if covered.any() else float("nan")
             for k, v in (("wins", 1.0), ("ties", 0.0), ("losses", -1.0))}
    source = f"{model} {model_params or ''}" if model else "Sionna RT"
    fig.suptitle(f"{site.scene} ({source}): image link coverage at CBR "
                 f"{Fraction(cbr).limit_denominator(1000)} ({results}); "
                 f"{a} wins {share['wins']:.0%}, ties {share['ties']:.0%}, loses "
                 f"{share['losses']:.0%} of the cells in the swept SNR range (grey: buildings; white: no "
                 f"ray, or SNR outside the records)",
                 fontsize=10)
    fig.tight_layout()
    Path(out).parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, dpi=110)
    plt.close(fig)
    extra = {"seconds": seconds, "gain_from": source}
    if model is not None and won_traced is not None:
        extra["agreement_raytracer_vs_model"] = agreement(won_traced, won)
    return {**extra, "out": out, "reached_cells": int(reached.sum()),
            "covered_cells": int(covered.sum()),
            "outside_swept_snr": int((reached & ~covered).sum()), **share,
            "snr_db_range": [float(np.nanmin(snr)), float(np.nanmax(snr))],
            "site": asdict(site), "budget": asdict(budget), "results": results,
            "a": a, "b": b, "cbr": cbr, "metric": metric, "channel": channel}
