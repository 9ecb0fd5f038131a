"""Bit-true time per 768x512 image: Sionna's LDPC decoder against the degree-grouped one
(a benchmark, not a test).

    python benchmarks/bench_bit_true.py [--images 1] [--repeats 3]

The ``separated`` system in ``mode="bit_true"`` sends Kodak images (``../shared/data/kodak``,
768x512) over AWGN at CBR 1/16 with QPSK-1/2 at 3 dB (``bench_separated.py``'s point: every
block decodes), with a low, a mid and a high MCS 1.5 dB above the MCS's Shannon limit
(some blocks of the higher MCSs fail there: BICM with 16/64-QAM loses more to capacity), and
with the mid MCS also at CBR 1/48 and 0.7 dB above the limit (in the waterfall: failing
blocks run all 20 iterations). The same system runs with Sionna's ``LDPC5GDecoder``
(``BitTrueLink(sionna_bp=True)``, the chain before) and with
:class:`~linksim.phy.ldpc_bp.DegreeGroupedBP` (the default), alternating per repeat on the
same images and channel draws (paired): seconds per image of ``transmit`` (codec cache
warm), the ratio, and whether both give the same reconstruction and block fates.
One thread (``torch.set_num_threads(1)``); results as JSON in ``--out``.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import time
from fractions import Fraction
from pathlib import Path

import torch

from linksim.base.registry import DATASETS, SYSTEMS
from linksim.channels.awgn import AWGN
from linksim.channels.base import Link
from linksim.phy.abstraction import shannon_snr_db
from linksim.phy.bicm import BitTrueLink
from linksim.phy.mcs import get_mcs

ROOT = Path(__file__).resolve().parents[1]
KODAK = ROOT / ".." / "shared" / "data" / "kodak"
CASES = ([("1/16", "qpsk-1/2", 3.0)]
         + [("1/16", mcs, 1.5) for mcs in ("qpsk-1/3", "16qam-1/2", "64qam-5/6")]
         + [("1/48", "16qam-1/2", 1.5), ("1/16", "16qam-1/2", 0.7)])


def system(cbr: float, mcs: str, sionna_bp: bool, shape: tuple[int, ...]):
    sys_ = SYSTEMS.get("separated", "image")(cbr=cbr, mcs=mcs, mode="bit_true", codec="heif")
    blocks = sys_.blocks(shape)
    sys_._links[blocks.n_cu] = BitTrueLink(blocks, num_iter=sys_.num_iter, sionna_bp=sionna_bp)
    return sys_


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--images", type=int, default=1)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "bit_true" / "per_image.json")
    args = ap.parse_args()
    torch.set_num_threads(1)
    ds = DATASETS.get("kodak")(path=KODAK, count=args.images)
    x = torch.stack([ds[i] for i in range(len(ds)) if tuple(ds[i].shape) == (3, 512, 768)])
    rows = []
    for cbr_s, mcs, above in CASES:
        cbr = float(Fraction(cbr_s))
        snr = shannon_snr_db(get_mcs(mcs).efficiency) + above
        systems = {bp: system(cbr, mcs, bp, tuple(x.shape[1:])) for bp in (True, False)}
        seeds = list(range(len(x)))
        outs, times = {}, {True: [], False: []}
        with torch.no_grad():
            for bp, s in systems.items():    # warm-up: codec files, tables, Sionna blocks
                s.transmit(x, Link(AWGN(), snr, len(x), seeds=[99 + i for i in range(len(x))]))
            for r in range(args.repeats):
                for bp in ((True, False) if r % 2 == 0 else (False, True)):
                    t0 = time.perf_counter()
                    out = systems[bp].transmit(x, Link(AWGN(), snr, len(x), seeds=seeds))
                    times[bp].append((time.perf_counter() - t0) / len(x))
                    outs[bp] = out
        same = (torch.equal(outs[True][0], outs[False][0])
                and all(torch.equal(outs[True][1][k], outs[False][1][k]) for k in outs[True][1]))
        row = {"cbr": cbr_s, "mcs": mcs, "snr_db": round(snr, 2),
               "blocks_per_image": systems[False].blocks(tuple(x.shape[1:])).num_blocks,
               "images_lost": int(outs[False][1]["lost"].sum()),
               "sionna_s_per_image": round(statistics.median(times[True]), 3),
               "grouped_s_per_image": round(statistics.median(times[False]), 3),
               "same_output": same}
        row["ratio"] = round(row["sionna_s_per_image"] / row["grouped_s_per_image"], 2)
        rows.append(row)
        print(json.dumps(row), flush=True)
    out = {"machine": f"{platform.machine()}, {os.cpu_count()} cores", "torch": torch.__version__,
           "threads": 1, "images": len(x), "repeats": args.repeats,
           "load_avg_1min_at_end": os.getloadavg()[0], "cases": rows}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(out, indent=1) + "\n")


if __name__ == "__main__":
    main()
