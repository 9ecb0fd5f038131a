"""Complexity of a registered system: parameters, MACs and CPU latency per image.

MACs are counted by ptflops' ATen backend (``backend="aten"``), which intercepts
every matrix multiply and convolution PyTorch dispatches (``mm``, ``bmm``,
``addmm``, ``convolution``), so custom blocks (selective scans written with
``einsum``) are counted without per-module hooks. Element-wise work (activations,
normalization, the channel) is not counted, as in the JSCC literature's tables.
Encoder MACs are counted on :meth:`~linksim.core.system.System.encode`; the
decoder's are the rest of one :meth:`~linksim.core.system.System.transmit`.

Latency is the median wall time of ``repeats`` batch-1 passes (encode, AWGN,
decode) after one warm-up pass, under ``torch.no_grad()``.
"""
from __future__ import annotations

import io
import statistics
import time
from typing import Any

import torch
from torch import nn

from linksim.channels.base import Link
from linksim.core.registry import CHANNELS, SYSTEMS


class _Pass(nn.Module):
    """``forward(x)``: encode only, or the whole link, of ``system`` at ``snr_db``."""

    def __init__(self, system: nn.Module, channel: nn.Module | None, snr_db: float) -> None:
        super().__init__()
        self.system, self.channel, self.snr_db = system, channel, snr_db

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        snr = torch.full((x.shape[0],), self.snr_db)
        if self.channel is None:
            return self.system.encode(x, snr)
        return self.system.transmit(x, Link(self.channel, snr, len(x), device=x.device))[0]


def count_macs(module: nn.Module, x: torch.Tensor) -> int:
    """Multiply-accumulates of ``module(x)`` counted by ptflops' ATen backend."""
    from ptflops import get_model_complexity_info

    macs, _ = get_model_complexity_info(module, tuple(x.shape[1:]), as_strings=False,
                                        print_per_layer_stat=False, backend="aten",
                                        input_constructor=lambda _: {"x": x}, ost=io.StringIO())
    return int(macs or 0)


def bench(system: str, cbr: float = 1 / 48, size: int = 256, config: str | None = None,
          snr_db: float = 10.0, repeats: int = 5, threads: int | None = None,
          **params: Any) -> dict[str, Any]:
    """Parameters, MACs and latency of ``system`` on one ``size`` x ``size`` RGB image.

    :param system: registered system name.
    :param config: named config for learned systems (None: the system's default).
    :param params: further constructor parameters.
    :returns: ``{"system", "config", "cbr", "size", "params", "macs", "encoder_macs",
        "decoder_macs", "latency_ms", "threads"}``.
    """
    if threads:
        torch.set_num_threads(int(threads))
    cls = SYSTEMS.get(system, "image")
    kwargs = dict(params, **({"config": config} if config is not None else {}))
    model = cls(cbr=cbr, **kwargs).eval()
    channel = CHANNELS.get("awgn")()
    x = torch.rand(1, 3, size, size, generator=torch.Generator().manual_seed(0))
    with torch.no_grad():
        enc = count_macs(_Pass(model, None, snr_db), x)
        total = count_macs(_Pass(model, channel, snr_db), x)
        link = _Pass(model, channel, snr_db)
        link(x)
        times = []
        for _ in range(max(1, repeats)):
            t0 = time.perf_counter()
            link(x)
            times.append(time.perf_counter() - t0)
    return {"system": system, "config": getattr(model, "config", None), "cbr": cbr,
            "size": size, "params": sum(p.numel() for p in model.parameters()),
            "macs": total, "encoder_macs": enc, "decoder_macs": total - enc,
            "latency_ms": round(1e3 * statistics.median(times), 3),
            "threads": torch.get_num_threads()}
