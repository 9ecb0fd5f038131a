"""Coverage of the image link: from a path-gain map, the SNR of every cell and what two image
systems reach there.

For a transmitter of power :math:`P_{tx}` (dBm) and a receiver of noise figure :math:`NF`
(dB) in a band of :math:`B` Hz, a cell of linear path gain :math:`G` sees

.. math::  \\mathrm{SNR} = P_{tx} + 10\\log_{10} G - (-174 + 10\\log_{10} B + NF)\\ \\text{dB}.

The image link's quality at that SNR is read from committed image records (a results
folder of the image task): a system's mean metric per swept SNR is interpolated linearly in
SNR (cells outside the swept SNR range are left blank, never extrapolated), and so are the *paired* differences A - B with their 95%
intervals (:func:`linksim.core.compare.paired_differences`), so a cell is a win for A where
the whole interval is above zero, a loss where it is below, a tie otherwise. Cells no ray
reaches (G = 0), building cells and cells outside the swept SNRs are NaN.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from linksim.core.compare import paired_differences
from linksim.core.record import Record, mean_ci, reduce_envelopes
from linksim.errors import LinksimError


@dataclass(frozen=True)
class LinkBudget:
    """Transmit power (dBm), bandwidth (Hz) and receiver noise figure (dB)."""

    p_tx_dbm: float = 30.0
    bandwidth_hz: float = 10e6
    noise_figure_db: float = 9.0

    @property
    def noise_dbm(self) -> float:
        """Thermal noise in the band plus the noise figure (dBm)."""
        return -174.0 + 10.0 * math.log10(self.bandwidth_hz) + self.noise_figure_db

    def snr_db(self, gain: np.ndarray) -> np.ndarray:
        """SNR (dB) of every cell of a linear path-gain map; NaN where the gain is 0."""
        gain = np.asarray(gain, dtype=np.float64)
        with np.errstate(divide="ignore"):
            g_db = np.where(gain > 0, 10.0 * np.log10(np.where(gain > 0, gain, 1.0)), np.nan)
        return self.p_tx_dbm + g_db - self.noise_dbm


def select(records: list[Record], cbr: float, channel: str | None = None) -> list[Record]:
    """The records at ``cbr`` on one channel (by label; ``None``: the folder's only one)."""
    records = [r for r in records if abs(r.axes.get("cbr", cbr) - cbr) < 1e-9]
    labels = sorted({str(r.channel_label) for r in records})
    if channel is None and len(labels) > 1:
        raise LinksimError(f"the records hold several channels ({', '.join(labels)}); "
                           "name one (--channel)")
    return [r for r in records if channel is None or str(r.channel_label) == channel]


def metric_curve(records: list[Record], label: str, metric: str, cbr: float,
                 channel: str | None = None) -> tuple[np.ndarray, np.ndarray]:
    """``(snr_db, mean)`` of system ``label`` at ``cbr``, sorted by SNR (best MCS for an
    envelope system)."""
    rows = sorted((r.axes["snr_db"], mean_ci(r.metrics[metric])[0])
                  for r in reduce_envelopes(select(records, cbr, channel), metric)
                  if r.label == label and metric in r.metrics)
    if not rows:
        labels = sorted({r.label for r in records})
        raise LinksimError(f"no {metric} records of {label!r} at cbr {cbr:g}; labels: "
                           + ", ".join(labels))
    snr, mean = zip(*rows)
    return np.asarray(snr), np.asarray(mean)


def difference_curve(records: list[Record], a: str, b: str, metric: str, cbr: float,
                     channel: str | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(snr_db, mean, ci95)`` of the paired difference A - B at ``cbr``, sorted by SNR."""
    rows = sorted((d.axes["snr_db"], d.mean, d.ci95)
                  for d in paired_differences(select(records, cbr, channel), a, b, metric))
    if not rows:
        raise LinksimError(f"no paired {metric} records of {a!r} and {b!r} at cbr {cbr:g}")
    return tuple(np.asarray(v) for v in zip(*rows))


def interpolate(snr_map: np.ndarray, xs: np.ndarray, ys: np.ndarray) -> np.ndarray:
    """``ys`` at every cell's SNR, linear in SNR; NaN without coverage and outside the
    swept range ``[xs[0], xs[-1]]`` (the records say nothing there)."""
    inside = (snr_map >= xs[0]) & (snr_map <= xs[-1])        # False for NaN
    out = np.interp(np.where(inside, snr_map, xs[0]), xs, ys)
    return np.where(inside, out, np.nan)


def verdict(diff: np.ndarray, ci: np.ndarray) -> np.ndarray:
    """+1 where A - B is above zero with its whole 95% interval, -1 below, 0 a tie; NaN
    without coverage."""
    out = np.where(diff - ci > 0, 1.0, np.where(diff + ci < 0, -1.0, 0.0))
    return np.where(np.isnan(diff), np.nan, out)
