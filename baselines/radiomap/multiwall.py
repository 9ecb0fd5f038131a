r"""Log-distance path loss plus a loss per wall on the direct ray (COST-231 multi-wall style).

.. math:: G_{\mathrm{dB}} = G_{\mathrm{FS}}(d_0) - 10\,n\log_{10}\frac{d}{d_0} - k\,L_w

with :math:`d_0` = 1 m, :math:`G_{\mathrm{FS}}` the free-space gain (Friis), path-loss
exponent :math:`n` (``exponent``), :math:`k` the number of building walls the straight
line from the transmitter to the cell centre crosses (building-map transitions counted at
``4`` samples per cell along the line) and :math:`L_w` the loss per wall (``wall_db``).
COST 231 (Final Report, Sec. 4.7.3) gives the indoor multi-wall form; here it is applied to
outdoor walls. The two numbers are fixed scenario parameters, not trained weights: the
scenario uses a grid-search fit on the *training* cities (:func:`fit_multiwall`, two
numbers for the whole data set; the values are in the scenario file).
"""
from __future__ import annotations

import math

import torch

from linksim.baselines.radiomap.fspl import distances_m, finish
from linksim.base.registry import SYSTEMS
from linksim.errors import LinksimError
from linksim.tasks.radiomap.system import RadioMapSystem
from linksim.tasks.radiomap.units import db_to_unit, friis_gain_db

SAMPLES_PER_CELL = 4


def wall_counts(batch) -> torch.Tensor:
    """[B, H, W] float64: building-map transitions on the segment transmitter -> cell centre.

    The segment to every cell is sampled at ``S = 4 max(H, W)`` evenly spaced points (the
    same fraction ``t`` of the way for every cell), each read at its nearest cell (outside
    the map: open); a transition is a change between consecutive samples. One sample index
    at a time over the whole map: [H, W] work per step, nothing of size [S, H, W].
    """
    occ = batch.buildings
    b, h, w = occ.shape
    steps = SAMPLES_PER_CELL * max(h, w)
    t = torch.linspace(0.0, 1.0, steps, dtype=torch.float32, device=occ.device)[:, None]
    rows = torch.arange(h, dtype=torch.float32, device=occ.device)[None]
    cols = torch.arange(w, dtype=torch.float32, device=occ.device)[None]
    tx = batch.tx.float()
    counts = []
    for i in range(b):
        # zero border: a sample outside the map (clamped onto the border) reads "open"
        flat = torch.nn.functional.pad(occ[i].to(torch.int8), (1, 1, 1, 1)).reshape(-1)
        ix = (tx[i, 0] + t * (cols - tx[i, 0])).round_().clamp_(-1, w).to(torch.int32) + 1
        iy = (tx[i, 1] + t * (rows - tx[i, 1])).round_().clamp_(-1, h).to(torch.int32) + 1
        iy = iy * (w + 2)                                                # [S, H] row offsets
        count = torch.zeros(h, w, dtype=torch.int32, device=occ.device)
        prev = flat.index_select(0, (iy[0][:, None] + ix[0][None]).reshape(-1)).view(h, w)
        for s in range(1, steps):
            cur = flat.index_select(0, (iy[s][:, None] + ix[s][None]).reshape(-1)).view(h, w)
            count += cur != prev
            prev = cur
        counts.append(count)
    return torch.stack(counts).double()


def multiwall_gain_db(batch, exponent: float, wall_db: float) -> torch.Tensor:
    """[B, H, W] float64 multi-wall path gain in dB."""
    d = distances_m(batch)
    g0 = friis_gain_db(torch.ones_like(d), batch.frequency_hz)
    return g0 - 10.0 * exponent * torch.log10(d) - wall_db * wall_counts(batch)


def fit_multiwall(batch, exponents: torch.Tensor | None = None,
                  walls_db: torch.Tensor | None = None, chunk: int = 4_000_000,
                  cell_stride: int = 1) -> tuple[float, float, float]:
    """Grid search of ``(exponent, wall_db)`` minimizing the MSE of the *normalized*
    prediction over the open cells of ``batch`` (the scale the metrics use, so cells below
    the floor count as they do there). Grids: n in 1.5..6 step 0.1, L_w in 0..40 dB step 0.5.
    The cells go through in chunks of ``chunk`` (memory: the wall grid times one chunk);
    ``cell_stride`` > 1 fits on every such open cell only (row-major order over the batch).

    :returns: ``(exponent, wall_db, mse)``.
    """
    exponents = torch.arange(15, 61, dtype=torch.float64) / 10 if exponents is None else exponents
    walls_db = torch.arange(0, 81, dtype=torch.float64) / 2 if walls_db is None else walls_db
    use = ~batch.buildings
    logd = torch.log10(distances_m(batch))[use][::cell_stride]
    k = wall_counts(batch)[use][::cell_stride]
    truth = batch.target[:, 0].double()[use][::cell_stride]
    g0 = float(friis_gain_db(torch.ones(1, dtype=torch.float64), batch.frequency_hz))
    chunk = max(1, chunk // len(walls_db))
    sse = torch.zeros(len(exponents), len(walls_db), dtype=torch.float64)
    for j, n in enumerate(exponents.tolist()):
        for a in range(0, len(truth), chunk):
            s = slice(a, a + chunk)
            pred = db_to_unit(g0 - 10.0 * n * logd[None, s] - walls_db[:, None] * k[None, s])
            sse[j] += (pred - truth[None, s]).square().sum(1)
    mse = sse / max(len(truth), 1)
    j, i = divmod(int(mse.argmin()), len(walls_db))
    return float(exponents[j]), float(walls_db[i]), float(mse[j, i])


@SYSTEMS.register("multiwall")
class MultiWall(RadioMapSystem):
    """Log-distance + per-wall loss on the direct ray; ``exponent`` n, ``wall_db`` L_w (dB)."""

    def __init__(self, exponent: float = 2.0, wall_db: float = 10.0) -> None:
        super().__init__()
        for key, v in (("exponent", exponent), ("wall_db", wall_db)):
            if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v) \
                    or v < 0:
                raise LinksimError(f"{key}={v!r}: expected a non-negative number")
        self.exponent, self.wall_db = float(exponent), float(wall_db)

    def predict(self, batch) -> torch.Tensor:
        return finish(batch, multiwall_gain_db(batch, self.exponent, self.wall_db))


def fit_on_training_maps(root: str | None = None, every: int = 8, cell_stride: int = 1
                         ) -> dict[str, float]:
    """:func:`fit_multiwall` on every ``every``-th training map of a data set (sorted by id:
    with 8 transmitters per city, the first transmitter of each training city) and every
    ``cell_stride``-th open cell of them: the numbers the radio-map scenarios use."""
    from linksim.tasks.radiomap.dataset import RadioMapSet, collate

    data = RadioMapSet(root, "train")
    batch = collate([data[i] for i in range(0, len(data), every)])
    n, wall_db, mse = fit_multiwall(batch, cell_stride=cell_stride)
    return {"exponent": n, "wall_db": wall_db, "mse": mse, "maps": len(batch),
            "cell_stride": cell_stride, "data": str(data.root)}


if __name__ == "__main__":  # python -m linksim.baselines.radiomap.multiwall [root [every [stride]]]
    import json
    import sys

    torch.set_num_threads(1)
    args = sys.argv[1:]
    print(json.dumps(fit_on_training_maps(args[0] if args else None,
                                          *(int(a) for a in args[1:3]))))
