"""The system interface: a transmitter/receiver pair over a shared channel.

Image systems take ``x``: [B, 3, H, W] float32 in [0, 1] and return a
reconstruction of the same shape. The channel bandwidth ratio is
``cbr = n / (3 H W)`` complex channel uses per real source value.

A system is built from its scenario entry by ``cls(cbr=..., **params)``; the
runner never special-cases a system by name.
"""
from __future__ import annotations

from typing import Any, ClassVar

import torch
from torch import nn

from linksim.channels.base import CSI, Channel, as_snr_tensor
from linksim.errors import LinksimError


def num_channel_uses(cbr: float, shape: tuple[int, ...]) -> int:
    """Complex channel uses n = round(cbr * C*H*W) for an image of ``shape`` (C, H, W)."""
    c, h, w = shape[-3:]
    return max(1, round(cbr * c * h * w))


class System(nn.Module):
    """Base class for every transmitter/receiver pair.

    Subclasses implement :meth:`encode` and :meth:`decode`, or override
    :meth:`transmit` when the chain is not a plain symbol pipeline.

    Class attributes:

    - ``learned``: True for systems with trained weights (loaded from a checkpoint).
    - ``envelope``: name of a parameter over which results are reduced by the
      best mean metric when reported (e.g. ``"mcs"`` for the separated chain).
    """

    learned: ClassVar[bool] = False
    envelope: ClassVar[str | None] = None

    def __init__(self, cbr: float) -> None:
        super().__init__()
        if not 0 < cbr <= 16:
            raise LinksimError(f"cbr={cbr}: must be in (0, 16]")
        self.cbr = float(cbr)

    # --- identity recorded in every result -------------------------------------------
    @property
    def checkpoint_id(self) -> str | None:
        """Id of the loaded checkpoint (learned systems), else ``None``."""
        return None

    def provenance(self) -> dict[str, Any]:
        """Extra fields recorded with each result (e.g. a codec's version)."""
        return {}

    @classmethod
    def param_grid(cls, params: dict[str, Any]) -> list[dict[str, Any]]:
        """Expand scenario params into the variants to evaluate (default: just one)."""
        return [params]

    @classmethod
    def at_point(cls, params: dict[str, Any], snr_db: float, cbr: float) -> dict[str, Any]:
        """The constructor params for one (SNR, CBR) point of a variant (default: unchanged).

        Lets a system resolve point-specific choices before it is built, e.g. a checkpoint
        per CBR and training SNR (:class:`~linksim.tasks.image.systems.learned.LearnedSystem`).
        """
        return params

    # --- the link ---------------------------------------------------------------------
    def encode(self, x: torch.Tensor, snr_db: torch.Tensor) -> torch.Tensor:
        """[B, 3, H, W] float32 -> [B, n] complex64 with unit average power per row."""
        raise NotImplementedError

    def decode(self, y: torch.Tensor, csi: CSI, shape: tuple[int, int]) -> torch.Tensor:
        """[B, n] complex64 equalized symbols -> [B, 3, H, W] float32 in [0, 1].

        ``shape`` is (H, W), the side information a real link carries in its header.
        """
        raise NotImplementedError

    def transmit(self, x: torch.Tensor, channel: Channel, snr_db: float | torch.Tensor
                 ) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
        """Send a batch through ``channel`` and return ``(x_hat, extra)``.

        ``extra`` maps names to [B] float tensors that the runner accumulates
        beside the metrics (e.g. ``lost`` for the separated chain).
        """
        snr = as_snr_tensor(snr_db, x.shape[0])
        z = self.encode(x, snr)
        y, csi = channel(z, snr)
        return self.decode(y, csi, tuple(x.shape[-2:])), {}
