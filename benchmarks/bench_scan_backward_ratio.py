"""Backward/forward time ratio of a selective-scan backend, measured interleaved in one process
(a benchmark, not a test): each repeat times one forward (no autograd) and one forward +
backward, so a change in machine load hits both alike; reports medians and the median of
the per-repeat ratios (backward = (forward+backward) - forward with autograd, i.e. including
the forward's checkpoint stores).

    PYTHONPATH=. python benchmarks/bench_scan_backward_ratio.py [--backend cpp] [--length 4096]
        [--gssm] [--repeats 15] [--threads 1]

``--gssm``: a two-order GSSM scan (identity + reverse through index maps, time-major u) instead
of one plain scan. B=1, D=256, N=16, every input requires grad, CSI-ReST on with T=64.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import time

import torch

from linksim.mamba import gssm_order
from linksim.mamba.scan import gssm_scan, selective_scan


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--backend", default="cpp")
    ap.add_argument("--length", type=int, default=4096)
    ap.add_argument("--gssm", action="store_true")
    ap.add_argument("--repeats", type=int, default=15)
    ap.add_argument("--threads", type=int, default=1)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    b, d, n, length = 1, 256, 16, args.length
    k = 2 if args.gssm else 1
    g = torch.Generator().manual_seed(0)
    x = dict(u=torch.randn(b, length, d, generator=g).transpose(1, 2),
             delta=(torch.randn(k, b, length, d, generator=g) - 2).transpose(-1, -2),
             A=-torch.arange(1, n + 1.0).repeat(k, d, 1), B=torch.randn(k, b, n, length, generator=g),
             C=torch.randn(k, b, n, length, generator=g), D=torch.ones(k, d), delta_bias=torch.zeros(k, d))
    if not args.gssm:
        x = {key: v[0] if key != "u" else v for key, v in x.items()}
    snr_db = torch.full((b,), 10.0)
    pos = gssm_order.positions(("identity", "reverse"), 1, length)

    def run(grad: bool) -> None:
        leaves = {key: v.detach().requires_grad_(grad) for key, v in x.items()}
        with torch.set_grad_enabled(grad):
            kw = dict(delta_softplus=True, snr_db=snr_db, csi_period=64, backend=args.backend)
            y = gssm_scan(**leaves, positions=pos, **kw) if args.gssm else selective_scan(**leaves, **kw)
            if grad:
                y.sum().backward()

    def timed(grad: bool) -> float:
        t0 = time.perf_counter()
        run(grad)
        return time.perf_counter() - t0

    run(False)
    run(True)
    fwd, both = [], []
    for _ in range(args.repeats):
        fwd.append(timed(False))
        both.append(timed(True))
    ratios = [(bb - f) / f for f, bb in zip(fwd, both)]
    out = dict(backend=args.backend, gssm=args.gssm, B=b, D=d, N=n, L=length, threads=args.threads,
               load_avg=round(os.getloadavg()[0], 2), fwd_ms=round(1e3 * statistics.median(fwd), 3),
               fwd_bwd_ms=round(1e3 * statistics.median(both), 3),
               backward_over_forward=round(statistics.median(ratios), 3))
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
