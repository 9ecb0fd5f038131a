"""Beamformer design time per instance versus the number of users K (a benchmark, not a test).

    OMP_NUM_THREADS=1 PYTHONPATH=. python benchmarks/bench_beamforming.py \
        [--users 10 50 100 200] [--out results/beamforming/bench]

For each K (M = 64 antennas up to K = 50, M = 256 above, as issue 13 asks) the reference
``ee_opt``, ``gnn``, ``gnn_mamba`` and ``cnn`` design beamformers for the same drops and
fades (3GPP UMi cell of the task, P_max = 30 dBm), side by side in one process on one
thread:

* batch 1: median over ``--repeats`` instances of the wall time of one
  :meth:`~linksim.tasks.beamforming.system.BeamformingSystem.design` call, after a
  warm-up call;
* batch 256: the wall time of one call on 256 instances divided by 256. The reference
  would take minutes to hours there at large K, so it runs on ``REFERENCE_BATCH[K]``
  instances instead (the batch column says how many; its per-instance time hardly depends
  on the batch on one thread) and on ``REFERENCE_REPEATS[K]`` instances at batch 1.

Learned systems use random weights (time does not depend on them; the shipped checkpoints
exist for M = 64 only); the cnn is built for each K (``users = K``), as a fixed-size
network must be. Writes ``<out>.json``, ``<out>.md`` (the README table) and ``<out>.png``
(time versus K, log scale).
"""
from __future__ import annotations

import argparse
import json
import platform
import statistics
import time
from pathlib import Path

import torch

import linksim.baselines.beamforming  # noqa: F401  (registers the peers)
import linksim.tasks.beamforming  # noqa: F401
from linksim.channels.base import Link
from linksim.base.registry import CHANNELS, SYSTEMS
from linksim.tasks.beamforming.cell import Cell, dbm_to_w
from linksim.tasks.beamforming.drops import Drops
from linksim.tasks.beamforming.system import channel

SYSTEM_NAMES = ("ee_opt", "gnn", "gnn_mamba", "cnn")
LABELS = {"ee_opt": "Reference (ee_opt)", "gnn": "GNN", "gnn_mamba": "GNN-Mamba", "cnn": "CNN"}
BATCH = 256
P_MAX_DBM = 30.0
#: instances the reference designs for at batch 1 / in its "batch 256" call, per K
REFERENCE_REPEATS = {10: 3, 50: 2, 100: 1, 200: 1}
REFERENCE_BATCH = {10: 256, 50: 16, 100: 2, 200: 1}


def antennas(k: int) -> int:
    return 64 if k <= 50 else 256


def instances(k: int, m: int, count: int) -> tuple[torch.Tensor, torch.Tensor, Cell]:
    """``count`` noise-normalized channels [count, K, M], budgets [count] (W), the cell."""
    cell = Cell()
    gen = torch.Generator().manual_seed(k)
    distance, gain = cell.drop(count, k, gen)
    link = Link(CHANNELS.get("rayleigh")(fading="fast"), 0.0, count,
                seeds=list(range(count)), shape=(k, m))
    h = channel(Drops(distance, gain, cell), link.realization(k).h)
    return h, torch.full((count,), float(dbm_to_w(P_MAX_DBM)), dtype=torch.float64), cell


def build(name: str, k: int, m: int):
    cls = SYSTEMS.get(name, "beamforming")
    params = {"random_weights": True} if getattr(cls, "learned", False) else {}
    if name == "cnn":
        params["users"] = k
    torch.manual_seed(0)
    return cls(num_users=k, p_max_dbm=P_MAX_DBM, num_antennas=m, **params).eval()


def seconds(system, h: torch.Tensor, p: torch.Tensor, cell: Cell) -> float:
    t0 = time.perf_counter()
    system.design(h, p, cell)
    return time.perf_counter() - t0


def measure(name: str, k: int, repeats: int) -> dict[str, float | int]:
    """ms per instance at batch 1 (median of ``repeats``) and at batch 256 (or the
    reference's smaller batch)."""
    m = antennas(k)
    reference = name == "ee_opt"
    ones = REFERENCE_REPEATS[k] if reference else repeats
    batch = REFERENCE_BATCH[k] if reference else BATCH
    h, p, cell = instances(k, m, max(ones, batch))
    system = build(name, k, m)
    with torch.no_grad():
        if not reference:
            seconds(system, h[:1], p[:1], cell)                     # warm-up
        one = [seconds(system, h[i:i + 1], p[i:i + 1], cell) for i in range(ones)]
        many = seconds(system, h[:batch], p[:batch], cell) / batch
    return {"users": k, "antennas": m, "system": name,
            "batch1_ms": round(1e3 * statistics.median(one), 4), "batch1_instances": ones,
            "batch_ms": round(1e3 * many, 4), "batch": batch,
            "params": sum(q.numel() for q in system.parameters())}


def markdown(rows: list[dict]) -> str:
    users = sorted({r["users"] for r in rows})
    by = {(r["system"], r["users"]): r for r in rows}
    head = "| system | " + " | ".join(f"K={k} (M={antennas(k)})" for k in users) + " |"
    out = ["ms per instance, batch 1 / batch 256 (reference: batch in brackets)", "",
           head, "|---|" + "---|" * len(users)]
    for name in SYSTEM_NAMES:
        cells = []
        for k in users:
            r = by.get((name, k))
            if r is None:
                cells.append("")
                continue
            note = f" [{r['batch']}]" if r["batch"] != BATCH else ""
            cells.append(f"{r['batch1_ms']:.3g} / {r['batch_ms']:.3g}{note}")
        out.append(f"| {LABELS[name]} | " + " | ".join(cells) + " |")
    return "\n".join(out) + "\n"


def figure(rows: list[dict], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 4))
    for name in SYSTEM_NAMES:
        mine = sorted((r for r in rows if r["system"] == name), key=lambda r: r["users"])
        ks = [r["users"] for r in mine]
        ax.plot(ks, [r["batch1_ms"] for r in mine], "o-", label=f"{LABELS[name]}, batch 1")
        ax.plot(ks, [r["batch_ms"] for r in mine], "s--", label=f"{LABELS[name]}, batch 256")
    ax.set_yscale("log")
    ax.set_xlabel("users K (M = 64 up to K = 50, 256 above)")
    ax.set_ylabel("design time per instance (ms)")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--users", type=int, nargs="+", default=[10, 50, 100, 200])
    ap.add_argument("--systems", nargs="+", default=list(SYSTEM_NAMES), choices=SYSTEM_NAMES)
    ap.add_argument("--repeats", type=int, default=5, help="batch-1 instances (learned)")
    ap.add_argument("--out", default="results/beamforming/bench")
    args = ap.parse_args()
    bad = sorted(set(args.users) - set(REFERENCE_REPEATS))
    if bad:
        ap.error(f"--users {bad}: choose from {sorted(REFERENCE_REPEATS)}")
    torch.set_num_threads(1)
    rows = []
    for k in args.users:
        for name in args.systems:
            rows.append(measure(name, k, args.repeats))
            print(json.dumps(rows[-1]), flush=True)
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    meta = {"machine": f"{platform.machine()}, {platform.processor() or 'cpu'}, torch "
                       f"{torch.__version__}, {torch.get_num_threads()} thread",
            "p_max_dbm": P_MAX_DBM, "rows": rows}
    out.with_suffix(".json").write_text(json.dumps(meta, indent=1) + "\n")
    out.with_suffix(".md").write_text(markdown(rows))
    figure(rows, out.with_suffix(".png"))
    print(markdown(rows))


if __name__ == "__main__":
    main()
