"""Where one batch of each learned Kodak system spends its time, and how fast its arithmetic
runs against this core's matrix-multiply rate (a benchmark, not a test).

    PYTHONPATH=. python benchmarks/bench_kodak_time_budget.py [--out benchmarks/results/time_budget]

One thread, the kodak_awgn scenario's checkpoints at CBR 1/16
(``bench_kodak_inference.CHECKPOINTS``), one batch of four 768 x 512
Kodak images through AWGN at 10 dB (``transmit``: encoder, channel, decoder), warm. The
profiler's self time of every operator is put in one of five groups: convolutions (oneDNN,
transposed ones included), matrix products (MKL: linear layers, attention, projections), the
selective scan (linksim's C++ kernel), softmax, and the rest (elementwise, norms, copies).
Reference rates, best of three: a 2048^3 single-precision matrix product (``torch.mm``) and
ADJSCC's 5 x 5 convolution of 64 to 64 channels at 128 x 192 (10.1 G multiply-adds per
batch). Needs ../shared/data/kodak and the shipped checkpoints.
"""
from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import torch
import torch.nn.functional as F
from bench_kodak_inference import CHECKPOINTS, kodak_batch
from report_files import write_report

import linksim.baselines.image  # noqa: F401  (registers the peers)
import linksim.tasks.image  # noqa: F401
from linksim.base.allocator import reuse_freed_memory
from linksim.base.registry import CHANNELS, SYSTEMS
from linksim.channels.base import Link

ROOT = Path(__file__).resolve().parents[1]
GROUPS = {
    "convolution": ("aten::mkldnn_convolution", "aten::_slow_conv2d_forward", "aten::_convolution",
                    "aten::convolution", "aten::conv2d", "aten::conv_transpose2d"),
    "matrix product": ("aten::mm", "aten::addmm", "aten::bmm", "aten::matmul", "aten::linear"),
    "selective scan": ("_CppScan",),
    "softmax": ("aten::_softmax",),
}


def best_of(fn, reps: int = 3) -> float:
    """Smallest wall time of ``reps`` calls, seconds."""
    times = []
    for _ in range(reps):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)


def reference_rates() -> dict[str, float]:
    """GFLOP/s of the core's matrix product and of a 5 x 5, 64-channel convolution."""
    a, b = torch.randn(2048, 2048), torch.randn(2048, 2048)
    torch.mm(a, b)
    gemm = 2 * 2048 ** 3 / best_of(lambda: torch.mm(a, b)) / 1e9
    x, w = torch.rand(4, 64, 128, 192), torch.randn(64, 64, 5, 5) * 0.05
    F.conv2d(x, w, None, 1, 2)
    macs = 4 * 128 * 192 * 64 * 64 * 25
    conv = 2 * macs / best_of(lambda: F.conv2d(x, w, None, 1, 2)) / 1e9
    return {"sgemm_2048_gflops": gemm, "conv5x5_64_gflops": conv}


def budget(system: str, checkpoint: str, x: torch.Tensor) -> dict:
    """Seconds per batch by operator group for one system (profiled, after a warm-up)."""
    from torch.profiler import profile

    model = SYSTEMS.get(system)(cbr=1 / 16, checkpoint=checkpoint).eval()
    channel = CHANNELS.get("awgn")()

    def send() -> None:
        model.transmit(x, Link(channel, 10.0, x.shape[0], seeds=list(range(x.shape[0]))))

    with torch.no_grad():
        send()
        wall = best_of(send)
        with profile() as prof:
            send()
    groups = {g: 0.0 for g in (*GROUPS, "rest")}
    for event in prof.key_averages():
        group = next((g for g, names in GROUPS.items() if event.key in names), "rest")
        groups[group] += event.self_cpu_time_total / 1e6
    total = sum(groups.values())
    return {"wall_s": wall, "profiled_s": total, "share": {g: v / total for g, v in groups.items()}}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--kodak", default=str(ROOT.parent / "shared" / "data" / "kodak"))
    ap.add_argument("--out", type=Path, default=None, help="folder for time_budget.json / .md")
    args = ap.parse_args()
    torch.set_num_threads(1)
    reuse_freed_memory()
    x = kodak_batch(args.kodak)
    load = [os.getloadavg()]
    rates = reference_rates()
    rows = {label: budget(s, ck, x) for label, (s, ck) in CHECKPOINTS.items()}
    load.append(os.getloadavg())
    groups = [*GROUPS, "rest"]
    lines = [f"One thread, one batch of four 768 x 512 Kodak images at 10 dB (encoder, AWGN, "
             f"decoder), CBR 1/16. Load average before / after: {load[0][0]:.2f} / {load[1][0]:.2f}. "
             f"This core: a 2048^3 matrix product at {rates['sgemm_2048_gflops']:.0f} GFLOP/s, "
             f"ADJSCC's 5 x 5 64-channel convolution at {rates['conv5x5_64_gflops']:.0f} GFLOP/s.", "",
             "| system | s per batch | " + " | ".join(groups) + " |",
             "|---|---:|" + "---:|" * len(groups)]
    lines += [f"| {label} | {r['wall_s']:.2f} | "
              + " | ".join(f"{100 * r['share'][g]:.0f}%" for g in groups) + " |"
              for label, r in rows.items()]
    print("\n".join(lines))
    write_report(args.out, "time_budget", {"rates": rates, "systems": rows, "load_avg": load,
                                           "cpus": os.cpu_count(), "torch": torch.__version__,
                                           "python": sys.version.split()[0]}, lines)
    return 0


if __name__ == "__main__":
    sys.exit(main())
