"""``linksim report FOLDER``: a self-contained HTML page and a Markdown file from the records
of a results folder (:mod:`linksim.reports`)."""
from __future__ import annotations

import argparse
import sys


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("report", help="HTML + Markdown report of a results folder (figures of "
                                      "every metric against every axis, tables, paired "
                                      "differences, provenance)")
    p.add_argument("folder", help="a results folder holding results.jsonl")
    p.add_argument("--reference", default=None, metavar="SYSTEM",
                   help="label of the system every other is compared with (default: the "
                        "first classical system with an envelope, e.g. the best-MCS chain)")
    p.add_argument("--out", default=None, help="where to write (default: the folder)")
    p.set_defaults(main=main)


def main(args: argparse.Namespace) -> int:
    from pathlib import Path

    from linksim.reports import write_report

    html, md = write_report(Path(args.folder), Path(args.out) if args.out else None,
                            args.reference)
    print(html)
    print(md)
    print("# open the HTML page in a browser; it holds its figures", file=sys.stderr)
    return 0
