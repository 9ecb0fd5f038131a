"""``linksim plot FOLDER``: redraw the figures and CSV from stored records."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path



def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("plot", help="redraw plots and results.csv from results.jsonl")
    p.add_argument("folder", help="a results folder holding results.jsonl")
    p.add_argument("--out", help="where to write the figures (default: the folder)")
    p.add_argument("--x", default=None, help="axis on the x-axis (default: the SNR axis)")
    p.set_defaults(main=main)


def main(args: argparse.Namespace) -> int:
    from linksim.core.metric import get_metric
    from linksim.core.record import load_records, write_table
    from linksim.core.task import get_task
    from linksim.plots import plot_records

    folder = Path(args.folder)
    records = load_records(folder)
    out = Path(args.out) if args.out else folder
    task = get_task(records[0].task)
    # the task's default metrics first, in its order (as a run writes them), then the rest
    recorded = list(dict.fromkeys(m for r in records for m in r.metrics))
    metrics = [m for m in task.default_metrics if m in recorded] + [
        m for m in recorded if m not in task.default_metrics]
    write_table(out, records, metrics, {m: get_metric(m).higher_is_better for m in metrics},
                {a.name: a.format for a in task.axes})
    paths = plot_records(records, out, records[0].scenario, args.x)
    for path in paths:
        print(path)
    print(f"# {len(paths)} plots from {len(records)} records", file=sys.stderr)
    return 0
