"""One seed resets every generator (Python, NumPy, PyTorch and Sionna's own)."""
from __future__ import annotations

import hashlib
import random

import numpy as np
import torch


def derive_seed(seed: int, *parts: object) -> int:
    """A 31-bit seed derived from ``seed`` and a grid point's coordinates.

    Each grid point gets its own stream, so a resumed run draws exactly the
    numbers the uninterrupted run drew for the same point.
    """
    text = repr((int(seed),) + tuple(str(p) for p in parts)).encode()
    return int.from_bytes(hashlib.sha256(text).digest()[:4], "little") & 0x7FFFFFFF


def seed_everything(seed: int) -> None:
    """Reset Python's, NumPy's, PyTorch's and Sionna's generators to ``seed``."""
    import sionna.phy

    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    sionna.phy.config.seed = seed
