r"""Beamformers of the optimal structure, and the linear heuristics built on it.

Every EE- or sum-rate-optimal beamformer under a sum-power budget has the form
(Björnson, Bengtsson, Ottersten, "Optimal multiuser transmit beamforming: a difficult
problem with a simple solution structure", IEEE SP Mag. 2014, eq. (13)), in the
noise-normalized channel of :mod:`.downlink` (user k sees :math:`\tilde h_k^T w`, so its
effective vector is :math:`a_k = \tilde h_k^*` and :math:`A = [a_1 \dots a_K] = h^H`):

.. math::

    w_k = \sqrt{p_k}\,\frac{(I_M + \sum_j q_j a_j a_j^H)^{-1} a_k}
                           {\|(I_M + \sum_j q_j a_j a_j^H)^{-1} a_k\|},
    \qquad (I_M + A Q A^H)^{-1}A = A\,(I_K + Q\,G)^{-1},\ G = h h^H,

with dual (virtual uplink) powers :math:`q_j \ge 0`, :math:`\sum_j q_j = \sum_k p_k`. The
push-through identity on the right costs one K x K solve instead of an M x M one.
:math:`q \to 0` gives maximum-ratio transmission, :math:`q \to \infty` zero forcing.
"""
from __future__ import annotations

import torch


def gram(h: torch.Tensor) -> torch.Tensor:
    """[B, K, K] :math:`G = h h^H` for h [B, K, M]."""
    return h @ h.mH


def unit_columns(v: torch.Tensor) -> torch.Tensor:
    """Columns of v [B, M, K] scaled to unit norm."""
    return v / torch.linalg.vector_norm(v, dim=-2, keepdim=True).clamp_min(1e-300)


def directions(h: torch.Tensor, q: torch.Tensor, g: torch.Tensor | None = None) -> torch.Tensor:
    """[B, M, K] unit directions :math:`(I + A Q A^H)^{-1} a_k` for dual powers q [B, K] >= 0."""
    g = gram(h) if g is None else g
    eye = torch.eye(h.shape[-2], dtype=h.dtype, device=h.device)
    inner = eye + q.to(h.dtype)[..., :, None] * g           # I + Q G
    return unit_columns(h.mH @ torch.linalg.inv(inner))


def with_powers(v: torch.Tensor, p: torch.Tensor) -> torch.Tensor:
    """Unit directions v [B, M, K] with powers p [B, K] (W): :math:`w_k = \\sqrt{p_k} v_k`."""
    return v * p.sqrt().to(v.dtype)[..., None, :]


def mrt(h: torch.Tensor) -> torch.Tensor:
    """[B, M, K] maximum-ratio directions :math:`a_k/\\|a_k\\|`."""
    return unit_columns(h.mH)


def zf(h: torch.Tensor) -> torch.Tensor:
    """[B, M, K] zero-forcing directions, columns of :math:`h^H (h h^H)^{-1}` (K <= M)."""
    return unit_columns(h.mH @ torch.linalg.inv(gram(h)))


def rzf(h: torch.Tensor, p_max: torch.Tensor) -> torch.Tensor:
    """[B, M, K] regularized ZF directions :math:`h^H (h h^H + (K/P_{\\max}) I)^{-1}`
    (noise 1; the MMSE-optimal regularization for equal powers)."""
    k = h.shape[-2]
    return directions(h, (p_max / k)[:, None].expand(-1, k))
