"""``linksim plot FOLDER``: redraw the figures and CSV from stored records."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from linksim.errors import LinksimError
from linksim.plots import plot_records
from linksim.core.records import RECORDS, read_records, write_table


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("plot", help="redraw plots and results.csv from results.jsonl")
    p.add_argument("folder", help="a results folder holding results.jsonl")
    p.add_argument("--out", help="where to write the figures (default: the folder)")
    p.set_defaults(main=main)


def main(args: argparse.Namespace) -> int:
    folder = Path(args.folder)
    records = read_records(folder)
    if not records:
        raise LinksimError(f"{folder / RECORDS}: no records; run a scenario first "
                           "(linksim run SCENARIO)")
    out = Path(args.out) if args.out else folder
    metrics = list(records[0]["metrics"])
    write_table(out, records, metrics)
    paths = plot_records(records, out, records[0].get("scenario", ""))
    for path in paths:
        print(path)
    print(f"# {len(paths)} plots from {len(records)} records", file=sys.stderr)
    return 0
