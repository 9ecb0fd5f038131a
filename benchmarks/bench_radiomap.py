"""Radio-map networks side by side: parameters, MACs, CPU latency and peak memory per map
(a benchmark, not a test).

    OMP_NUM_THREADS=1 PYTHONPATH=. python benchmarks/bench_radiomap.py \
        [--size 128] [--configs small paper] [--repeats 5] [--out results/radiomap/bench]

For every configuration, RadioUNet (first U) and RadioMamba are measured in one process on
one thread, on the same example map (:meth:`RadioMapTask.example_batch`, batch 1, random
weights: time and memory do not depend on them). Parameters, MACs and latency come from
:func:`linksim.bench.bench` (what ``linksim bench`` prints: ptflops' ATen count of matrix
multiplies and convolutions, median wall time after a warm-up pass, under no_grad).
Peak memory is measured in a fresh interpreter per network: the growth of the process's
peak resident set (``VmHWM``, reset through ``/proc/self/clear_refs``) during the first
inference pass over its resident set just before it (model and map built): activations,
workspaces and one-time initializations of a forward pass on the CPU, weights excluded
(Linux only; the weights, 4 bytes per parameter, are listed apart). Writes ``<out>.json`` and
``<out>.md`` (the README table).
"""
from __future__ import annotations

import argparse
import gc
import json
import platform
from pathlib import Path

import torch

import linksim.tasks.radiomap  # noqa: F401
from linksim.bench import bench
from linksim.base.registry import SYSTEMS
from linksim.core.task import get_task

SYSTEM_NAMES = ("radiounet", "radiomamba")
LABELS = {"radiounet": "RadioUNet (first U)", "radiomamba": "RadioMamba"}


def _status_kib(key: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1])
    raise KeyError(key)


@torch.no_grad()
def _peak_child(name: str, config: str, size: int) -> float:
    """In a fresh process: growth (MiB) of the peak resident set during the first
    inference pass over the resident set just before it (model and map built)."""
    torch.set_num_threads(1)
    torch.manual_seed(0)
    model = SYSTEMS.get(name, "radiomap")(config=config, random_weights=True).eval()
    batch = get_task("radiomap").example_batch(size)
    gc.collect()
    Path("/proc/self/clear_refs").write_text("5")    # VmHWM := VmRSS
    base = _status_kib("VmRSS")
    model.transmit(batch, None)
    return round((_status_kib("VmHWM") - base) / 1024, 1)


def peak_forward_mib(name: str, config: str, size: int) -> float | None:
    """:func:`_peak_child` in a new interpreter (a warm process reuses freed memory, so
    its resident set would not show the pass); ``None`` where ``/proc`` lacks it."""
    import subprocess
    import sys

    if not Path("/proc/self/clear_refs").exists():
        return None
    out = subprocess.run([sys.executable, __file__, "--peak-child", name, config, str(size)],
                         capture_output=True, text=True, check=True,
                         env={**__import__("os").environ, "OMP_NUM_THREADS": "1"})
    return float(out.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--size", type=int, default=128, help="map side in cells")
    ap.add_argument("--configs", nargs="+", default=["small", "paper"])
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--out", default="results/radiomap/bench")
    ap.add_argument("--peak-child", nargs=3, metavar=("SYSTEM", "CONFIG", "SIZE"),
                    help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.peak_child:
        name, config, size = args.peak_child
        print(_peak_child(name, config, int(size)))
        return
    torch.set_num_threads(args.threads)
    rows = []
    for config in args.configs:
        for name in SYSTEM_NAMES:
            r = bench(name, size=args.size, config=config, repeats=args.repeats,
                      threads=args.threads, task="radiomap", random_weights=True)
            row = {"system": name, "config": config, "size": args.size,
                   "params": r["params"], "weights_mib": round(4 * r["params"] / 2**20, 1),
                   "macs": r["macs"], "latency_ms": r["latency_ms"],
                   "peak_forward_mib": peak_forward_mib(name, config, args.size),
                   "threads": r["threads"]}
            rows.append(row)
            print(json.dumps(row), flush=True)
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    meta = {"machine": f"{platform.machine()} CPU, {args.threads} thread(s)",
            "torch": torch.__version__, "rows": rows}
    out.with_suffix(".json").write_text(json.dumps(meta, indent=1) + "\n")
    lines = [f"| system | config | parameters | MACs per {args.size}x{args.size} map | "
             "CPU latency per map | peak memory of a pass (weights apart) |",
             "|---|---|---:|---:|---:|---:|"]
    for r in rows:
        mem = "n/a" if r["peak_forward_mib"] is None else f"{r['peak_forward_mib']:.0f} MiB"
        lines.append(f"| {LABELS[r['system']]} | {r['config']} | {r['params'] / 1e6:.2f} M | "
                     f"{r['macs'] / 1e9:.2f} G | {r['latency_ms']:.0f} ms | {mem} "
                     f"(+{r['weights_mib']:.0f} MiB weights) |")
    out.with_suffix(".md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
