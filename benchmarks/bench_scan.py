"""Selective-scan backends on this CPU: time, peak memory, ratios (a benchmark, not a test).

    PYTHONPATH=. python benchmarks/bench_scan.py [--lengths 1024 4096 16384] [--threads 2]
                                                 [--backends cpp chunked reference] [--json out.json]
    PYTHONPATH=. python benchmarks/bench_scan.py --device cuda --backends triton chunked cuda
                                                 [--dtype bf16]

For B=1, D=256, N=16 (one scan direction of a MambaJSCC-sized layer) and each length L,
every backend is run in a fresh subprocess (so that the peak resident memory is its own)
and reports, for the forward pass (inference, no autograd) and forward+backward (all of u,
delta, A, B, C, D, z, delta_bias require grad, CSI-ReST on with T=256):

* ms: the best of a few repetitions after a warm-up;
* peak MB: the rise of the process's peak resident set over the inputs (``ru_maxrss``);
* x ref: time of the sequential reference / time of the backend (same L; the reference
  runs only where ``--ref-max`` allows, it stores every state for autograd);
* x bound: time / (L*D*N multiply-adds at this machine's measured fp32 matmul rate), the
  arithmetic lower bound of the recurrence (the real minimum is higher: an exp per element).
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

import torch

B, D, N = 1, 256, 16
ROOT = Path(__file__).resolve().parents[1]


def _rss_mb() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _inputs(length: int, grad: bool) -> dict:
    g = torch.Generator().manual_seed(0)
    x = dict(u=torch.randn(B, D, length, generator=g), delta=torch.randn(B, D, length, generator=g) - 2,
             A=-torch.arange(1, N + 1.0).repeat(D, 1), B=torch.randn(B, N, length, generator=g),
             C=torch.randn(B, N, length, generator=g), D=torch.ones(D), z=torch.randn(B, D, length, generator=g),
             delta_bias=torch.zeros(D))
    if grad:
        for v in x.values():
            v.requires_grad_()
    return x


def one(backend: str, length: int, mode: str, reps: int, device: str = "cpu", dtype: str = "fp32") -> dict:
    """Time one (backend, L, mode) in this process; mode is 'fwd' or 'fwdbwd'. On a GPU the
    peak memory is torch's allocator peak, the inputs' u, delta, B, C, z in ``dtype``."""
    from linksim.mamba.scan import selective_scan

    grad = mode == "fwdbwd"
    x = _inputs(length, False)
    half = {"fp32": torch.float32, "bf16": torch.bfloat16, "fp16": torch.float16}[dtype]
    x = {k: (v.to(device, half) if v.dim() == 3 else v.to(device)).requires_grad_(grad) for k, v in x.items()}
    snr_db = torch.full((B,), 10.0, device=device)
    cuda = torch.device(device).type == "cuda"
    sync = torch.cuda.synchronize if cuda else (lambda: None)

    def step():
        y = selective_scan(**x, delta_softplus=True, snr_db=snr_db, csi_period=256, backend=backend)
        if grad:
            y.float().sum().backward()
        sync()

    with torch.set_grad_enabled(grad):
        if backend == "cpp":  # compile/load outside the timing and the memory figure
            from linksim.mamba import scan_cpp
            scan_cpp.library()
        base = _rss_mb() if not cuda else torch.cuda.memory_allocated() / 2**20
        step()  # warm-up
        if cuda:
            torch.cuda.reset_peak_memory_stats()
        best = float("inf")
        for _ in range(reps):
            t0 = time.perf_counter()
            step()
            best = min(best, time.perf_counter() - t0)
        peak = torch.cuda.max_memory_allocated() / 2**20 if cuda else _peak_mb()
    return dict(backend=backend, L=length, mode=mode, ms=best * 1e3, peak_mb=max(0.0, peak - base),
                device=device, dtype=dtype)


def matmul_rate(threads: int, device: str = "cpu") -> float:
    """Multiply-adds per second of a 1024^3 fp32 matmul (machine's practical peak)."""
    torch.set_num_threads(threads)
    a = torch.randn(1024, 1024, device=device)
    sync = torch.cuda.synchronize if torch.device(device).type == "cuda" else (lambda: None)
    a @ a
    sync()
    best = min(_timed(lambda: (a @ a, sync())) for _ in range(5))
    return 1024**3 / best


def _timed(fn) -> float:
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--lengths", type=int, nargs="+", default=[1024, 4096, 16384])
    ap.add_argument("--backends", nargs="+", default=["cpp", "chunked", "reference"])
    ap.add_argument("--threads", type=int, default=torch.get_num_threads())
    ap.add_argument("--ref-max", type=int, default=4096, help="longest L for the reference")
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--json", type=Path)
    ap.add_argument("--device", default="cpu", help="cpu, or cuda for the GPU backends")
    ap.add_argument("--dtype", default="fp32", choices=("fp32", "bf16", "fp16"),
                    help="dtype of u, delta, B, C, z (the state is float32 in every backend)")
    ap.add_argument("--one", nargs=3, metavar=("BACKEND", "L", "MODE"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    if args.one:
        print(json.dumps(one(args.one[0], int(args.one[1]), args.one[2], args.reps, args.device, args.dtype)))
        return 0

    rate = matmul_rate(args.threads, args.device)
    where = torch.cuda.get_device_name(0) if args.device.startswith("cuda") else f"{os.cpu_count()} CPUs"
    print(f"B={B} D={D} N={N}, {args.dtype}, {args.device} ({where}), {args.threads} threads, load avg "
          f"{os.getloadavg()[0]:.1f}, matmul rate {rate / 1e9:.1f} G multiply-adds/s")
    rows = []
    for length in args.lengths:
        for backend in args.backends:
            if backend == "reference" and length > args.ref_max:
                continue
            for mode in ("fwd", "fwdbwd"):
                cmd = [sys.executable, __file__, "--one", backend, str(length), mode,
                       "--threads", str(args.threads), "--reps", str(1 if backend == "reference" else args.reps),
                       "--device", args.device, "--dtype", args.dtype]
                path = os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH")) if p)
                out = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT,
                                     env={**os.environ, "PYTHONPATH": path})
                if out.returncode:
                    print(f"{backend} L={length} {mode}: failed\n{out.stderr[-2000:]}")
                    continue
                rows.append(json.loads(out.stdout.strip().splitlines()[-1]))
                print(f"  done {backend} L={length} {mode}: {rows[-1]['ms']:.1f} ms", file=sys.stderr)
    ref = {(r["L"], r["mode"]): r["ms"] for r in rows if r["backend"] == "reference"}
    print(f"{'backend':>9} {'L':>6} {'mode':>7} {'ms':>10} {'peak MB':>8} {'x ref':>7} {'x bound':>8}")
    for r in rows:
        bound_ms = r["L"] * D * N / rate * 1e3
        r["speedup_vs_reference"] = ref.get((r["L"], r["mode"]), float("nan")) / r["ms"]
        r["ratio_to_bound"] = r["ms"] / bound_ms
        print(f"{r['backend']:>9} {r['L']:>6} {r['mode']:>7} {r['ms']:>10.1f} {r['peak_mb']:>8.1f} "
              f"{r['speedup_vs_reference']:>7.1f} {r['ratio_to_bound']:>8.1f}")
    if args.json:
        args.json.write_text(json.dumps(dict(rate=rate, threads=args.threads, rows=rows), indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
