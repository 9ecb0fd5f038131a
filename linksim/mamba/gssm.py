r"""Generalized state space model (GSSM) with scan exchange and CSI-ReST (MambaJSCC Sec. III).

One GSSM with scan scheme :math:`k` maps a sequence :math:`\mathbf{u}` of length
:math:`L = HW` (the row-major vectorized feature map) as

.. math::

    \tilde{\mathbf{u}} = \mathbf{P}_k \mathbf{u}, \qquad
    \tilde{\mathbf{y}} = \mathrm{SSM}_k(\tilde{\mathbf{u}}), \qquad
    \mathbf{y}_k = \mathbf{P}_k^{-1} \tilde{\mathbf{y}}

(eqs. 9-13) with :math:`\mathbf{P}_k` an invertible matrix; here a permutation
(:mod:`linksim.mamba.gssm_order`), applied by index arithmetic: the scan kernels visit the
sequence through the index map of :math:`\mathbf{P}_k` and write each output back to its
position (:func:`linksim.mamba.scan.gssm_scan`), so neither :math:`\mathbf{P}_k\mathbf{u}`
nor :math:`\mathbf{P}_k^{-1}\tilde{\mathbf{y}}` is ever materialized. :class:`GSSM` holds ``K`` such modules with
independent parameters and returns :math:`\sum_k \mathbf{y}_k` (eq. 29). With the
identity and the reversal (``directions=2``, the paper's design) every output
position depends on every input position (Proposition 3); ``directions=4`` adds
VMamba's column-major cross-scan pair (ablation, Table III).

The input-dependent parameters follow Mamba/VMamba (eq. 30): for direction ``k``,
:math:`[\Delta_r; \mathbf{B}; \mathbf{C}] = \mathbf{W}^{x}_k \tilde{\mathbf{u}}`,
:math:`\Delta = \mathrm{softplus}(\mathbf{W}^{\Delta}_k \Delta_r + \mathbf{b}^{\Delta}_k)`,
:math:`\mathbf{A}_k = -\exp(\mathbf{A}^{\log}_k)` and a skip :math:`\mathbf{D}_k`.

CSI-ReST (eq. 26) writes the SNR into state index 0 of the initial state and of every
``csi_period``-th residual state; it is done inside
:func:`linksim.mamba.scan.selective_scan` (``snr_db=``), so it adds no parameters.
"""
from __future__ import annotations

import math
from typing import Sequence

import torch
from torch import nn

from linksim.mamba.gssm_order import positions
from linksim.mamba.scan import gssm_scan


#: scan schemes for 2 and 4 directions
DIRECTIONS: dict[int, tuple[str, ...]] = {
    2: ("identity", "reverse"),
    4: ("identity", "transpose", "reverse", "transpose_reverse"),
}


def _dt_bias(d_inner: int, dt_min: float = 1e-3, dt_max: float = 0.1,
             floor: float = 1e-4) -> torch.Tensor:
    """Inverse-softplus of :math:`\\Delta` drawn log-uniformly in [dt_min, dt_max] (Mamba init)."""
    dt = torch.exp(torch.rand(d_inner) * (math.log(dt_max) - math.log(dt_min))
                   + math.log(dt_min)).clamp(min=floor)
    return dt + torch.log(-torch.expm1(-dt))


class GSSM(nn.Module):
    """``K`` GSSM modules (one per scan scheme) with independent parameters, outputs summed.

    :param d_inner: channels :math:`D` of the sequence.
    :param d_state: state size :math:`N`.
    :param dt_rank: rank :math:`R` of the :math:`\\Delta` projection.
    :param orders: scan scheme names (see :data:`DIRECTIONS`).
    :param csi_period: CSI-ReST refresh interval in tokens (``None``: initial state only).
    :input x: [B, D, H, W], float32.
    :input snr_db: [B] float32 SNR in dB for CSI-ReST, or ``None`` (no channel adaptation).
    :output: [B, D, H, W], float32,
        :math:`\\sum_k \\mathbf{P}_k^{-1}\\mathrm{SSM}_k(\\mathbf{P}_k \\mathbf{u})`.
    """

    def __init__(self, d_inner: int, d_state: int = 16, dt_rank: int = 8,
                 orders: Sequence[str] = DIRECTIONS[2], csi_period: int | None = None) -> None:
        super().__init__()
        k = len(orders)
        self.orders = tuple(orders)
        self.d_inner, self.d_state, self.dt_rank = d_inner, d_state, dt_rank
        self.csi_period = csi_period
        self.x_proj = nn.Parameter(torch.empty(k, dt_rank + 2 * d_state, d_inner))
        self.dt_proj = nn.Parameter(torch.empty(k, d_inner, dt_rank))
        # A_log, D and the Delta bias are stored flat (1-D) so that optimizers exempting
        # 1-D tensors from weight decay (linksim.training) leave them alone, as Mamba does.
        self.dt_bias = nn.Parameter(torch.cat([_dt_bias(d_inner) for _ in range(k)]))
        a = torch.arange(1, d_state + 1, dtype=torch.float32).repeat(k * d_inner)
        self.A_log = nn.Parameter(torch.log(a))  # S4D-real: A = -(1..N)
        self.D = nn.Parameter(torch.ones(k * d_inner))
        bound = d_inner ** -0.5
        nn.init.uniform_(self.x_proj, -bound, bound)
        nn.init.uniform_(self.dt_proj, -dt_rank ** -0.5, dt_rank ** -0.5)

    def forward(self, x: torch.Tensor, snr_db: torch.Tensor | None = None) -> torch.Tensor:
        b, d, h, w = x.shape
        k, r, n, length = len(self.orders), self.dt_rank, self.d_state, h * w
        # time-major [B, L, D]: a view of the depthwise conv's channels-last output, the
        # layout in which the scan kernel loads one vector of channels per step
        xt = x.permute(0, 2, 3, 1).reshape(b, length, d)
        # one GEMM gives every order's [Δ_r; B; C] (the projections act per token, so they
        # commute with the scan exchange P_k); rows grouped as [Δ_r of all k | (B, C) of all k]
        w_all = torch.cat([self.x_proj[:, :r].reshape(k * r, d), self.x_proj[:, r:].reshape(k * 2 * n, d)])
        dbc = torch.matmul(xt, w_all.t())                                  # [B, L, K(R+2N)]
        dt_r = dbc[..., :k * r].view(b, length, k, r).permute(2, 0, 1, 3)  # [K, B, L, R]
        delta = torch.matmul(dt_r, self.dt_proj.transpose(1, 2).unsqueeze(1))  # [K, B, L, D]
        bc = dbc[..., k * r:].view(b, length, k, 2, n)
        bk, ck = (bc[:, :, :, i].permute(2, 0, 3, 1) for i in (0, 1))    # [K, B, N, L] views
        # each order visits the sequence through its index map P_k and adds P_k^-1 of its
        # output in place (eq. 29): no permuted copies of u, Δ, B, C or y
        y = gssm_scan(xt.transpose(1, 2), delta.transpose(-1, -2), -torch.exp(self.A_log.view(k, d, n)),
                      bk, ck, D=self.D.view(k, d), delta_bias=self.dt_bias.view(k, d), delta_softplus=True,
                      positions=positions(self.orders, h, w, x.device), snr_db=snr_db,
                      csi_period=self.csi_period)                          # [B, D, L]
        return y.reshape(b, d, h, w)

    def extra_repr(self) -> str:
        return (f"orders={self.orders}, d_state={self.d_state}, dt_rank={self.dt_rank}, "
                f"csi_period={self.csi_period}")
