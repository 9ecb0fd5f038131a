"""The text task's bit-true separated chain before and after issue 31 (a benchmark, not a
test): Sionna's ``LDPC5GDecoder`` with a chain built per system and sentence length
(before) against the degree-grouped decoder with chains shared per plan (after).

    python benchmarks/bench_text_bit_true.py [--items 128] [--snrs 0,3]

Runs ``scenarios/text/europarl_awgn_separated.toml`` reduced to the ``Huffman + LDPC`` system
(every MCS), the given SNRs and the first ``--items`` test sentences, once each way into a
temporary folder (``after`` first, so that it pays the one-time loading of the data and
the source code), one torch thread, and reports the wall time of each run and whether
every record's metrics, extra values and per-item values are identical.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import tempfile
import time
from pathlib import Path

import torch

import linksim.api as api
import linksim.phy.bicm as bicm

ROOT = Path(__file__).resolve().parents[1]


def scenario(items: int, snrs: list[float], out: Path) -> Path:
    """The reduced copy of the Europarl AWGN scenario of the bit-true chains (same seed and
    metrics; the first ``items`` sentences instead of its seeded sample)."""
    name = "europarl_awgn_separated"
    text = (ROOT / "scenarios" / "text" / f"{name}.toml").read_text()
    head, tail = text[:text.index("[[systems]]")], text[text.index("[metrics]"):]
    head = head.replace('snr_db = "0:18:3"', f"snr_db = {snrs}")
    head = head.replace(f'output = "results/text/{name}"', f'output = "{out}"')
    head = "".join(line for line in head.splitlines(keepends=True)
                   if not line.startswith(("sample =", "sample_seed =")))
    tail = tail.replace("[stop]\n", f"[stop]\nmax_items = {items}\n")
    system = '[[systems]]\nname = "separated"\nlabel = "Huffman + LDPC"\ncode = "huffman"\n\n'
    path = out.parent / f"{out.name}.toml"
    path.write_text(head + system + tail)
    return path


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--items", type=int, default=128)
    ap.add_argument("--snrs", default="0,3")
    ap.add_argument("--out", type=Path,
                    default=ROOT / "benchmarks" / "results" / "bit_true" / "text_europarl.json")
    args = ap.parse_args()
    torch.set_num_threads(1)
    snrs = [float(s) for s in args.snrs.split(",")]
    tmp = Path(tempfile.mkdtemp(prefix="linksim_text_bit_true_"))
    cached = bicm._shared_link
    runs = {}
    for name in ("after", "before"):   # "after" first: it pays the one-time data loading
        if name == "before":   # a new chain with Sionna's decoder at every call, as before
            bicm._shared_link = lambda blocks, num_iter: bicm.BitTrueLink(
                blocks, num_iter=num_iter, sionna_bp=True)
        else:
            bicm._shared_link = cached
        t0 = time.perf_counter()
        api.run(scenario(args.items, snrs, tmp / name), output=tmp / name, fresh=True)
        runs[name] = {"wall_s": round(time.perf_counter() - t0, 1),
                      "records": {r["point_id"]: r for r in map(
                          json.loads, (tmp / name / "results.jsonl").read_text().splitlines())}}
    a, b = runs["before"]["records"], runs["after"]["records"]
    same = sum((a[k]["metrics"], a[k]["extra"], a[k]["values"])
               == (b[k]["metrics"], b[k]["extra"], b[k]["values"]) for k in a)
    out = {"machine": f"{platform.machine()}, {os.cpu_count()} cores", "torch": torch.__version__,
           "threads": 1, "items": args.items, "snrs_db": snrs, "points": len(a),
           "identical_records": same,
           "lost_per_point": [a[k]["extra"]["lost"]["sum"] for k in a],
           "before_wall_s": runs["before"]["wall_s"], "after_wall_s": runs["after"]["wall_s"],
           "load_avg_1min_at_end": os.getloadavg()[0]}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(out, indent=1) + "\n")
    print(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
