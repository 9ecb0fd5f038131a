"""``linksim table FOLDER``: Markdown tables of a metric from stored records
(:mod:`linksim.tables`).

``linksim table --readme README.md`` regenerates every block of a Markdown file between
``<!-- table: FOLDER [--metric M] [--x AXIS] -->`` and ``<!-- /table -->`` from the records
of FOLDER (relative to the file's folder), in place.
"""
from __future__ import annotations

import argparse


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("table", help="Markdown tables of a metric from results.jsonl")
    p.add_argument("folder", nargs="?", help="a results folder holding results.jsonl")
    p.add_argument("--readme", default=None, metavar="FILE",
                   help="regenerate the table blocks of this Markdown file in place")
    p.add_argument("--metric", default=None, help="metric (default: the task's first default metric that was recorded)")
    p.add_argument("--x", default=None, help="axis of the columns (default: the SNR axis)")
    p.add_argument("--digits", type=int, default=2)
    p.set_defaults(main=main)


def main(args: argparse.Namespace) -> int:
    from pathlib import Path

    from linksim.errors import LinksimError
    from linksim.tables import folder_tables, rewrite_readme

    if args.readme:
        print(f"{args.readme}: {rewrite_readme(args.readme, args.digits)} table blocks rewritten")
        return 0
    if args.folder is None:
        raise LinksimError("table: give a results FOLDER or --readme FILE")
    print(folder_tables(Path(args.folder), args.metric, args.x, args.digits))
    return 0
