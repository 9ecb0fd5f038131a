"""Map a real latent to exactly ``n`` complex channel symbols and back.

A real latent of ``m`` values per example is paired into complex symbols
(``z[2i] + j z[2i+1]``), truncated or zero-filled to exactly ``n`` symbols and
power-normalized; the receiver undoes the pairing and zero-fills what was not sent.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F



def power_normalize(z: torch.Tensor) -> torch.Tensor:
    r"""Scale each example to unit average energy per complex symbol.

    :param z: [B, n], complex. Channel symbols.
    :returns: [B, n], complex, with :math:`\frac1n\sum_i |z_i|^2 = 1` per row.
    """
    energy = z.abs().square().mean(dim=-1, keepdim=True)
    return z * torch.rsqrt(energy.clamp_min(1e-12))


def latent_to_symbols(z: torch.Tensor, n: int) -> torch.Tensor:
    """[B, ...] float32 latent -> [B, n] complex64 with unit average power per row.

    The first ``2n`` values of the flattened latent are sent (zeros pad a shorter one).
    """
    flat = z.flatten(1)
    flat = F.pad(flat, (0, max(0, 2 * n - flat.shape[1])))[:, : 2 * n]
    return power_normalize(torch.view_as_complex(flat.reshape(-1, n, 2).contiguous()))


def symbols_to_latent(y: torch.Tensor, shape: tuple[int, ...]) -> torch.Tensor:
    """[B, n] complex symbols -> [B, *shape] float32 latent (unsent values are zero)."""
    flat = torch.view_as_real(y).flatten(1)
    size = 1
    for s in shape:
        size *= s
    flat = F.pad(flat, (0, max(0, size - flat.shape[1])))[:, :size]
    return flat.reshape(-1, *shape)
