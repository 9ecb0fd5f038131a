"""Named configurations of DeepSC and Mamba-DeepSC (identical but for the Mamba blocks).

- ``paper``: DeepSC's paper network (Xie et al. 2021, Table I: 3 Transformer layers in the
  semantic encoder and decoder, d 128, 8 heads, FFN 512; dense channel encoder 256 -> 16
  and decoder 128 -> 512; positions only at the two Transformer inputs) with the
  initialization of DeepSC's code (``init = "xavier"``, see
  :mod:`linksim.tasks.text.transceiver`) and a full softmax.
- ``paper_adaptive``: the same with an adaptive softmax (cutoffs 2,000 / 8,000 of the
  frequency-ranked words; about 3x cheaper per step on a CPU): what the current
  checkpoints are trained with.
- ``deepsc``: the network of DeepSC's code (4 layers) with PyTorch's default
  initialization and a full softmax (~4.2 s per training step of 128 sentences, one thread).
- ``adaptive``: ``deepsc`` with the adaptive softmax (the first checkpoints, with
  ``layers = 2``).
- ``small``: 2 layers, d 64 (tests and quick looks).

``vocab`` is set by training to the size of the training split's vocabulary.
``rx_positions`` adds word positions at the receiver (off in every named config: DeepSC's
paper does without; ``--set rx_positions=true`` turns it on). ``d_state`` and ``expand``
set the Mamba blocks of ``mamba_deepsc`` (unused by ``deepsc``).
"""
from __future__ import annotations

from typing import Any

VOCAB = 22_234
_BASE: dict[str, Any] = {"vocab": VOCAB, "symbols_per_word": 8, "dim": 128, "layers": 4,
                         "heads": 8, "ffn": 512, "dropout": 0.1, "cutoffs": None,
                         "d_state": 16, "expand": 2.0, "rx_positions": False, "init": "torch"}
_PAPER: dict[str, Any] = {**_BASE, "layers": 3, "init": "xavier"}
CONFIGS: dict[str, dict[str, Any]] = {
    "paper": _PAPER,
    "paper_adaptive": {**_PAPER, "cutoffs": [2000, 8000]},
    "deepsc": _BASE,
    "adaptive": {**_BASE, "cutoffs": [2000, 8000]},
    "small": {**_BASE, "dim": 64, "layers": 2, "heads": 4, "ffn": 128, "cutoffs": [2000, 8000]},
}
