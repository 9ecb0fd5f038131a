r"""Pilot-based LMMSE channel estimation: the channel estimate a transmitter designs on.

Every channel coefficient :math:`g \sim \mathcal{CN}(0, 1)` (normalize first: the
large-scale gain is known, only the small-scale fading is estimated) is observed through
orthogonal pilots at pilot SNR :math:`\rho` (linear, after despreading the pilot sequence)
:math:`y = \sqrt{\rho}\,g + n`, :math:`n \sim \mathcal{CN}(0, 1)`. The LMMSE (here also
MMSE) estimate and its error are

.. math::

    \hat g = \frac{\sqrt{\rho}}{1+\rho}\,y,\qquad
    e = \hat g - g,\qquad \mathbb{E}|e|^2 = \varepsilon^2 = \frac{1}{1+\rho},\qquad
    \mathbb{E}|\hat g|^2 = 1 - \varepsilon^2,

with :math:`g - \hat g` independent of :math:`\hat g` (orthogonality principle, jointly
Gaussian). So :math:`\hat H = H + E` with :math:`E` of variance :math:`\varepsilon^2`
per coefficient: :func:`error_variance` and :func:`pilot_snr_db` convert between the two
ways of stating it, :func:`lmmse_estimate` draws :math:`\hat H` for a given true
:math:`H` from per-example generators (common random numbers: the same pilots for every
system at a grid point; use a stream of the link's seeds, e.g.
``link.generators("pilots")``). Any task may use it.
"""
from __future__ import annotations

import math
from typing import Sequence

import torch

from linksim.errors import LinksimError


def error_variance(pilot_snr_db: float) -> float:
    r""":math:`\varepsilon^2 = 1/(1+\rho)` of the LMMSE estimate at pilot SNR ``pilot_snr_db``."""
    return 1.0 / (1.0 + 10.0 ** (pilot_snr_db / 10.0))


def pilot_snr_db(error_var: float) -> float:
    r"""The pilot SNR (dB) whose LMMSE estimate has error variance :math:`\varepsilon^2`
    in (0, 1): :math:`\rho = 1/\varepsilon^2 - 1`."""
    check_error_variance(error_var)
    if error_var == 0:
        return math.inf
    return 10.0 * math.log10(1.0 / error_var - 1.0)


def check_error_variance(error_var: float) -> float:
    if isinstance(error_var, bool) or not isinstance(error_var, (int, float)) \
            or not 0.0 <= error_var < 1.0:
        raise LinksimError(f"csi_error={error_var!r}: the CSI error variance (normalized MSE "
                           "of the LMMSE estimate) must be in [0, 1); 0 is perfect CSI")
    return float(error_var)


def lmmse_estimate(g: torch.Tensor, error_var: float,
                   generators: Sequence[torch.Generator] | None = None) -> torch.Tensor:
    r"""The LMMSE estimate :math:`\hat g` [B, ...] of unit-variance coefficients g [B, ...]
    (complex) from pilots at the SNR whose error variance is ``error_var``
    (:math:`\varepsilon^2`; 0 returns g itself). ``generators``: one per example (the
    pilot noise of example b depends on its own generator only), ``None``: torch's global
    generator."""
    error_var = check_error_variance(error_var)
    if error_var == 0.0:
        return g
    rho = 1.0 / error_var - 1.0
    dtype = g.dtype if g.is_complex() else torch.complex128
    if generators is None:
        noise = torch.randn(g.shape, dtype=dtype)
    else:
        if len(generators) != g.shape[0]:
            raise ValueError(f"{len(generators)} generators for a batch of {g.shape[0]}")
        noise = torch.stack([torch.randn(g.shape[1:], dtype=dtype, generator=gen)
                             for gen in generators])
    y = math.sqrt(rho) * g + noise.to(g.device)
    return (math.sqrt(rho) / (1.0 + rho)) * y
