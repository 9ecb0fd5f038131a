"""The dilated transmitter map: a k x k square of ones, no parameters, old cards unchanged."""
from __future__ import annotations

import pytest
import torch

from linksim.base.registry import SYSTEMS
from linksim.errors import LinksimError
from linksim.tasks.radiomap.system import dilate_transmitter


def test_square_around_the_transmitter_and_buildings_untouched():
    x = torch.zeros(1, 2, 16, 16)
    x[0, 0, :4] = 1.0                      # buildings
    x[0, 1, 0, 7] = 1.0                    # transmitter at the edge: the square is clipped
    y = dilate_transmitter(x, 5)
    assert torch.equal(y[:, 0], x[:, 0])
    assert torch.equal(y[0, 1].nonzero().amin(0), torch.tensor([0, 5]))
    assert torch.equal(y[0, 1].nonzero().amax(0), torch.tensor([2, 9]))
    assert float(y[0, 1].sum()) == 3 * 5
    assert dilate_transmitter(x, 1) is x


@pytest.mark.parametrize("bad", [0, 4, -3, 2.0, True, "9"])
def test_bad_dilation_is_one_line(bad):
    with pytest.raises(LinksimError, match="tx_dilation"):
        SYSTEMS.get("radiounet")(config="small", random_weights=True, tx_dilation=bad)


def test_configs_and_parameters():
    mamba = SYSTEMS.get("radiomamba")
    assert mamba.configs["small"]["tx_dilation"] == 9 and mamba.configs["paper"]["tx_dilation"] == 1
    a = mamba(config="small", random_weights=True)
    b = mamba(config="small", random_weights=True, tx_dilation=1)
    assert a.state_dict().keys() == b.state_dict().keys()    # parameter-free


def test_card_without_the_key_means_one_cell():
    # the shipped 2000-step RadioMamba was trained on one-cell transmitter maps
    m = SYSTEMS.get("radiomamba")(checkpoint="radiomamba-small-procedural128")
    assert m.tx_dilation == 1
