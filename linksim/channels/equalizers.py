r"""Single-tap equalizers with perfect CSI for :math:`y = h x + n` (registry ``EQUALIZERS``).

Both return the equalized symbol :math:`\hat x = w y = g x + w n` with the gain
:math:`g = w h` (real) and post-equalization noise variance :math:`|w|^2 N_0`:

- ZF:   :math:`w = 1/h`, :math:`g = 1`, :math:`N_0^{\mathrm{eff}} = N_0/|h|^2`.
- MMSE: :math:`w = h^*/(|h|^2 + N_0)`, :math:`g = |h|^2/(|h|^2+N_0)`,
  :math:`N_0^{\mathrm{eff}} = |h|^2 N_0/(|h|^2+N_0)^2`.

For one stream both give the same unbiased SINR :math:`g^2/N_0^{\mathrm{eff}} = |h|^2/N_0`.
``y=None`` returns only the gain and noise (the channel state without a signal).
"""
from __future__ import annotations

import torch

from linksim.base.registry import EQUALIZERS
from linksim.errors import LinksimError


def check_equalizer(name: str) -> str:
    """``name`` if it is a registered equalizer, else a one-line error listing them."""
    if name not in EQUALIZERS:
        raise LinksimError(f"equalizer={name!r}: choose one of {', '.join(EQUALIZERS.names())}")
    return name


@EQUALIZERS.register("mmse")
def mmse(y: torch.Tensor | None, h: torch.Tensor, no: torch.Tensor
         ) -> tuple[torch.Tensor | None, torch.Tensor, torch.Tensor]:
    """``(x_hat, gain, no_eff)`` for y, h: [B, n] complex and no: [B, 1] float."""
    h2 = h.abs().square()
    denom = h2 + no
    x_hat = None if y is None else h.conj() * y / denom
    return x_hat, h2 / denom, h2 * no / denom.square()


@EQUALIZERS.register("zf")
def zf(y: torch.Tensor | None, h: torch.Tensor, no: torch.Tensor
       ) -> tuple[torch.Tensor | None, torch.Tensor, torch.Tensor]:
    """``(x_hat, gain, no_eff)`` for y, h: [B, n] complex and no: [B, 1] float."""
    h2 = h.abs().square()
    return None if y is None else y / h, torch.ones_like(h2), no / h2.clamp_min(1e-12)
