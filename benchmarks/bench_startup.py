"""Start-up time of the CLI: ``linksim --version`` and ``--help`` (goal: under 1 s).

    python benchmarks/bench_startup.py [--repeats 5]
"""
from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeats", type=int, default=5)
    args = ap.parse_args()
    for flag in ("--version", "--help"):
        times = []
        for _ in range(args.repeats):
            t0 = time.perf_counter()
            subprocess.run([sys.executable, "-m", "linksim", flag], check=True,
                           stdout=subprocess.DEVNULL)
            times.append(time.perf_counter() - t0)
        print(f"linksim {flag}: median {statistics.median(times):.3f} s over {args.repeats}")


if __name__ == "__main__":
    main()
