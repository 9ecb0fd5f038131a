"""Torch-profiler summary of one MambaJSCC (or any image system) inference pass and one
training step, on the CPU (one thread by default) or a GPU (a benchmark, not a test).

    PYTHONPATH=. python benchmarks/profile_mambajscc.py [--system mambajscc] [--config paper]
        [--size 256] [--batch 1] [--device cpu|cuda] [--dtype fp32|bf16] [--train-batch 8]
        [--train-size 64] [--threads 1] [--rows 30] [--out DIR]

Writes (or prints) two tables, ``<system>-<config>-infer.txt`` and ``-train.txt``: the
operators sorted by their own time on the device (self CPU time on the CPU), with call
counts, so layout copies (``aten::copy_``), permutations and small kernels show up.
"""
from __future__ import annotations

import argparse
import os
from pathlib import Path

import torch
from torch.profiler import ProfilerActivity, profile

from linksim.bench import DTYPES, _Pass
from linksim.base.registry import CHANNELS, SYSTEMS


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--system", default="mambajscc")
    ap.add_argument("--config", default="paper")
    ap.add_argument("--cbr", type=float, default=1 / 48)
    ap.add_argument("--size", type=int, default=256)
    ap.add_argument("--batch", type=int, default=1)
    ap.add_argument("--train-batch", type=int, default=8)
    ap.add_argument("--train-size", type=int, default=64)
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--dtype", default="fp32", choices=list(DTYPES))
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--rows", type=int, default=30)
    ap.add_argument("--out", type=Path, default=None)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    dev = torch.device(args.device)
    cuda = dev.type == "cuda"
    sync = torch.cuda.synchronize if cuda else (lambda: None)
    model = SYSTEMS.get(args.system, "image")(cbr=args.cbr, config=args.config).to(dev)
    link = _Pass(model, CHANNELS.get("awgn")().to(dev), 10.0)
    cast = DTYPES[args.dtype]
    activities = [ProfilerActivity.CPU] + ([ProfilerActivity.CUDA] if cuda else [])
    sort = "self_cuda_time_total" if cuda else "self_cpu_time_total"
    g = torch.Generator().manual_seed(0)

    def infer():
        x = torch.rand(args.batch, 3, args.size, args.size, generator=g).to(dev)
        model.eval()
        with torch.no_grad(), torch.autocast(dev.type, dtype=cast or torch.float32, enabled=cast is not None):
            link(x)
        sync()

    def train():
        x = torch.rand(args.train_batch, 3, args.train_size, args.train_size, generator=g).to(dev)
        model.train()
        with torch.autocast(dev.type, dtype=cast or torch.float32, enabled=cast is not None):
            loss = torch.mean((link(x).float() - x) ** 2)
        loss.backward()
        sync()

    tag = f"{args.system}-{args.config}-{args.dtype}-{dev.type}"
    for name, fn in (("infer", infer), ("train", train)):
        fn()  # warm-up: kernel builds and compilation outside the profile
        with profile(activities=activities) as prof:
            fn()
        head = (f"# {tag} {name}: batch {args.batch if name == 'infer' else args.train_batch}, "
                f"{args.threads} threads, load avg {os.getloadavg()[0]:.1f}\n")
        table = head + prof.key_averages().table(sort_by=sort, row_limit=args.rows)
        if args.out:
            args.out.mkdir(parents=True, exist_ok=True)
            (args.out / f"{tag}-{name}.txt").write_text(table)
        print(table)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
