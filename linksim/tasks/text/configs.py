"""Named configurations of DeepSC and Mamba-DeepSC (identical but for the Mamba blocks).

- ``deepsc``: the paper's network (4 layers, d 128, 8 heads, FFN 512) with a full softmax
  over DeepSC's 22,234 words (~4.2 s per training step of 128 sentences, one thread).
- ``adaptive``: the same network with an adaptive softmax (cutoffs 2,000 / 8,000 of the
  frequency-ranked words, ~1.3 s per step): what the shipped checkpoints are trained with.
- ``small``: 2 layers, d 64 (tests and quick looks).

``rx_positions`` adds word positions at the receiver (off in every named config: DeepSC's
paper does without; ``--set rx_positions=true`` turns it on). ``d_state`` and ``expand`` set the Mamba blocks of ``mamba_deepsc`` (unused by ``deepsc``).
"""
from __future__ import annotations

from typing import Any

VOCAB = 22_234
_BASE: dict[str, Any] = {"vocab": VOCAB, "symbols_per_word": 8, "dim": 128, "layers": 4,
                         "heads": 8, "ffn": 512, "dropout": 0.1, "cutoffs": None,
                         "d_state": 16, "expand": 2.0, "rx_positions": False}
CONFIGS: dict[str, dict[str, Any]] = {
    "deepsc": _BASE,
    "adaptive": {**_BASE, "cutoffs": [2000, 8000]},
    "small": {**_BASE, "dim": 64, "layers": 2, "heads": 4, "ffn": 128, "cutoffs": [2000, 8000]},
}
