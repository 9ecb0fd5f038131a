"""DeepSC's initialization decides whether word positions survive the embedding: with
PyTorch's N(0, 1) embeddings the scaled word vectors swamp the sinusoidal positions; with
DeepSC's Xavier initialization they do not. The Mamba blocks keep their own initialization."""
from __future__ import annotations

import math

import pytest
import torch

from linksim.errors import LinksimError
from linksim.tasks.text.transceiver import Transceiver, sinusoidal


def word_rms(net: Transceiver) -> float:
    return float(net.embed.weight[4:].detach().square().mean().sqrt()) * math.sqrt(net.dim)


def test_xavier_keeps_positions_visible_and_torch_default_drowns_them():
    pe = float(sinusoidal(32, 128).square().mean().sqrt())
    torch.manual_seed(0)
    default = Transceiver(vocab=3000, layers=1, cutoffs=[500, 1000])
    torch.manual_seed(0)
    xavier = Transceiver(vocab=3000, layers=1, cutoffs=[500, 1000], init="xavier")
    assert word_rms(default) > 10 * pe          # 11.3 against 0.71
    assert word_rms(xavier) < pe                # ~0.3 against 0.71
    assert set(default.state_dict()) == set(xavier.state_dict())


def test_mamba_blocks_keep_their_own_initialization():
    torch.manual_seed(1)
    a = Transceiver(vocab=300, dim=32, layers=1, heads=4, ffn=64, mamba=True)
    torch.manual_seed(1)
    b = Transceiver(vocab=300, dim=32, layers=1, heads=4, ffn=64, mamba=True, init="xavier")
    for name, p in a.mamba_tx.state_dict().items():
        assert torch.equal(p, b.mamba_tx.state_dict()[name]), name
    assert not torch.equal(a.embed.weight, b.embed.weight)


def test_unknown_init_is_a_one_line_error():
    with pytest.raises(LinksimError, match="init='he'"):
        Transceiver(vocab=100, dim=16, layers=1, heads=2, ffn=32, init="he")
