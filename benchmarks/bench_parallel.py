"""Parallel grid points: speedup and identical records, serial against N workers (and Ray).

    python benchmarks/bench_parallel.py [SCENARIO] [--workers 2] [--ray] [--no-reuse-baseline]
                                        [--set KEY=VALUE ...] [--json FILE] [--md FILE]

Runs one scenario (default: the quick start, whose points are CPU-bound learned inference)
several ways in one process, each into a fresh folder: with ``--no-reuse-baseline`` first
the serial executor recomputing every transmission (``LINKSIM_REUSE_MB=0``: no sent signal
reused across SNRs, as before ``System.transmitter_axes``), then the serial executor
(PyTorch on one thread, as each worker uses), ``--workers N`` local processes and, with
``--ray``, a private local Ray instance with N CPUs. It prints the wall time of each, the
speedup over the serial run, and whether every record is identical to the serial one in
every field except wall time and host (file order included). Exit code 1 when any record
differs. ``--md`` writes the table as Markdown with the machine and its load average.

The speedup includes everything a user waits for: pool start, model loading in every
worker, and the driver's record appends. Run it on an otherwise idle machine.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import tempfile
import time
from dataclasses import asdict
from pathlib import Path

import torch

from linksim.core.executors import make_executor
from linksim.core.runner import Runner, SilentReporter
from linksim.scenario import load_scenario

ROOT = Path(__file__).resolve().parents[1]
VOLATILE = ("wall_time_s", "host")


def stable(records) -> list[str]:
    """Every record as canonical JSON without the fields that may differ between runs."""
    return [json.dumps({k: v for k, v in asdict(r).items() if k not in VOLATILE},
                       sort_keys=True) for r in records]


def timed_run(path: Path, overrides: list[str], out: Path, executor,
              reuse_mb: str | None = None) -> tuple[float, list]:
    scenario = load_scenario(path, overrides)
    before = os.environ.get("LINKSIM_REUSE_MB")
    if reuse_mb is not None:
        os.environ["LINKSIM_REUSE_MB"] = reuse_mb
    try:
        t0 = time.perf_counter()
        runner = Runner(scenario, output=out, executor=executor, reporter=SilentReporter())
        records = runner.run()
    finally:
        if before is None:
            os.environ.pop("LINKSIM_REUSE_MB", None)
        else:
            os.environ["LINKSIM_REUSE_MB"] = before
    if runner.failed:
        raise SystemExit(f"{len(runner.failed)} points failed: {runner.failed[0]}")
    return time.perf_counter() - t0, records


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("scenario", nargs="?", default=str(ROOT / "scenarios/image/quickstart.toml"))
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--ray", action="store_true", help="also run on a private local Ray")
    ap.add_argument("--set", action="append", default=[], metavar="KEY=VALUE")
    ap.add_argument("--no-reuse-baseline", action="store_true",
                    help="first a serial run that reuses no sent signal (the old runner)")
    ap.add_argument("--rounds", type=int, default=1,
                    help="repeat serial and processes this many times, alternating (a load "
                         "that changes meanwhile hits both alike); speedups within a round")
    ap.add_argument("--json", type=Path, default=None, help="also write the results here")
    ap.add_argument("--md", type=Path, default=None, help="also write a Markdown table here")
    args = ap.parse_args(argv)
    torch.set_num_threads(1)  # the serial run gets what each worker gets: one thread
    path = Path(args.scenario)
    runs: dict[str, tuple[float, list]] = {}
    base: dict[str, str] = {}  # run -> the serial run of its round
    load = [os.getloadavg()[0]]
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        for k in range(1, args.rounds + 1):
            tag = f" #{k}" if args.rounds > 1 else ""
            names = []
            if args.no_reuse_baseline:
                names.append(f"serial, no reuse{tag}")
                runs[names[-1]] = timed_run(path, args.set, tmp / f"serial0{k}",
                                            make_executor("serial"), reuse_mb="0")
            names.append(f"serial{tag}")
            runs[names[-1]] = timed_run(path, args.set, tmp / f"serial{k}",
                                        make_executor("serial"))
            names.append(f"processes x{args.workers}{tag}")
            runs[names[-1]] = timed_run(path, args.set, tmp / f"processes{k}",
                                        make_executor(workers=args.workers))
            base.update({n: f"serial{tag}" for n in names})
        if args.ray:
            import ray
            ray.init(num_cpus=args.workers, include_dashboard=False, log_to_driver=False)
            try:
                runs[f"ray x{args.workers}"] = timed_run(
                    path, args.set, tmp / "ray", make_executor("ray"))
                base[f"ray x{args.workers}"] = f"serial{tag}"
            finally:
                ray.shutdown()
    load.append(os.getloadavg()[0])
    serial = runs[next(iter(base.values()))][1]
    reference = stable(serial)
    rows, identical = [], True
    print(f"{path.name} {' '.join(args.set)}: {len(serial)} points, "
          f"{os.cpu_count()} CPUs ({platform.processor() or platform.machine()}), "
          f"torch {torch.__version__}")
    print(f"{'executor':<20} {'wall s':>8} {'speedup':>8}  records")
    for name, (wall, records) in runs.items():
        same = stable(records) == reference
        identical &= same
        rows.append({"executor": name, "wall_s": round(wall, 2),
                     "speedup": round(runs[base[name]][0] / wall, 3), "identical": same})
        print(f"{name:<20} {wall:8.1f} {runs[base[name]][0] / wall:8.2f}  "
              f"{'identical to serial' if same else 'DIFFERENT from serial'}")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps({
            "scenario": str(path.relative_to(ROOT) if path.is_relative_to(ROOT) else path),
            "overrides": args.set, "points": len(serial), "cpus": os.cpu_count(),
            "torch": torch.__version__, "load_avg": load, "runs": rows}, indent=2) + "\n")
    if args.md:
        args.md.parent.mkdir(parents=True, exist_ok=True)
        args.md.write_text(markdown(path, args, len(serial), load, rows))
    return 0 if identical else 1


def markdown(path: Path, args, points: int, load: list[float], rows: list[dict]) -> str:
    """The runs as a Markdown table, with the command, the machine and its load."""
    name = path.relative_to(ROOT) if path.is_relative_to(ROOT) else path
    lines = [f"# `{name}` on every executor\n",
             f"Generated by `python benchmarks/bench_parallel.py {' '.join(sys.argv[1:])}`: "
             f"{points} points, {os.cpu_count()} CPUs "
             f"({platform.processor() or platform.machine()}), torch {torch.__version__}, "
             f"one PyTorch thread per point, load average {load[0]:.2f} at the start and "
             f"{load[1]:.2f} at the end (1 min). Speedup: over the serial run (which reuses "
             "sent signals) of the same round (`#k`: serial and processes alternate, so a "
             "load that changes hits both); all runs in one process one after the other, "
             "the first one also warming the process's caches. Records: compared with the "
             "first serial run, every field but wall time and host.\n",
             "| run | wall s | speedup | records |", "|---|---:|---:|---|"]
    for r in rows:
        lines.append(f"| {r['executor']} | {r['wall_s']:.1f} | {r['speedup']:.2f} | "
                     f"{'identical to serial' if r['identical'] else 'DIFFERENT'} |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    sys.exit(main())
