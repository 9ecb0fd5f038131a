"""Image systems: ``x`` [B, 3, H, W] float32 in [0, 1] in, a reconstruction of the same
shape out. The bandwidth is ``cbr = n / (3 H W)`` complex channel uses per real source
value, a constructor argument (the task's ``cbr`` axis)."""
from __future__ import annotations

from typing import ClassVar

import torch

from linksim.channels.base import CSI, Link
from linksim.core.system import System, check_ratio


def num_channel_uses(cbr: float, shape: tuple[int, ...]) -> int:
    """Complex channel uses n = round(cbr * C*H*W) for an image of ``shape`` (C, H, W)."""
    c, h, w = shape[-3:]
    return max(1, round(cbr * c * h * w))


#: :meth:`~linksim.core.system.System.transmitter_axes` of an image system whose encoder
#: does not read the SNR: its symbols depend on the CBR (and the image) only
SNR_FREE = ("cbr",)


class ImageSystem(System):
    """Base of the image systems: ``cbr`` and the plain symbol pipeline.

    Subclasses implement :meth:`encode` and :meth:`decode`, or override
    :meth:`transmit` when the chain is not a plain symbol pipeline. One whose encoder
    ignores the SNR returns :data:`SNR_FREE` from :meth:`transmitter_axes`, so the runner
    encodes each image once per CBR and reuses the symbols at every SNR.
    """

    task: ClassVar[str] = "image"

    def __init__(self, cbr: float) -> None:
        super().__init__()
        self.cbr = check_ratio(cbr, "cbr")

    def encode(self, x: torch.Tensor, snr_db: torch.Tensor) -> torch.Tensor:
        """[B, 3, H, W] float32 -> [B, n] complex64 with unit average power per row."""
        raise NotImplementedError

    def decode(self, y: torch.Tensor, csi: CSI, shape: tuple[int, int]) -> torch.Tensor:
        """[B, n] complex64 equalized symbols -> [B, 3, H, W] float32 in [0, 1].

        ``shape`` is (H, W), the side information a real link carries in its header.
        """
        raise NotImplementedError

    def transmit(self, x: torch.Tensor, link: Link) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
        return self.receive(self.send(x, link), link)

    def send(self, x: torch.Tensor, link: Link) -> tuple[torch.Tensor, tuple[int, int]]:
        """The symbols of ``x`` and its (H, W)."""
        return self.encode(x, link.snr_db.to(x.device)), tuple(x.shape[-2:])

    def receive(self, sent: tuple[torch.Tensor, tuple[int, int]], link: Link
                ) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
        z, shape = sent
        y, csi = link(z)
        return self.decode(y, csi, shape), {}
