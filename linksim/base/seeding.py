"""Seeds: one seed resets every generator; per-purpose seeds are derived by hashing.

Common random numbers: the runner derives a transmission's seed from the scenario seed,
the channel, the bandwidth axes, the item and the repeat only
(:func:`transmission_seed`), so every system and every SNR of a grid sees the same
source items through the same channel draws.
"""
from __future__ import annotations

import hashlib
import random

import numpy as np
import torch


def derive_seed(seed: int, *parts: object) -> int:
    """A 31-bit seed derived from ``seed`` and any labels (stable across runs and hosts)."""
    text = repr((int(seed),) + tuple(str(p) for p in parts)).encode()
    return int.from_bytes(hashlib.sha256(text).digest()[:4], "little") & 0x7FFFFFFF


def generator(seed: int, *parts: object) -> torch.Generator:
    """A CPU :class:`torch.Generator` seeded with ``derive_seed(seed, *parts)``."""
    return torch.Generator().manual_seed(derive_seed(seed, *parts))


def sionna_device(device: torch.device | str) -> str:
    """Sionna's name for ``device``: ``"cpu"`` or ``"cuda:<index>"`` (Sionna keys its
    generators by these names; a bare ``"cuda"`` is the current CUDA device)."""
    d = torch.device(device)
    if d.type == "cuda" and d.index is None:
        return f"cuda:{torch.cuda.current_device()}"
    return str(d)


def channel_rng(device: torch.device | str) -> torch.Generator:
    """Sionna's global generator on ``device``: the channel draws of training (evaluation
    draws from one generator per transmission, see :class:`linksim.channels.base.Link`)."""
    from sionna.phy.config import config

    return config.torch_rng(sionna_device(device))


def seed_everything(seed: int) -> None:
    """Reset Python's, NumPy's, PyTorch's and Sionna's generators to ``seed``."""
    import sionna.phy

    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    sionna.phy.config.seed = seed
