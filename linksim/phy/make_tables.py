"""Simulate the BLER tables shipped in ``data/bler_tables.json`` (bit-true, AWGN).

    PYTHONPATH=. python -m linksim.phy.make_tables --n-cu 73728 24576 3072

computes the tables of every MCS for the code blocks that ``n_cu`` channel uses
give (see :class:`linksim.phy.bicm.CodeBlocks`), skipping tables already shipped.
"""
from __future__ import annotations

import argparse
import time

from pathlib import Path

from linksim.phy.abstraction import PACKAGED, _read, simulate_table, write_tables
from linksim.phy.mcs import MCS_TABLE, get_mcs
from linksim.phy.bicm import CodeBlocks


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--n-cu", type=int, nargs="+", required=True, help="channel uses per image")
    ap.add_argument("--mcs", nargs="*", default=None, help="MCS indices or names (default: all)")
    ap.add_argument("--max-blocks", type=int, default=100)
    ap.add_argument("--out", type=Path, default=PACKAGED, help="JSON file to add the tables to")
    args = ap.parse_args(argv)
    entries = [get_mcs(int(m) if m.isdigit() else m) for m in args.mcs] if args.mcs else MCS_TABLE
    for n_cu in args.n_cu:
        for entry in entries:
            blocks = CodeBlocks.plan(n_cu, entry)
            key = f"mcs{entry.index}-k{blocks.k}-n{blocks.n}"
            if key in _read(PACKAGED) or key in _read(args.out):
                continue
            t0 = time.perf_counter()
            table = simulate_table(entry.index, blocks.k, blocks.n, max_blocks=args.max_blocks)
            tables = _read(args.out)
            tables[key] = table
            write_tables(args.out, tables)
            print(f"{key} ({entry.name}, {n_cu} cu): {time.perf_counter() - t0:.0f} s, "
                  f"snr {table.snr_db[0]}..{table.snr_db[-1]} dB", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
