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


def bench(system: str, size: int = 256, config: str | None = None,
          snr_db: float = 10.0, repeats: int = 5, threads: int | None = None,
          task: str | None = None, device: str = "cpu", **params: Any) -> dict[str, Any]:
    """Parameters, MACs and latency of ``system`` on one example of its task
    (:meth:`~linksim.core.task.Task.example_batch`: a ``size`` x ``size`` RGB image, a
    sentence of ``size`` words, ...).

    :param system: registered system name of ``task``.
    :param task: the task the system belongs to (``None``: the default task).
    :param config: named config for learned systems (None: the system's default).
    :param device: where the pass runs (``"cpu"``, ``"cuda"``, ``"cuda:1"``).
    :param params: values of the task's axes the system is built at (the task's
        ``bench_axes`` fill the others, e.g. an image model's ``cbr = 1/48``) and further
        constructor parameters.
    :returns: ``{"system", "config", <the axes>, "size", "params", "macs", "encoder_macs",
        "decoder_macs", "latency_ms", "threads", "device"}``.
    """
    if threads:
        torch.set_num_threads(int(threads))
    from linksim.core.task import default_task_name, get_task

    spec, dev = get_task(task or default_task_name()), torch.device(device)
    model, axes = _build(system, spec, config, dev, params)
    model.eval()
    channel = _channel(spec, dev)
    torch.manual_seed(0)
    x = spec.example_batch(size)
    x = x.to(dev) if hasattr(x, "to") else x
    sync = torch.cuda.synchronize if dev.type == "cuda" else (lambda: None)
    with torch.no_grad():
        enc = count_macs(_Pass(model, None, snr_db), x) if hasattr(model, "encode") and \
            channel is not None else 0
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
    return {"system": system, "config": getattr(model, "config", None), **axes,
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


#: ``linksim bench --dtype`` names -> autocast dtypes (None: plain float32)
DTYPES = {"fp32": None, "bf16": torch.bfloat16, "fp16": torch.float16}


def _build(system: str, spec: Any, config: str | None, dev: torch.device,
           params: dict[str, Any]) -> tuple[nn.Module, dict[str, float]]:
    """``system`` of the task ``spec`` on ``dev``, built at the task's ``bench_axes``
    updated by the axis values among ``params`` (the rest are constructor parameters);
    returns the model and the axis values."""
    built = set(spec.build_kwargs({a.name: 0.0 for a in spec.axes}))  # axes systems take
    axes = {k: v for k, v in {**spec.bench_axes, **params}.items() if k in built}
    kwargs = {**{k: v for k, v in params.items() if k not in built}, **axes,
              **({"config": config} if config is not None else {})}
    return SYSTEMS.get(system, spec.name)(**kwargs).to(dev), axes


def _channel(spec: Any, dev: torch.device) -> nn.Module | None:
    """The task's ``bench_channel`` on ``dev`` (``None``: the task times no channel)."""
    return None if spec.bench_channel is None else CHANNELS.get(spec.bench_channel)().to(dev)


def side_by_side(systems: list[str], task: str | None = None, config: str | None = None,
                 size: int = 256, batches: tuple[int, ...] = (1,),
                 dtypes: tuple[str, ...] = ("fp32",), device: str = "cpu", repeats: int = 5,
                 train_steps: int = 0, train_batch: int = 8, train_size: int = 64,
                 snr_db: float = 10.0, threads: int | None = None,
                 params: dict[str, Any] | None = None) -> dict[str, Any]:
    """Latency (per pass of a batch, and per item) and training steps/s of several systems
    measured **in one run, interleaved**: every repeat times each system once in turn, so a
    machine whose load changes affects all alike, and the ratio to the first system is the
    median of the per-repeat ratios (paired).

    :param systems: registered systems of ``task`` (the first is the reference of the ratios),
        built at the task's ``bench_axes`` updated by the axis values among ``params``.
    :param batches: batch sizes of the inference passes; :param dtypes: ``fp32``, ``bf16``,
        ``fp16`` (autocast on ``device``; parameters stay float32).
    :param train_steps: timed optimizer steps per system (0: no training timing); a step is
        one transmission of ``train_batch`` random ``train_size`` crops at ``snr_db``, MSE
        to the input, backward and an Adam step, in float32.
    :returns: ``{"device", "threads", "load_avg", "latency": [{"batch", "dtype", <system>: ms,
        <system>_per_item_ms, <system>_ratio}], "train": {<system>: steps/s, ...}}``.
    """
    import os

    if threads:
        torch.set_num_threads(int(threads))
    from linksim.core.task import default_task_name, get_task

    bad = [name for name in dtypes if name not in DTYPES]
    if bad:
        from linksim.errors import LinksimError

        raise LinksimError(f"--dtype {bad[0]!r}: choose from {', '.join(DTYPES)}")
    spec, dev, params = get_task(task or default_task_name()), torch.device(device), params or {}
    channel = _channel(spec, dev)
    sync = torch.cuda.synchronize if dev.type == "cuda" else (lambda: None)
    models = {s: _build(s, spec, config, dev, params)[0] for s in systems}

    def timed(fn) -> float:
        sync()
        t0 = time.perf_counter()
        fn()
        sync()
        return time.perf_counter() - t0

    def paired(run: dict[str, Any]) -> dict[str, list[float]]:
        for fn in run.values():  # warm-up (kernel compilation, caches)
            fn()
            sync()
        times: dict[str, list[float]] = {s: [] for s in run}
        for _ in range(max(1, repeats)):
            for s, fn in run.items():
                times[s].append(timed(fn))
        return times

    rows = []
    torch.manual_seed(0)
    for batch in batches:
        x = spec.example_batch(size)
        x = x.expand(batch, *x.shape[1:]).contiguous() if hasattr(x, "expand") else x
        x = x.to(dev) if hasattr(x, "to") else x
        for name in dtypes:
            cast = DTYPES[name]

            def one(model, x=x, cast=cast):
                def fn():
                    with torch.no_grad(), torch.autocast(dev.type, dtype=cast or torch.float32,
                                                         enabled=cast is not None):
                        _Pass(model.eval(), channel, snr_db)(x)
                return fn

            times = paired({s: one(m) for s, m in models.items()})
            row: dict[str, Any] = {"batch": batch, "dtype": name}
            ref = systems[0]
            for s in systems:
                row[s] = round(1e3 * statistics.median(times[s]), 3)
                row[f"{s}_per_item_ms"] = round(row[s] / batch, 3)
                row[f"{s}_ratio"] = round(statistics.median(
                    a / b for a, b in zip(times[s], times[ref])), 4)
            rows.append(row)
    out: dict[str, Any] = {"device": str(dev), "threads": torch.get_num_threads(),
                           "load_avg": round(os.getloadavg()[0], 2), "config": config, "size": size,
                           "latency": rows}
    if train_steps > 0:
        out["train"] = train_rates(models, spec, dev, train_steps, train_batch, train_size, snr_db, channel)
    return out


def train_rates(models: dict[str, nn.Module], spec: Any, dev: torch.device, steps: int, batch: int,
                size: int, snr_db: float, channel: nn.Module) -> dict[str, float]:
    """Optimizer steps per second of each model, interleaved step by step (see
    :func:`side_by_side`); the models are left in training mode with changed weights."""
    from linksim.errors import LinksimError

    sync = torch.cuda.synchronize if dev.type == "cuda" else (lambda: None)
    gen = torch.Generator().manual_seed(0)
    x0 = spec.example_batch(size)
    if not isinstance(x0, torch.Tensor):
        raise LinksimError("training steps/s: needs a task whose example batch is a tensor (image)")
    opts = {s: torch.optim.Adam(m.parameters(), lr=1e-4) for s, m in models.items()}

    def step(s: str) -> None:
        m = models[s].train()
        x = torch.rand(batch, *x0.shape[1:], generator=gen).to(dev)
        out = _Pass(m, channel, snr_db)(x)
        if out.shape != x.shape:
            raise LinksimError(f"training steps/s: {s} returns {tuple(out.shape)}, not its input's shape")
        loss = torch.mean((out - x) ** 2)
        opts[s].zero_grad(set_to_none=True)
        loss.backward()
        opts[s].step()

    total = {s: 0.0 for s in models}
    for s in models:  # warm-up
        step(s)
    sync()
    for _ in range(steps):
        for s in models:
            t0 = time.perf_counter()
            step(s)
            sync()
            total[s] += time.perf_counter() - t0
    return {s: round(steps / total[s], 3) for s in models}
