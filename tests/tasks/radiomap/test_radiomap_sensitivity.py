"""The transmitter sensitivity: zero for a model blind to the transmitter, large for free space."""
from __future__ import annotations

import pytest
import torch

from linksim.baselines.radiomap.fspl import FreeSpace
from linksim.errors import LinksimError
from linksim.tasks.radiomap.dataset import RadioMapSet, collate
from linksim.tasks.radiomap.sensitivity import transmitter_sensitivity
from linksim.tasks.radiomap.system import RadioMapSystem


class BuildingsOnly(RadioMapSystem):
    """0.5 in every open cell: a mean map that ignores the transmitter."""

    def predict(self, batch) -> torch.Tensor:
        return 0.5 * (~batch.buildings[:, None]).float()


@pytest.fixture(scope="module")
def city_batch():
    maps = RadioMapSet(split="val", count=4)          # the first 4 transmitters of one city
    assert len({e["city"] for e in maps.entries}) == 1
    return collate([maps[i] for i in range(len(maps))])


def test_blind_model_has_zero_sensitivity(city_batch):
    assert transmitter_sensitivity(BuildingsOnly(), city_batch) == 0.0


def test_free_space_moves_with_the_transmitter(city_batch):
    s = transmitter_sensitivity(FreeSpace(), city_batch)
    # Friis gain of two transmitters some 100 m apart differs by several dB over most cells
    assert s > 0.02


def test_needs_two_maps(city_batch):
    with pytest.raises(LinksimError, match="at least 2"):
        transmitter_sensitivity(FreeSpace(), city_batch[:1])
