"""The coverage figure: trace a scene's path-gain map (Sionna RT), turn it into SNR
(:class:`~.coverage.LinkBudget`) and draw what two image systems reach at every cell
(:mod:`.coverage`): the SNR map, the two metric maps, and where A beats B (paired, 95%)."""
from __future__ import annotations

from dataclasses import asdict, dataclass
from fractions import Fraction
from pathlib import Path

import numpy as np

from linksim.core.record import read_records
from linksim.tasks.radiomap import raytracer
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
    half = site.cells * site.cell_m / 2
    centres = -half + site.cell_m * (np.arange(site.cells) + 0.5)
    xs, ys = np.meshgrid(cx + centres, cy + centres)
    building = raytracer.surface_heights(scene, xs, ys) > site.rx_height_m
    return gain, building


def coverage(site: Site, budget: LinkBudget, results: str, a: str, b: str, cbr: float,
             out: str, metric: str = "psnr", channel: str | None = None) -> dict:
    """Trace ``site``, draw the four panels into ``out`` (PNG); returns a summary: the
    fraction of covered cells where A wins, ties and loses, and the settings."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    records = read_records(Path(results))
    gain, building = trace(site)
    gain = np.where(building, 0.0, gain)
    snr = budget.snr_db(gain)
    maps = {label: interpolate(snr, *metric_curve(records, label, metric, cbr, channel))
            for label in (a, b)}
    xs, diff, ci = difference_curve(records, a, b, metric, cbr, channel)
    won = verdict(interpolate(snr, xs, diff), interpolate(snr, xs, ci))

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
    fig.suptitle(f"{site.scene}: image link coverage at CBR "
                 f"{Fraction(cbr).limit_denominator(1000)} ({results}); "
                 f"{a} wins {share['wins']:.0%}, ties {share['ties']:.0%}, loses "
                 f"{share['losses']:.0%} of the cells in the swept SNR range (grey: buildings; white: no "
                 f"ray, or SNR outside the records)",
                 fontsize=10)
    fig.tight_layout()
    Path(out).parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, dpi=110)
    plt.close(fig)
    return {"out": out, "reached_cells": int(reached.sum()), "covered_cells": int(covered.sum()),
            "outside_swept_snr": int((reached & ~covered).sum()), **share,
            "snr_db_range": [float(np.nanmin(snr)), float(np.nanmax(snr))],
            "site": asdict(site), "budget": asdict(budget), "results": results,
            "a": a, "b": b, "cbr": cbr, "metric": metric, "channel": channel}
