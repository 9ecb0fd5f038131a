"""``linksim run SCENARIO``: sweep, live table, records, CSV and plots."""
from __future__ import annotations

import argparse
import sys
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from linksim.plots import plot_records
from linksim.core.records import mean_ci
from linksim.core.runner import Point, Runner
from linksim.scenario import load_scenario


class LiveTable:
    """Progress bars on stderr; one finished row per grid point on stdout."""

    def __init__(self, metrics: list[str]) -> None:
        self.metrics = metrics
        self.progress = Progress(TextColumn("{task.description}"), BarColumn(),
                                 MofNCompleteColumn(), TimeElapsedColumn(),
                                 console=Console(stderr=True), transient=True,
                                 redirect_stdout=False)
        self.overall = self.point = None
        self.columns = (f"{'system':<24} {'channel':<22} {'cbr':>6} {'snr_db':>7} {'n':>4} "
                        + " ".join(f"{m:>16}" for m in metrics) + f" {'time_s':>7}")

    def row(self, text: str) -> None:
        """A table line on stdout; drawn above the bars when both share a terminal."""
        if sys.stdout.isatty() and self.progress.console.is_terminal:
            self.progress.console.print(text, highlight=False, soft_wrap=True)
        else:
            print(text, flush=True)

    def start(self, total: int, done: int) -> None:
        if done:
            print(f"# {done} of {total} points already in the results; skipped",
                  file=sys.stderr)
        self.row(self.columns)
        self.progress.start()
        self.overall = self.progress.add_task("grid points", total=total, completed=done)

    def point_started(self, point: Point, items: int) -> None:
        if self.point is not None:
            self.progress.remove_task(self.point)
        self.point = self.progress.add_task(point.describe(), total=items)

    def advance(self, items: int) -> None:
        self.progress.advance(self.point, items)

    def point_finished(self, point: Point, record: dict[str, Any]) -> None:
        cells = []
        for m in self.metrics:
            mean, ci = mean_ci(record["metrics"][m])
            cells.append(f"{mean:>8.3f} ±{ci:>6.3f}" if ci == ci else f"{mean:>16.3f}")
        label = point.system.label + (f" [{point.system.name} {point.params}]"
                                      if record["envelope"] else "")
        self.row(f"{label[:24]:<24} {point.channel.label[:22]:<22} {record['cbr_label']:>6} "
                 f"{point.snr_db:>7g} {record['count']:>4} " + " ".join(cells)
                 + f" {record['wall_time_s']:>7.1f}")
        self.progress.advance(self.overall)

    def stop(self) -> None:
        self.progress.stop()


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("run", help="run a scenario sweep (resumes finished points)")
    p.add_argument("scenario", help="scenario TOML file")
    p.add_argument("--out", help="output folder (default: the scenario's 'output')")
    p.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE",
                   help="override a scenario key, e.g. --set stop.max_items=4 (repeatable)")
    p.add_argument("--no-plots", action="store_true", help="skip the PNG figures")
    p.set_defaults(main=main)


def main(args: argparse.Namespace) -> int:
    scenario = load_scenario(args.scenario, args.overrides)
    table = LiveTable(scenario.metrics)
    runner = Runner(scenario, output=args.out, reporter=table)
    try:
        records = runner.run()
    finally:
        table.stop()
    print(f"# {len(records)} records in {runner.output / 'results.jsonl'} (+ results.csv)",
          file=sys.stderr)
    if not args.no_plots:
        paths = plot_records(records, runner.output, scenario.name)
        print(f"# {len(paths)} plots in {runner.output}", file=sys.stderr)
    return 0
