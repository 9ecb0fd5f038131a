"""CPU time, page faults and peak memory of full-size Kodak inference with glibc's default
malloc thresholds and with :func:`linksim.base.allocator.reuse_freed_memory` (a benchmark,
not a test).

    PYTHONPATH=. python benchmarks/bench_allocator.py [--rounds 3] [--out benchmarks/results/allocator]

For each learned image system of ``scenarios/image/kodak_awgn.toml`` (the shipped small
checkpoints at CBR 1/16), one fresh process per (system, setting, round), the two settings
interleaved: a batch of four 768 x 512 Kodak images through ``transmit`` (AWGN, 10 dB) once
to warm up, then three times measured. Reported per image: user and system CPU seconds
(``getrusage``), minor page faults, peak resident set, and a SHA-1 of the reconstructions
(equal across settings: the arithmetic is the same). Needs ../shared/data/kodak.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

from report_files import write_report

ROOT = Path(__file__).resolve().parents[1]
CHECKPOINTS = {"mambajscc": "mambajscc-small-cbr1_16-rayleigh-snr0_20",
               "swinjscc": "swinjscc-small-cbr1_16-rayleigh-snr0_20",
               "adjscc": "adjscc-small-cbr1_16-rayleigh-snr0_20",
               "deepjscc": "deepjscc-small-cbr1_16-rayleigh-snr10"}
SETTINGS = {"glibc defaults": {"LINKSIM_MALLOC": "system"}, "reuse_freed_memory": {}}
IMAGES, PASSES = (1, 2, 3, 5), 3  # four landscape images (kodim04 is portrait)


def child(system: str, kodak: str) -> dict:
    """One measurement in this process (run through ``--child``)."""
    import hashlib
    import resource

    import numpy as np
    import torch
    from PIL import Image

    import linksim.baselines.image  # noqa: F401  (registers the peers)
    import linksim.tasks.image  # noqa: F401
    from linksim.base.allocator import reuse_freed_memory
    from linksim.base.registry import CHANNELS, SYSTEMS
    from linksim.channels.base import Link

    torch.set_num_threads(1)
    applied = reuse_freed_memory()
    x = torch.cat([torch.from_numpy(np.array(Image.open(f"{kodak}/kodim{i:02d}.png").convert("RGB")))
                   .permute(2, 0, 1)[None].float() / 255 for i in IMAGES])
    model = SYSTEMS.get(system)(cbr=1 / 16, checkpoint=CHECKPOINTS[system]).eval()
    link = lambda: Link(CHANNELS.get("awgn")(), 10.0, len(IMAGES), seeds=list(range(len(IMAGES))))  # noqa: E731
    with torch.no_grad():
        model.transmit(x, link())
        before, t = resource.getrusage(resource.RUSAGE_SELF), time.perf_counter()
        for _ in range(PASSES):
            x_hat = model.transmit(x, link())[0]
        wall, after = time.perf_counter() - t, resource.getrusage(resource.RUSAGE_SELF)
    n = PASSES * len(IMAGES)
    return {"applied": applied, "wall_s": wall / n, "user_s": (after.ru_utime - before.ru_utime) / n,
            "sys_s": (after.ru_stime - before.ru_stime) / n,
            "minflt": (after.ru_minflt - before.ru_minflt) / n, "maxrss_mb": after.ru_maxrss / 1024,
            "sha1": hashlib.sha1(x_hat.numpy().tobytes()).hexdigest()[:16]}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--kodak", default=str(ROOT.parent / "shared" / "data" / "kodak"))
    ap.add_argument("--systems", nargs="+", default=list(CHECKPOINTS))
    ap.add_argument("--out", type=Path, default=None, help="folder for allocator.json / .md")
    ap.add_argument("--child", default=None, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        print(json.dumps(child(args.child, args.kodak)))
        return 0
    runs: dict[str, dict[str, list[dict]]] = {s: {k: [] for k in SETTINGS} for s in args.systems}
    load = [os.getloadavg()]
    for _ in range(args.rounds):
        for system in args.systems:
            for setting, env in SETTINGS.items():
                out = subprocess.run([sys.executable, __file__, "--child", system, "--kodak", args.kodak],
                                     env={**os.environ, "PYTHONPATH": str(ROOT), "OMP_NUM_THREADS": "1", **env},
                                     capture_output=True, text=True, check=True)
                runs[system][setting].append(json.loads(out.stdout.strip().splitlines()[-1]))
    load.append(os.getloadavg())
    rows = []
    for system, by in runs.items():
        hashes = {r["sha1"] for rs in by.values() for r in rs}
        for setting, rs in by.items():
            med = {k: statistics.median(r[k] for r in rs) for k in ("wall_s", "user_s", "sys_s", "minflt", "maxrss_mb")}
            rows.append({"system": system, "setting": setting, "applied": rs[0]["applied"],
                         "identical_outputs": len(hashes) == 1, **med})
    report = {"rounds": args.rounds, "images": len(IMAGES) * PASSES, "load_avg": load, "rows": rows,
              "cpus": os.cpu_count(), "python": sys.version.split()[0]}
    lines = [f"Load average before / after: {load[0][0]:.2f} / {load[1][0]:.2f}; median of "
             f"{args.rounds} fresh processes per row; per image (768 x 512, batch of 4, one thread).", "",
             "| system | malloc | wall s | user s | sys s | minor faults | peak RSS MB | same outputs |",
             "|---|---|---:|---:|---:|---:|---:|---|"]
    lines += [f"| {r['system']} | {r['setting']} | {r['wall_s']:.3f} | {r['user_s']:.3f} | {r['sys_s']:.3f} | "
              f"{r['minflt']:.0f} | {r['maxrss_mb']:.0f} | {'yes' if r['identical_outputs'] else 'NO'} |"
              for r in rows]
    print("\n".join(lines))
    write_report(args.out, "allocator", report, lines)
    return 0


if __name__ == "__main__":
    sys.exit(main())
