"""Cold-cache cost of the separated chain's codec rate control on the Kodak AWGN sweep
(a benchmark, not a test).

    nice -n 19 env OMP_NUM_THREADS=1 python benchmarks/bench_codec_fit.py [--images 24]

For each Kodak image (``../shared/data/kodak``) and each budget the Kodak AWGN scenario
(``scenarios/image/kodak_awgn.toml``: CBR 1/16 and 1/48) asks the codec for, i.e. the
payload of ``separated`` at every MCS and the capacity of ``ideal`` at every SNR, it runs
the binary search over the knob (``CodecCache.bisect``, the rate control before) and the
bracketed search (``CodecCache.fit``), each with its own cache that starts empty, budget
after budget for one image (both keep their hints from the images before, as one
process of a sweep does). Per image it records the encodes, the CPU seconds and wall
seconds of each (paired: the same image and budgets, one after the other) and whether
every choice agrees; one JSON line per image in ``--out`` (a rerun skips the images
already there).
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import time
from fractions import Fraction
from pathlib import Path

import torch

from linksim.base.registry import DATASETS, SYSTEMS
from linksim.baselines.image.separated.codecs import get_codec
from linksim.baselines.image.separated.rate_control import CodecCache, image_key
from linksim.baselines.image.separated.system import to_uint8
from linksim.channels.awgn import AWGN
from linksim.channels.base import Link
from linksim.phy.mcs import MCS_TABLE
from linksim.tasks.image.system import num_channel_uses

ROOT = Path(__file__).resolve().parents[1]
KODAK = ROOT / ".." / "shared" / "data" / "kodak"
CBRS = ("1/16", "1/48")
SNRS_DB = range(0, 21, 2)


def budgets(shape: tuple[int, ...]) -> list[float]:
    """The bit budgets of the scenario's codec systems for one image of ``shape``."""
    out = []
    for cbr in CBRS:
        cbr = float(Fraction(cbr))
        out += [float(SYSTEMS.get("separated", "image")(cbr=cbr, mcs=m.index, codec="heif")
                      .blocks(shape).payload_bits) for m in MCS_TABLE]
        n = num_channel_uses(cbr, shape)
        for snr in SNRS_DB:   # ideal: the capacity of the realized channel (AWGN + MMSE)
            csi = Link(AWGN(equalizer="mmse"), float(snr), 1).state(n)
            out.append(float(torch.log2(1.0 + csi.sinr.double()).sum()))
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--images", type=int, default=24)
    ap.add_argument("--out", type=Path,
                    default=ROOT / "benchmarks" / "results" / "codec_fit" / "kodak_awgn_cold.jsonl")
    ap.add_argument("--cache", type=Path, default=Path("/tmp/linksim_bench_codec_fit"))
    args = ap.parse_args()
    torch.set_num_threads(1)
    done = set()
    if args.out.is_file():
        done = {json.loads(line)["image"] for line in args.out.read_text().splitlines() if line}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    ds = DATASETS.get("kodak")(path=KODAK, count=args.images)
    caches = {m: CodecCache(get_codec("heif"), root=args.cache / m) for m in ("bisect", "fit")}
    for i in range(len(ds)):
        if i in done:
            continue
        img = to_uint8(ds[i][None])[0]
        bs = budgets(tuple(ds[i].shape))
        row = {"image": i, "shape": list(img.shape), "budgets": len(bs)}
        choices = {}
        for method, cache in caches.items():
            shutil.rmtree(cache.root / image_key(img), ignore_errors=True)   # cold for this image
            cache._sizes.pop(image_key(img), None)
            e0, c0, w0 = cache.encodes, time.process_time(), time.perf_counter()
            found = [getattr(cache, method)(img, b) for b in bs]
            row[method] = {"encodes": cache.encodes - e0,
                           "cpu_s": round(time.process_time() - c0, 2),
                           "wall_s": round(time.perf_counter() - w0, 2)}
            choices[method] = [None if f is None else f[0] for f in found]
        row["same_choices"] = choices["bisect"] == choices["fit"]
        row["load_avg_1min"] = os.getloadavg()[0]
        with args.out.open("a") as fh:
            fh.write(json.dumps(row) + "\n")
        print(json.dumps(row), flush=True)
    rows = [json.loads(line) for line in args.out.read_text().splitlines() if line]
    summary = {"images": len(rows), "machine": f"{platform.machine()}, {os.cpu_count()} cores",
               "torch": torch.__version__, "codec_version": caches["fit"].version,
               "all_choices_same": all(r["same_choices"] for r in rows)}
    for m in ("bisect", "fit"):
        summary[m] = {k: round(sum(r[m][k] for r in rows), 2) for k in ("encodes", "cpu_s", "wall_s")}
        summary[m]["encodes_per_image"] = round(summary[m]["encodes"] / len(rows), 2)
        summary[m]["encodes_per_image_and_cbr"] = round(summary[m]["encodes"] / len(rows) / len(CBRS), 2)
    summary["cpu_ratio_fit_over_bisect"] = round(summary["fit"]["cpu_s"] / summary["bisect"]["cpu_s"], 3)
    (args.out.with_suffix(".summary.json")).write_text(json.dumps(summary, indent=1) + "\n")
    print(json.dumps(summary, indent=1))


if __name__ == "__main__":
    main()
