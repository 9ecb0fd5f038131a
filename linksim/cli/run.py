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
    p.add_argument("--dry-run", action="store_true",
                   help="compute nothing: list the points that would be computed, reused or "
                        "refused (exit 2 if the run would be refused)")
    p.add_argument("--wait", action="store_true",
                   help="wait for another run writing to the same folder instead of refusing")
    p.add_argument("--workers", type=int, default=None, metavar="N",
                   help="run N grid points at once (local processes unless --executor ray; "
                        "default: one per CPU core; records are identical to a serial run)")
    p.add_argument("--threads", type=int, default=None, metavar="T",
                   help="PyTorch threads per grid point (default 1: every executor and "
                        "worker count gives bit-identical records; more threads change the "
                        "last bits of float sums)")
    p.add_argument("--executor", default=None, metavar="NAME",
                   help="where points run: serial, processes or ray (default: processes "
                        "with more than one worker, else serial)")
    p.add_argument("--address", default=None, metavar="auto|HOST:PORT",
                   help="with --executor ray: join this Ray cluster (default: a private "
                        "local instance)")
    p.set_defaults(main=main)


def main(args: argparse.Namespace) -> int:
    from linksim.scenario.reading import read_toml

    read_toml(args.scenario)  # a missing or malformed file fails before torch is imported
    from linksim.scenario import load_scenario

    scenario = load_scenario(args.scenario, args.overrides)  # before the runner and plots
    from linksim.cli._live import LiveTable
    from linksim.cli._signals import stop_like_ctrl_c
    from linksim.core.executors import default_workers, make_executor
    from linksim.core.record import read_records
    from linksim.core.runner import Runner
    from linksim.plots import plot_records

    workers = args.workers
    if workers is None and args.executor in (None, "processes") and not args.dry_run:
        workers = default_workers()  # one point per core (serial on one core)
    executor = make_executor(args.executor, workers, args.address, args.threads)
    runner = Runner(scenario, output=args.out, fresh=args.fresh, append=args.append,
                    wait=args.wait, executor=executor)
    if args.dry_run:
        return dry_run(runner)
    table = runner.reporter = LiveTable(runner.task, scenario.metrics, runner.points())
    # SIGTERM, and SIGINT also when started with it ignored (`linksim run ... &` in a
    # script), stop the run like Ctrl-C: finished points kept, results.csv and figures written
    try:
        with stop_like_ctrl_c():
            try:
                records = runner.run()
            except KeyboardInterrupt:  # the CSV is already rebuilt; draw what is finished too
                table.stop()
                if not args.no_plots and (done := read_records(runner.output)):
                    plot_records(done, runner.output, scenario.name)
                raise
            finally:
                table.stop()
    finally:
        if runner.repaired:
            print(f"# {runner.output / 'results.jsonl'}: dropped its half-written last line "
                  "(a crash during a write); that point was run again", file=sys.stderr)
    print(f"# {len(records)} records in {runner.output / 'results.jsonl'} (+ results.csv)",
          file=sys.stderr)
    if not args.no_plots:
        paths = plot_records(records, runner.output, scenario.name)
        print(f"# {len(paths)} plots in {runner.output}", file=sys.stderr)
    return report_failures(runner)


def dry_run(runner) -> int:
    """Print what the run would do with each point; exit 2 (its one-line error) when the
    run would be refused, else 0."""
    from linksim.core.plan import COMPUTE, REFUSE
    from linksim.errors import LinksimError

    plan = runner.plan()
    for planned in plan.points:
        if planned.status in (COMPUTE, REFUSE):
            print(f"{planned.status:8} {planned.point.describe(runner.task)}")
    if plan.torn:
        print(f"# {runner.output / 'results.jsonl'} ends with a half-written line (a crash "
              "during a write): a run drops it", file=sys.stderr)
    print(f"# dry run into {runner.output}: {plan.summary()}", file=sys.stderr)
    if plan.refusal:
        raise LinksimError(plan.refusal)
    return 0


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
