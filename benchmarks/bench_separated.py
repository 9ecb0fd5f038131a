"""Throughput of the separated baseline on this CPU (a benchmark, not a test).

    PYTHONPATH=. python benchmarks/bench_separated.py [--threads 1] [--images 4]

Reports

1. LDPC BP decoding (Sionna's ``LDPC5GDecoder`` algorithm as run by
   ``linksim.phy.ldpc_bp.DegreeGroupedBP``, boxplus-phi, 20 iterations max):
   information bits per second for k = 3840, rate 1/2, QPSK over AWGN, with
   and without CRC-aided early stopping, for several codeword batch sizes;
2. images per second of the whole ``separated`` chain (codec cache warm: the
   codec's files for these budgets are encoded before timing) in both modes,
   and of ``ideal``, on Kodak (``../shared/data/kodak``; scikit-image samples
   when absent) at CBR 1/16 with QPSK-1/2 at 3 dB (every block decodes).
"""
from __future__ import annotations

import argparse
import time
from pathlib import Path

import torch

from linksim.phy.mcs import get_mcs
from linksim.phy.bicm import CRC_BITS, BitTrueLink, CodeBlocks
from linksim.channels.awgn import AWGN
from linksim.base.registry import DATASETS, SYSTEMS
from linksim.base.seeding import seed_everything
from linksim.channels.base import Link

KODAK = Path(__file__).resolve().parents[1] / ".." / "shared" / "data" / "kodak"


def ldpc_throughput(batch: int, check_every: int, snr_db: float = 2.0, k: int = 3840,
                    repeats: int = 2) -> tuple[float, float]:
    """(info bits/s, mean BP iterations per block) of decode() alone."""
    link = BitTrueLink(CodeBlocks(get_mcs("qpsk-1/2"), k, 1, k, 2 * k), check_every=check_every,
                       chunk=batch)
    bits = torch.randint(0, 2, (batch, 1, k - CRC_BITS)).float()
    y, csi = AWGN()(link.modulate(bits), snr_db)
    llr = link.llrs(y, csi)
    link.decode(llr[:1])  # warm-up
    link.iterations = 0
    t0 = time.perf_counter()
    for _ in range(repeats):
        link.decode(llr)
    dt = time.perf_counter() - t0
    return repeats * batch * k / dt, link.iterations / (repeats * batch)


def images_per_second(name: str, x: torch.Tensor, **params) -> float:
    system = SYSTEMS.get(name, "image")(cbr=1 / 16, **params)
    channel = AWGN()
    system.transmit(x, Link(channel, 3.0, len(x)))  # warm-up: codec files, tables, Sionna blocks
    seed_everything(0)
    t0 = time.perf_counter()
    _, extra = system.transmit(x, Link(channel, 3.0, len(x)))
    dt = time.perf_counter() - t0
    assert extra["lost"].sum() == 0 or name == "ideal"
    return x.shape[0] / dt


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--threads", type=int, default=None, help="torch.set_num_threads")
    ap.add_argument("--images", type=int, default=4)
    args = ap.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    seed_everything(0)
    print(f"torch threads: {torch.get_num_threads()}")
    print("LDPC decode, k=3840 rate 1/2 QPSK, AWGN 2 dB (info bits/s, BP iterations/block)")
    for batch in (16, 64):
        for check_every, label in ((20, "no early stop"), (4, "CRC check every 4 it"),
                                   (2, "CRC check every 2 it")):
            rate, iters = ldpc_throughput(batch, check_every)
            print(f"  batch {batch:3d}  {label:22s} {rate / 1e3:8.1f} kbit/s  {iters:5.1f} it")
    ds = (DATASETS.get("kodak")(path=KODAK, count=args.images) if KODAK.is_dir()
          else DATASETS.get("samples")(count=args.images))
    imgs = [ds[i] for i in range(len(ds))]
    x = torch.stack([im for im in imgs if im.shape == imgs[0].shape])  # one batch, one shape
    print(f"whole chain, {len(x)} images of {tuple(x.shape[1:])}, CBR 1/16, QPSK-1/2, 3 dB")
    for name, params in (("separated", {"mcs": "qpsk-1/2", "mode": "abstracted"}),
                         ("separated", {"mcs": "qpsk-1/2", "mode": "bit_true"}),
                         ("ideal", {})):
        label = f"{name} {params.get('mode', '')}".strip()
        print(f"  {label:22s} {images_per_second(name, x, **params):8.3f} images/s", flush=True)


if __name__ == "__main__":
    main()
