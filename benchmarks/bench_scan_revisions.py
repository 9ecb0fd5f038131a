"""The C++ selective scan of this tree against the one of a git revision, side by side in
one process (a benchmark, not a test).

    PYTHONPATH=. python benchmarks/bench_scan_revisions.py --rev 814c577 [--reps 9]
        [--json benchmarks/results/scan_revisions.json]

Both kernels are compiled (``linksim/mamba/csrc/selective_scan.cpp`` of the tree and of
``--rev``) and called alternately on the same inputs, one thread: a GSSM scan (two orders,
CSI-ReST every 64 steps, softplus Delta) forward (no autograd) and forward + backward (every
input requires grad). Reported: the best time of ``--reps`` per kernel and shape, the ratio,
and whether the outputs and all seven gradients are bit-identical. Shapes: the paper
MambaJSCC's first stage (D = 256, N = 16, 128 x 128 tokens; 64 x 64 for the backward) and
the shipped small models' (D = 64, N = 8).
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import torch

import linksim.mamba.scan_cpp as scan_cpp
from linksim.mamba.gssm_order import positions
from linksim.mamba.scan import gssm_scan

ROOT = Path(__file__).resolve().parents[1]
SOURCE = "linksim/mamba/csrc/selective_scan.cpp"
#: (D, N, side, batch, with backward)
SHAPES = [(256, 16, 128, 1, False), (64, 8, 128, 1, False), (256, 16, 64, 1, True), (64, 8, 32, 8, True)]


def _library(source: Path):
    scan_cpp._SOURCE, scan_cpp._lib = source, None
    lib = scan_cpp.library()
    if lib is None:
        raise SystemExit(f"could not compile {source}")
    return lib


def _inputs(d: int, n: int, side: int, b: int, grad: bool) -> dict[str, torch.Tensor]:
    g = torch.Generator().manual_seed(0)
    length, k = side * side, 2
    leaves = {"u": torch.randn(b, length, d, generator=g),
              "delta": torch.randn(k, b, length, d, generator=g) * 0.5,
              "A": -torch.exp(torch.randn(k, d, n, generator=g) * 0.5),
              "bc": torch.randn(b, length, k, 2, n, generator=g),
              "D": torch.randn(k, d, generator=g), "bias": torch.randn(k, d, generator=g) * 0.1}
    return {key: v.requires_grad_(grad) for key, v in leaves.items()}


def _run(leaves: dict[str, torch.Tensor], side: int, grad: bool) -> list[torch.Tensor]:
    bk, ck = (leaves["bc"][:, :, :, i].permute(2, 0, 3, 1) for i in (0, 1))
    b = leaves["u"].shape[0]
    with torch.set_grad_enabled(grad):
        y = gssm_scan(leaves["u"].transpose(1, 2), leaves["delta"].transpose(-1, -2), leaves["A"], bk, ck,
                      D=leaves["D"], delta_bias=leaves["bias"], delta_softplus=True,
                      positions=positions(("identity", "reverse"), side, side, "cpu"),
                      snr_db=torch.full((b,), 10.0), csi_period=64)
        if not grad:
            return [y]
        return [y.detach(), *torch.autograd.grad((y * y).sum(), list(leaves.values()))]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rev", required=True, help="git revision whose kernel is the baseline")
    ap.add_argument("--reps", type=int, default=9)
    ap.add_argument("--json", type=Path, default=None)
    args = ap.parse_args()
    torch.set_num_threads(1)
    text = subprocess.run(["git", "show", f"{args.rev}:{SOURCE}"], cwd=ROOT, capture_output=True,
                          text=True, check=True).stdout
    with tempfile.TemporaryDirectory() as tmp:
        old = Path(tmp) / f"selective_scan_{args.rev}.cpp"
        old.write_text(text)
        libs = {args.rev: _library(old), "tree": _library(ROOT / SOURCE)}
    rows = []
    for d, n, side, b, grad in SHAPES:
        leaves = _inputs(d, n, side, b, grad)
        best, outs = {k: float("inf") for k in libs}, {}
        for _ in range(args.reps):
            for name, lib in libs.items():
                scan_cpp._lib = lib
                t = time.perf_counter()
                outs[name] = _run(leaves, side, grad)
                best[name] = min(best[name], time.perf_counter() - t)
        same = all(torch.equal(x, y) for x, y in zip(outs["tree"], outs[args.rev]))
        rows.append({"D": d, "N": n, "L": side * side, "B": b, "mode": "fwd+bwd" if grad else "fwd",
                     f"{args.rev}_ms": best[args.rev] * 1e3, "tree_ms": best["tree"] * 1e3,
                     "speedup": best[args.rev] / best["tree"], "bit_identical": same})
        r = rows[-1]
        print(f"D={d:3d} N={n:2d} L={side * side:5d} B={b} {r['mode']:7s}  {args.rev}: "
              f"{r[f'{args.rev}_ms']:7.1f} ms  tree: {r['tree_ms']:7.1f} ms  x{r['speedup']:.2f}  "
              f"bit-identical: {same}")
    if args.json:
        args.json.write_text(json.dumps({"rev": args.rev, "load_avg": os.getloadavg(), "threads": 1,
                                         "rows": rows}, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
