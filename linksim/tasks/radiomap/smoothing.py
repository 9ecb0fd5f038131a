"""A denser estimate of a Monte-Carlo radio map: adaptive box averages over open cells.

Sionna RT's radio-map solver credits each ray to the one cell where it crosses the
measurement plane, so a cell's path gain is an unbiased but noisy estimate of its mean,
and with the transmitter at the receiver height the crossings thin out as about
:math:`1/r^3` with distance: at 1 m cells and 10^6 rays most cells past ~80 m get no ray
and read as the floor (a speckled map, unlike RadioMapSeer's deterministic truth).

:func:`adaptive_mean` replaces each open cell's value with the mean linear gain over the
open cells of a ``k x k`` window centred on it (cells no ray reached count as 0 there, so
the mean stays an unbiased estimate of the window's mean gain), ``k`` the smallest of
``WINDOWS`` whose window holds at least ``MIN_HITS`` reached cells (``k = 1``, the raw
value, where the cell's 3 x 3 neighbourhood is fully reached). Cells whose largest window
holds fewer stay as traced. Buildings stay 0 and never enter a mean.
"""
from __future__ import annotations

import numpy as np

WINDOWS = (3, 5, 9, 17)
MIN_HITS = 5


def box_sum(a: np.ndarray, k: int) -> np.ndarray:
    """Sum of ``a`` over the ``k x k`` window centred on each cell (zeros outside)."""
    r = k // 2
    p = np.pad(a.astype(np.float64), ((r + 1, r), (r + 1, r)))
    c = p.cumsum(0).cumsum(1)
    return c[k:, k:] - c[:-k, k:] - c[k:, :-k] + c[:-k, :-k]


def adaptive_mean(gain: np.ndarray, buildings: np.ndarray) -> np.ndarray:
    """[H, W] float32 smoothed linear gain (see the module text)."""
    open_ = buildings <= 0
    g = np.where(open_, np.asarray(gain, dtype=np.float64), 0.0)
    hit = (g > 0).astype(np.float64)
    out = g.copy()
    todo = open_ & (box_sum(hit, 3) < box_sum(open_.astype(np.float64), 3))
    for k in WINDOWS:
        hits = box_sum(hit, k)
        use = todo & (hits >= MIN_HITS)
        out[use] = (box_sum(g, k) / np.maximum(box_sum(open_.astype(np.float64), k), 1))[use]
        todo &= ~use
    return out.astype(np.float32)
