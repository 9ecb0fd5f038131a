r"""Sequential reference backend of the selective scan (one time step per Python iteration).

Slow (``L`` iterations of ``[B, D, N]`` tensor ops) but obviously correct; every other
backend is tested against it, and autograd through it is the gradient reference.
"""
from __future__ import annotations

import torch

from linksim.mamba.scan_common import register_backend
from linksim.mamba.scan_common import ScanInputs


@register_backend("reference")
def scan_reference(p: ScanInputs) -> torch.Tensor:
    """Run the recurrence of :func:`linksim.mamba.scan.selective_scan` step by step.

    :param p: validated inputs.
    :return: y [B, D, L].
    """
    b, d, length = p.u.shape
    n = p.A.shape[1]
    h = p.u.new_zeros(b, d, n)
    inject = p.injection_mask(length)
    ys = []
    for t in range(length):
        if inject[t]:
            # CSI-ReST: overwrite state n=0 of the state entering step t (all channels d)
            h = torch.cat([p.snr_db.to(h.dtype).view(b, 1, 1).expand(b, d, 1), h[:, :, 1:]], dim=2)
        dt = p.delta[:, :, t, None]                                    # [B, D, 1]
        h = torch.exp(dt * p.A) * h + dt * p.B[:, None, :, t] * p.u[:, :, t, None]
        ys.append(torch.einsum("bdn,bn->bd", h, p.C[:, :, t]))
    return p.finish(torch.stack(ys, dim=-1))
