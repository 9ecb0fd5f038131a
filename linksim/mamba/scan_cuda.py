r"""CUDA backend: mamba-ssm's fused ``selective_scan_fn`` (optional extra ``linksim[cuda]``).

mamba-ssm is imported lazily and only for CUDA tensors. Its kernel has no way to write
into the state, so CSI-ReST is done exactly by splitting the (diagonal) state: the
kernel runs states ``n = 1..N-1`` and state ``n = 0``, the only one CSI-ReST touches,
runs through the chunked PyTorch scan (``O(B·D·L)`` work) and is added to the output.
:func:`split_state_scan` holds that logic with the kernel as a parameter so it is tested
on CPU with the reference standing in for the kernel.
"""
from __future__ import annotations

from typing import Callable

import torch

from linksim.mamba.scan_common import register_backend
from linksim.mamba.scan_chunked import scan_chunked
from linksim.mamba.scan_common import ScanInputs

#: ``kernel(p, fused)`` -> y: the scan of ``p``; with ``fused`` it applies p's bias/softplus,
#: D skip and z gate itself, otherwise ``p`` is a bare :meth:`ScanInputs.core` scan
Kernel = Callable[[ScanInputs, bool], torch.Tensor]


def _mamba_kernel(p: ScanInputs, fused: bool) -> torch.Tensor:
    from mamba_ssm.ops.selective_scan_interface import selective_scan_fn

    if fused:
        return selective_scan_fn(p.u, p.delta_raw, p.A.float(), p.B, p.C, p.D, p.z, p.delta_bias,
                                 p.delta_softplus)
    return selective_scan_fn(p.u, p.delta, p.A.float(), p.B, p.C)


def _mamba_available(p: ScanInputs) -> bool:
    if p.u.device.type != "cuda":
        return False
    try:
        import mamba_ssm.ops.selective_scan_interface  # noqa: F401
    except Exception:  # noqa: BLE001 - not installed or built for another CUDA
        return False
    return True


def split_state_scan(p: ScanInputs, kernel: Kernel) -> torch.Tensor:
    """``kernel`` for the states it can run, CSI-ReST's state 0 in PyTorch, outputs summed."""
    if p.snr_db is None or not p.injection_steps(p.u.shape[-1]):
        return kernel(p, True)
    y = scan_chunked(p.core(A=p.A[:, :1], B=p.B[:, :1], C=p.C[:, :1]))
    if p.A.shape[1] > 1:
        y = y + kernel(p.core(A=p.A[:, 1:], B=p.B[:, 1:].contiguous(), C=p.C[:, 1:].contiguous(),
                              with_csi=False), False)
    return p.finish(y)


@register_backend("cuda", _mamba_available)
def scan_cuda(p: ScanInputs) -> torch.Tensor:
    """Run ``p`` with mamba-ssm's CUDA kernel (CSI-ReST via :func:`split_state_scan`)."""
    return split_state_scan(p, _mamba_kernel)
