"""``linksim run SCENARIO``: sweep, live table, records, CSV and plots."""
from __future__ import annotations

import argparse
import sys


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("run", help="run a scenario sweep (resumes finished points)")
    p.add_argument("scenario", help="scenario TOML file")
    p.add_argument("--out", help="output folder (default: the scenario's 'output')")
    p.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE",
                   help="override a scenario key, e.g. --set stop.max_items=4 (repeatable)")
    p.add_argument("--no-plots", action="store_true", help="skip the PNG figures")
    p.add_argument("--fresh", action="store_true",
                   help="recompute every point instead of reusing existing records")
    p.add_argument("--append", action="store_true",
                   help="add to records of a scenario with another seed, source, stop rule "
                        "or metrics (refused otherwise)")
    p.add_argument("--wait", action="store_true",
                   help="wait for another run writing to the same folder instead of refusing")
    p.add_argument("--workers", type=int, default=None, metavar="N",
                   help="run N grid points at once (local processes unless --executor ray; "
                        "records are identical to a serial run)")
    p.add_argument("--executor", default=None, metavar="NAME",
                   help="where points run: serial, processes or ray (default: serial, or "
                        "processes with --workers N > 1)")
    p.add_argument("--address", default=None, metavar="auto|HOST:PORT",
                   help="with --executor ray: join this Ray cluster (default: a private "
                        "local instance)")
    p.set_defaults(main=main)


def main(args: argparse.Namespace) -> int:
    from linksim.cli._live import LiveTable
    from linksim.core.executors import make_executor
    from linksim.core.record import read_records
    from linksim.core.runner import Runner
    from linksim.plots import plot_records
    from linksim.scenario import load_scenario

    scenario = load_scenario(args.scenario, args.overrides)
    executor = make_executor(args.executor, args.workers, args.address)
    runner = Runner(scenario, output=args.out, fresh=args.fresh, append=args.append,
                    wait=args.wait, executor=executor)
    table = runner.reporter = LiveTable(runner.task, scenario.metrics, runner.points())
    try:
        records = runner.run()
    except KeyboardInterrupt:  # the CSV is already rebuilt; draw what is finished too
        table.stop()
        if not args.no_plots and (done := read_records(runner.output)):
            plot_records(done, runner.output, scenario.name)
        raise
    finally:
        table.stop()
    print(f"# {len(records)} records in {runner.output / 'results.jsonl'} (+ results.csv)",
          file=sys.stderr)
    if not args.no_plots:
        paths = plot_records(records, runner.output, scenario.name)
        print(f"# {len(paths)} plots in {runner.output}", file=sys.stderr)
    return report_failures(runner)


def report_failures(runner) -> int:
    """Exit code 1 and the list of failed points (each with its error) if any failed."""
    if runner.retried:
        print(f"# {runner.retried} point runs restarted after their worker died",
              file=sys.stderr)
    if not runner.failed:
        return 0
    print(f"linksim: {len(runner.failed)} grid points failed (the others are recorded; a "
          "rerun retries only these):", file=sys.stderr)
    for point, error in runner.failed:
        print(f"  {point.describe(runner.task)}: {error}", file=sys.stderr)
    return 1
