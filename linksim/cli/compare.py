"""``linksim compare FOLDER A B``: paired difference A - B per point, with 95% intervals."""
from __future__ import annotations

import argparse
import csv
import sys
from pathlib import Path



def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("compare", help="paired difference of two systems (same items and "
                                       "channel draws) with 95%% intervals")
    p.add_argument("folder", help="a results folder holding results.jsonl")
    p.add_argument("a", help="label of system A (as in results.csv)")
    p.add_argument("b", help="label of system B")
    p.add_argument("--metric", default=None, help="metric (default: the task's first default metric that was recorded)")
    p.add_argument("--b-from", default=None, metavar="FOLDER",
                   help="read system B from this other results folder (a run of the same "
                        "scenario: same seed, items and channel labels, so the draws pair up), "
                        "e.g. one system before and after a change")
    p.add_argument("--csv", default=None, help="also write the rows to this CSV file")
    p.set_defaults(main=main)


def main(args: argparse.Namespace) -> int:
    from linksim.core.compare import paired_differences, with_other_run
    from linksim.core.metric import get_metric
    from linksim.core.record import default_metric, load_records
    from linksim.core.task import get_task
    from linksim.errors import LinksimError

    records = load_records(Path(args.folder))
    b = args.b
    if args.b_from:
        b = f"{args.b} [{args.b_from}]"
        records = with_other_run(records, load_records(Path(args.b_from)), args.b, b)
    name = args.metric or default_metric(records)
    if not any(name in r.metrics for r in records):
        raise LinksimError(f"--metric {name!r}: not in the records; recorded: "
                           f"{', '.join(sorted({m for r in records for m in r.metrics}))}")
    metric = get_metric(name)
    task = get_task(records[0].task)
    rows = paired_differences(records, args.a, b, name, metric.higher_is_better)
    if not rows:
        raise LinksimError(f"{args.a!r} and {b!r} share no grid point with values")
    head = ["channel"] + [a.name for a in task.axes] + ["diff", "ci95", "pairs"]
    print(f"# {name}: {args.a} - {b}, paired (same items and channel draws), "
          "mean ± Student-t 95% half-width")
    print(" | ".join(head))
    table = []
    for d in rows:
        cells = [str(d.channel)] + [a.format(d.axes[a.name]) for a in task.axes] + [
            f"{d.mean:+.3f}", f"{d.ci95:.3f}", str(d.count)]
        table.append(cells)
        print(" | ".join(cells))
    if args.csv:
        with open(args.csv, "w", newline="") as f:
            csv.writer(f).writerows([head] + table)
        print(f"# wrote {args.csv}", file=sys.stderr)
    return 0
