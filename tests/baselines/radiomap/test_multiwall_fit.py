"""The multi-wall fit recovers the parameters that made a map (closed form: zero error)."""
from __future__ import annotations

import torch

from linksim.baselines.radiomap.multiwall import MultiWall, fit_multiwall, wall_counts
from linksim.tasks.radiomap.dataset import RadioBatch


def synthetic_batch(exponent: float, wall_db: float) -> RadioBatch:
    """Two 48x48 maps with a few buildings whose target is the multi-wall model itself."""
    g = torch.Generator().manual_seed(0)
    buildings = torch.zeros(2, 48, 48)
    for b in range(2):
        for _ in range(6):
            r, c = torch.randint(0, 40, (2,), generator=g).tolist()
            buildings[b, r:r + 6, c:c + 5] = 1.0
    tx = torch.tensor([[3, 4], [44, 40]])
    buildings[0, 4, 3] = buildings[1, 40, 44] = 0.0
    txmap = torch.zeros_like(buildings)
    txmap[0, 4, 3] = txmap[1, 40, 44] = 1.0
    batch = RadioBatch(inputs=torch.stack([buildings, txmap], 1), target=torch.zeros(2, 1, 48, 48),
                       tx=tx, cell_m=2.0, frequency_hz=3.5e9)
    batch.target = MultiWall(exponent, wall_db).predict(batch)
    return batch


def test_fit_recovers_the_generating_parameters_in_any_chunking():
    batch = synthetic_batch(2.7, 12.5)
    n, wall, mse = fit_multiwall(batch)
    assert (n, wall) == (2.7, 12.5) and mse < 1e-12
    assert fit_multiwall(batch, chunk=1000)[:2] == (2.7, 12.5)


def sampled_with_grid_sample(batch) -> torch.Tensor:
    """A second implementation of the wall count: every sample of every segment at once,
    read by ``grid_sample`` (nearest cell, zeros outside)."""
    occ = batch.buildings.float()[:, None]
    b, _, h, w = occ.shape
    steps = 4 * max(h, w)
    t = torch.linspace(0.0, 1.0, steps)[:, None, None]
    out = []
    for i in range(b):
        col, row = batch.tx[i].float()
        x, y = torch.broadcast_tensors(col + t * (torch.arange(w)[None, None] - col),
                                       row + t * (torch.arange(h)[None, :, None] - row))
        grid = torch.stack([(x + 0.5) / w * 2 - 1, (y + 0.5) / h * 2 - 1], dim=-1)
        inside = torch.nn.functional.grid_sample(occ[i:i + 1].expand(steps, -1, -1, -1), grid,
                                                 mode="nearest", align_corners=False)[:, 0]
        out.append((inside[1:] - inside[:-1]).abs().sum(0))
    return torch.stack(out).double()


def test_wall_counts_match_a_grid_sample_implementation():
    batch = synthetic_batch(2.0, 10.0)
    counts = wall_counts(batch)
    assert counts.max() >= 2 and torch.equal(counts, sampled_with_grid_sample(batch))
