"""Full-size Kodak (768x512) inference of the learned image systems: seconds per image, one
thread, warm, best of ``--reps`` (a benchmark, not a test); with ``--rev``, this tree against
a git revision, side by side.

    OMP_NUM_THREADS=1 PYTHONPATH=. python benchmarks/bench_kodak_inference.py [--reps 3]
    PYTHONPATH=. python benchmarks/bench_kodak_inference.py --rev 68b62cb --rounds 3
        [--out benchmarks/results/kodak_inference]
    OMP_NUM_THREADS=1 PYTHONPATH=. python benchmarks/bench_kodak_inference.py --layouts
        --systems adjscc-campaign deepjscc-campaign [--out benchmarks/results/kodak_inference]

Each measurement is a fresh process (``--child``) that sends kodim01-04 as one batch through
AWGN at 10 dB (``transmit``: encoder, channel, decoder) with the scenario's small checkpoints
at CBR 1/16, and reports the best wall time per image and a hash of the reconstructions.
With ``--rev`` the revision is checked out into a temporary git worktree and the two trees
alternate, system by system, for ``--rounds`` rounds; the report gives the best and the
median per tree, the ratio of the bests, and whether the reconstructions are bit-identical. ``--layouts`` runs each system
in this tree with PyTorch's default layout and in channels-last layout, alternately in one
process, and reports the largest difference of the reconstructions. Needs ../shared/data/kodak and
the shipped checkpoints.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from report_files import write_report

ROOT = Path(__file__).resolve().parents[1]
#: label -> (system, checkpoint at CBR 1/16), as in scenarios/image/kodak_awgn.toml
CHECKPOINTS = {
    "mambajscc": ("mambajscc", "mambajscc-small-cbr1_16-rayleigh-snr0_20"),
    "mambajscc-campaign": ("mambajscc", "mambajscc-small-c128-cbr1_16-rayleighfast-snr0_20"),
    "swinjscc": ("swinjscc", "swinjscc-small-cbr1_16-rayleigh-snr0_20"),
    "swinjscc-campaign": ("swinjscc", "swinjscc-small-c128-cbr1_16-rayleighfast-snr0_20"),
    "adjscc-campaign": ("adjscc", "adjscc-small-c128-cbr1_16-rayleighfast-snr0_20"),
    "deepjscc-campaign": ("deepjscc", "deepjscc-small-c128-cbr1_16-rayleighfast-snr0_20"),
}


def _use_tree(tree: Path) -> None:
    """Import ``linksim`` and ``linksim.baselines`` from ``tree`` (an installed editable
    linksim maps ``linksim.baselines`` to its own checkout otherwise)."""
    import importlib.util

    sys.path.insert(0, str(tree))
    import linksim

    spec = importlib.util.spec_from_file_location(
        "linksim.baselines", tree / "baselines" / "__init__.py",
        submodule_search_locations=[str(tree / "baselines")])
    module = importlib.util.module_from_spec(spec)
    sys.modules["linksim.baselines"] = module
    spec.loader.exec_module(module)
    linksim.baselines = module


def kodak_batch(root: str):
    """kodim01-04 as one [4, 3, 512, 768] float tensor in [0, 1] (portraits turned)."""
    import numpy as np
    import torch
    from PIL import Image

    images = []
    for i in range(1, 5):
        a = torch.from_numpy(np.array(Image.open(f"{root}/kodim{i:02d}.png").convert("RGB")))
        x = a.permute(2, 0, 1).float() / 255
        images.append(x if x.shape[-1] == 768 else x.transpose(-1, -2))
    return torch.stack(images)


def _timed(name: str, kodak: str):
    """(model maker, batch, timed send) for one system of :data:`CHECKPOINTS` in this
    process, one thread; ``send(model, x)`` returns (seconds, reconstructions)."""
    import torch

    import linksim.baselines.image  # noqa: F401  (registers the peers)
    import linksim.tasks.image  # noqa: F401
    from linksim.base.allocator import reuse_freed_memory
    from linksim.base.registry import CHANNELS, SYSTEMS
    from linksim.channels.base import Link

    torch.set_num_threads(1)
    reuse_freed_memory()
    system, checkpoint = CHECKPOINTS[name]
    channel = CHANNELS.get("awgn")()

    def make():
        return SYSTEMS.get(system)(cbr=1 / 16, checkpoint=checkpoint).eval()

    def send(model, x):
        t = time.perf_counter()
        with torch.no_grad():
            x_hat, _ = model.transmit(x, Link(channel, 10.0, 4, seeds=[1, 2, 3, 4]))
        return time.perf_counter() - t, x_hat

    return make, kodak_batch(kodak), send


def child(name: str, tree: Path, kodak: str, reps: int) -> dict:
    """Seconds per image of one system in this process, and a hash of its reconstructions."""
    _use_tree(tree)
    import linksim.baselines.image
    import linksim.tasks.image

    for module in (linksim.tasks.image, linksim.baselines.image):  # the tree's own code
        assert Path(module.__file__).resolve().is_relative_to(tree), module.__file__
    make, x, send = _timed(name, kodak)
    model = make()
    send(model, x[..., :128, :128])  # warm-up
    runs = [send(model, x) for _ in range(reps)]
    x_hat = runs[-1][1]
    return {"s_per_image": min(t for t, _ in runs) / 4,
            "sha1": hashlib.sha1(x_hat.contiguous().numpy().tobytes()).hexdigest()[:16]}


def layouts(name: str, kodak: str, reps: int) -> dict:
    """Seconds per image with the model and the batch in PyTorch's default (NCHW) layout and
    in channels-last layout, alternating in this process, and the largest difference between
    the two reconstructions (oneDNN picks other convolution kernels for the second)."""
    import torch

    make, x, send = _timed(name, kodak)
    formats = {"nchw": torch.contiguous_format, "channels_last": torch.channels_last}
    models = {k: make().to(memory_format=f) for k, f in formats.items()}
    batches = {k: x.contiguous(memory_format=f) for k, f in formats.items()}
    times, out = {k: [] for k in formats}, {}
    for i in range(reps + 1):  # the first round warms up
        for k in formats:
            t, out[k] = send(models[k], batches[k])
            if i:
                times[k].append(t)
    best = {k: min(v) / 4 for k, v in times.items()}
    return {"s_per_image": best, "speedup": best["nchw"] / best["channels_last"],
            "max_abs_difference": (out["nchw"] - out["channels_last"]).abs().max().item()}


def measure(name: str, tree: Path, kodak: str, reps: int) -> dict:
    """:func:`child` in a fresh process."""
    out = subprocess.run([sys.executable, __file__, "--child", name, "--tree", str(tree),
                          "--kodak", kodak, "--reps", str(reps)],
                         env={**os.environ, "OMP_NUM_THREADS": "1", "PYTHONPATH": str(tree)},
                         capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def compare(rev: str, names: list[str], kodak: str, reps: int, rounds: int) -> tuple[dict, list[str]]:
    """This tree against ``rev``, alternating per system and round."""
    with tempfile.TemporaryDirectory() as tmp:
        old = Path(tmp) / "rev"
        subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", str(old), rev],
                       check=True, capture_output=True)
        try:
            runs = {n: {"rev": [], "tree": []} for n in names}
            load = [os.getloadavg()]
            for _ in range(rounds):
                for n in names:
                    runs[n]["rev"].append(measure(n, old, kodak, reps))
                    runs[n]["tree"].append(measure(n, ROOT, kodak, reps))
            load.append(os.getloadavg())
        finally:
            subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(old)],
                           check=False, capture_output=True)
    return render(rev, rounds, reps, load, runs)


def render(rev: str, rounds: int, reps: int, load: list, runs: dict) -> tuple[dict, list[str]]:
    """The report of :func:`compare` from its per-process times: the best and the median of
    the ``rounds`` processes per tree (host noise only adds time, so the best is the
    steadier estimate), the ratio of the bests, and whether every reconstruction agreed."""
    rows = {}
    for n, by in runs.items():
        times = {k: [r["s_per_image"] for r in v] for k, v in by.items()}
        best = {k: min(v) for k, v in times.items()}
        med = {k: statistics.median(v) for k, v in times.items()}
        hashes = {r["sha1"] for v in by.values() for r in v}
        rows[n] = {"best": best, "median": med, "speedup": best["rev"] / best["tree"],
                   "identical": len(hashes) == 1}
    lines = [f"This tree against `{rev}`, one thread, seconds per 768 x 512 image (batch of four, "
             f"encoder, AWGN at 10 dB, decoder): best and median of {rounds} alternating fresh "
             f"processes per tree (each the best of {reps} batches). Load average before / after: "
             f"{load[0][0]:.2f} / {load[1][0]:.2f}.", "",
             f"| system | {rev} best | this tree best | speedup (best) | {rev} median | "
             "this tree median | same reconstructions |",
             "|---|---:|---:|---:|---:|---:|---|"]
    lines += [f"| {n} | {r['best']['rev']:.3f} | {r['best']['tree']:.3f} | {r['speedup']:.2f}x | "
              f"{r['median']['rev']:.3f} | {r['median']['tree']:.3f} | "
              f"{'yes' if r['identical'] else 'NO'} |" for n, r in rows.items()]
    return {"rev": rev, "rounds": rounds, "reps": reps, "load_avg": load, "rows": rows,
            "runs": runs}, lines


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--rev", default=None, help="git revision to compare this tree with")
    ap.add_argument("--systems", nargs="+", default=list(CHECKPOINTS), choices=list(CHECKPOINTS))
    ap.add_argument("--layouts", action="store_true",
                    help="NCHW against channels-last in one process (this tree)")
    ap.add_argument("--kodak", default=str(ROOT.parent / "shared" / "data" / "kodak"))
    ap.add_argument("--out", type=Path, default=None,
                    help="folder for kodak_inference.json / .md (--layouts: layouts.json)")
    ap.add_argument("--child", default=None, help=argparse.SUPPRESS)
    ap.add_argument("--tree", type=Path, default=ROOT, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        print(json.dumps(child(args.child, args.tree.resolve(), args.kodak, args.reps)))
        return 0
    if args.layouts:
        report = {n: layouts(n, args.kodak, args.reps) for n in args.systems}
        print(json.dumps(report, indent=1))
        write_report(args.out, "layouts", report)
        return 0
    if args.rev is None:
        for n in args.systems:
            print(f"{n:20s} {measure(n, ROOT, args.kodak, args.reps)['s_per_image']:.3f} s/image")
        return 0
    report, lines = compare(args.rev, args.systems, args.kodak, args.reps, args.rounds)
    print("\n".join(lines))
    write_report(args.out, "kodak_inference", report, lines)
    return 0


if __name__ == "__main__":
    sys.exit(main())
