"""Complexity of a registered system: parameters, MACs and latency per image (CPU or GPU).

MACs are counted by ptflops' ATen backend (``backend="aten"``), which intercepts
every matrix multiply and convolution PyTorch dispatches (``mm``, ``bmm``,
``addmm``, ``convolution``), so custom blocks (selective scans written with
``einsum``) are counted without per-module hooks. Element-wise work (activations,
normalization, the channel) is not counted, as in the JSCC literature's tables.
Encoder MACs are counted on :meth:`~linksim.core.system.System.encode`; the
decoder's are the rest of one :meth:`~linksim.core.system.System.transmit`.

Latency is the median wall time of ``repeats`` batch-1 passes (encode, AWGN,
decode) after one warm-up pass, under ``torch.no_grad()``; on a CUDA device each pass
ends with ``torch.cuda.synchronize()``, so the time covers the kernels, not their launch.
"""
from __future__ import annotations

import io
import statistics
import time
from typing import Any

import torch
from torch import nn

from linksim.channels.base import Link
from linksim.base.registry import CHANNELS, SYSTEMS


class _Pass(nn.Module):
    """``forward(x)``: encode only, or the whole link, of ``system`` at ``snr_db``."""

    def __init__(self, system: nn.Module, channel: nn.Module | None, snr_db: float) -> None:
        super().__init__()
        self.system, self.channel, self.snr_db = system, channel, snr_db

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        snr = torch.full((len(x),), self.snr_db, device=getattr(x, "device", "cpu"))
        if self.channel is None:
            return self.system.encode(x, snr)
        return self.system.transmit(x, Link(self.channel, snr, len(x), device=x.device))[0]


def count_macs(module: nn.Module, x: Any) -> int:
    """Multiply-accumulates of ``module(x)`` counted by ptflops' ATen backend (``x``: a
    tensor or any batch object of the task)."""
    from ptflops import get_model_complexity_info

    shape = tuple(getattr(x, "shape", (1, 1))[1:])
    macs, _ = get_model_complexity_info(module, shape, as_strings=False,
                                        print_per_layer_stat=False, backend="aten",
                                        input_constructor=lambda _: {"x": x}, ost=io.StringIO())
    return int(macs or 0)


def bench(system: str, cbr: float = 1 / 48, size: int = 256, config: str | None = None,
          snr_db: float = 10.0, repeats: int = 5, threads: int | None = None,
          task: str = "image", device: str = "cpu", **params: Any) -> dict[str, Any]:
    """Parameters, MACs and latency of ``system`` on one example of its task
    (:meth:`~linksim.core.task.Task.example_batch`: a ``size`` x ``size`` RGB image, a
    sentence of ``size`` words, ...).

    :param system: registered system name of ``task``; ``cbr`` is passed when the task
        has a ``cbr`` axis (other axes take the system's defaults).
    :param task: the task the system belongs to.
    :param config: named config for learned systems (None: the system's default).
    :param device: where the pass runs (``"cpu"``, ``"cuda"``, ``"cuda:1"``).
    :param params: further constructor parameters.
    :returns: ``{"system", "config", "cbr", "size", "params", "macs", "encoder_macs",
        "decoder_macs", "latency_ms", "threads", "device"}``.
    """
    if threads:
        torch.set_num_threads(int(threads))
    from linksim.core.task import get_task

    cls, spec = SYSTEMS.get(system, task), get_task(task)
    kwargs = dict(params, **({"config": config} if config is not None else {}))
    if any(a.name == "cbr" for a in spec.axes):
        kwargs["cbr"] = cbr
    dev = torch.device(device)
    model = cls(**kwargs).eval().to(dev)
    channel = CHANNELS.get("awgn")().to(dev)
    torch.manual_seed(0)
    x = spec.example_batch(size)
    x = x.to(dev) if hasattr(x, "to") else x
    sync = torch.cuda.synchronize if dev.type == "cuda" else (lambda: None)
    with torch.no_grad():
        enc = count_macs(_Pass(model, None, snr_db), x) if hasattr(model, "encode") else 0
        total = count_macs(_Pass(model, channel, snr_db), x)
        link = _Pass(model, channel, snr_db)
        link(x)
        sync()
        times = []
        for _ in range(max(1, repeats)):
            t0 = time.perf_counter()
            link(x)
            sync()
            times.append(time.perf_counter() - t0)
    return {"system": system, "config": getattr(model, "config", None), "cbr": cbr,
            "size": size, "params": sum(p.numel() for p in model.parameters()),
            "macs": total, "encoder_macs": enc, "decoder_macs": total - enc,
            "latency_ms": round(1e3 * statistics.median(times), 3),
            "threads": torch.get_num_threads(), "device": str(dev)}


def system_latency_vs_length(system: str, task: str, lengths: list[int],
                             config: str | None = None, repeats: int = 3,
                             threads: int | None = None, **params: Any) -> list[dict[str, float]]:
    """:func:`latency_vs_length` of the ``sequence_blocks()`` of a registered system
    (random weights: latency does not depend on them)."""
    from linksim.errors import LinksimError

    if threads:
        torch.set_num_threads(int(threads))
    cls = SYSTEMS.get(system, task)
    if not hasattr(cls, "sequence_blocks"):
        raise LinksimError(f"--lengths: system {system!r} has no sequence blocks to time; "
                           "use a sequence model (e.g. deepsc, mamba_deepsc)")
    kwargs = dict(params, **({"config": config} if config is not None else {}))
    if getattr(cls, "learned", False):
        kwargs.setdefault("random_weights", True)
    model = cls(**kwargs).eval()
    return latency_vs_length(model.sequence_blocks(), lengths, model.sequence_dim, repeats)


def latency_vs_length(blocks: dict[str, nn.Module], lengths: list[int], dim: int,
                      repeats: int = 3, batch: int = 1) -> list[dict[str, float]]:
    """Forward latency (ms, median of ``repeats`` after one warm-up) of sequence blocks on
    ``[batch, L, dim]`` inputs for every ``L`` in ``lengths``, measured side by side in one
    process (the survey's linear-versus-quadratic argument for Mamba over attention).

    :param blocks: name -> module mapping ``[B, L, dim]`` to ``[B, L, dim]`` (e.g. a
        system's :meth:`sequence_blocks`).
    :returns: one row per length, ``{"length": L, <name>: ms, ...}``.
    """
    rows = []
    gen = torch.Generator().manual_seed(0)
    with torch.no_grad():
        for length in lengths:
            x = torch.randn(batch, int(length), dim, generator=gen)
            row: dict[str, float] = {"length": int(length)}
            for name, block in blocks.items():
                block.eval()(x)
                times = []
                for _ in range(max(1, repeats)):
                    t0 = time.perf_counter()
                    block(x)
                    times.append(time.perf_counter() - t0)
                row[name] = round(1e3 * statistics.median(times), 3)
            rows.append(row)
    return rows
