r"""Does a radio-map predictor use the transmitter? The transmitter sensitivity of a model.

A model on the mean-map plateau predicts one map per building layout, whatever the
transmitter: its prediction does not move when the transmitter does. The sensitivity is

.. math:: S = \frac{1}{|\mathcal O|}\sum_{(b,i,j)\in\mathcal O}
          \bigl|\hat P_b(x_b)_{ij} - \hat P_b(x_b^{\pi})_{ij}\bigr|

with :math:`x_b^{\pi}` the input of map :math:`b` whose transmitter channel is that of
map :math:`\pi(b) = b - 1` (cyclically) and :math:`\mathcal O` the open cells (no building).
On the normalized scale of :math:`P` (1 = 100 dB); a batch needs at least two maps with
different transmitters, best of one city (buildings unchanged, only the transmitter moves).
"""
from __future__ import annotations

from dataclasses import replace

import torch

from linksim.errors import LinksimError


@torch.no_grad()
def transmitter_sensitivity(system, batch) -> float:
    """:math:`S` of ``system`` (any radio-map system) on ``batch`` (a RadioBatch, B >= 2)."""
    if len(batch) < 2:
        raise LinksimError("transmitter_sensitivity needs a batch of at least 2 maps")
    moved = torch.cat([batch.inputs[:, :1], batch.inputs[:, 1:].roll(1, dims=0)], dim=1)
    other = replace(batch, inputs=moved, tx=batch.tx.roll(1, dims=0))
    was_training = system.training
    system.eval()
    try:
        delta = (system.predict(batch) - system.predict(other)).abs()[:, 0]
    finally:
        system.train(was_training)
    return float(delta[~batch.buildings].mean())
