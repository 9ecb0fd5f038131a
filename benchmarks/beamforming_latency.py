"""Latency of the graph-attention GNN against GNN-Mamba from K = 10 users to the
ultra-dense regime (a benchmark, not a test; issue 30).

    OMP_NUM_THREADS=1 PYTHONPATH=. python benchmarks/beamforming_latency.py \\
        [--users 10 30 100 300 1000 2000 4096] [--out results/beamforming/latency]

The cell of the task (3GPP UMi street canyon NLOS, users uniform in the 20-150 m annulus
around the base station, so K = 4096 is 5.9e4 users/km^2), M = 64 antennas (the M of the
shipped checkpoints, which are the models timed: ``gnn-k30-m64``, ``gnn_mamba-k30-m64``),
P_max = 30 dBm, CPU, batch 1, one thread, one process. For each K, after one warm-up call
per system:

* ``network_ms``: the learned part, graph features (O(K^2 M): Gram matrix and the
  K x K edge features) plus the network (``heads``: three graph-attention layers for the
  GNN, O(K^2 d) each; attention, Mamba over users (O(K d N)), attention for GNN-Mamba);
* ``design_ms``: the whole design as the scenarios run it, that plus the model-based output
  layer (the optimal structure, a K x K solve: O(K^3), the same for both), up to
  ``--design-max`` users (the solve takes minutes on one thread beyond).

Timing is interleaved and paired: at each repeat both systems run on the same fresh
instance back to back, in alternating order (GNN first on even repeats, GNN-Mamba first on
odd ones), so a change of machine load hits both alike. Per K the table gives the fastest
call of each (the JSON also holds the medians and every call) and the paired ratio
GNN-Mamba / GNN: the geometric mean over repeats of the per-instance ratio, with the 95%
Student-t interval of its logarithm (``--repeats`` per K below 1000, fewer above, stated
per row; no warm-up call from ``--warmup-max`` users on, where one call takes seconds).
The crossover is the K from which the paired ratio is below 1 (interpolated in log K).
Writes ``<out>.json`` and ``<out>.md`` after every K (a run stopped by a time limit keeps
the K finished so far); the JSON states the load average before and after.
"""
from __future__ import annotations

import argparse
import json
import math
import os
import platform
import statistics
import time
from pathlib import Path

import torch
from scipy.stats import t as t_dist

import linksim.baselines.beamforming  # noqa: F401  (registers the peers)
import linksim.tasks.beamforming  # noqa: F401
from linksim.base.registry import SYSTEMS
from linksim.tasks.beamforming.cell import Cell, dbm_to_w
from linksim.tasks.beamforming.drops import Drops
from linksim.tasks.beamforming.features import graph_features
from linksim.tasks.beamforming.structure import gram
from linksim.tasks.beamforming.system import channel

MODELS = {"gnn": "gnn-k30-m64", "gnn_mamba": "gnn_mamba-k30-m64"}
LABELS = {"gnn": "GNN (graph attention)", "gnn_mamba": "GNN-Mamba"}
ANTENNAS = 64
P_MAX_DBM = 30.0


def instance(k: int, seed: int) -> tuple[torch.Tensor, torch.Tensor, Cell]:
    """One noise-normalized channel [1, K, M] of the cell, its budget [1] (W), the cell."""
    cell = Cell()
    gen = torch.Generator().manual_seed(seed)
    distance, gain = cell.drop(1, k, gen)
    fading = torch.complex(torch.randn(1, k, ANTENNAS, dtype=torch.float64, generator=gen),
                           torch.randn(1, k, ANTENNAS, dtype=torch.float64, generator=gen))
    h = channel(Drops(distance, gain, cell), fading / math.sqrt(2.0))
    return h, torch.full((1,), float(dbm_to_w(P_MAX_DBM)), dtype=torch.float64), cell


def network(system, h: torch.Tensor, p: torch.Tensor) -> None:
    node, edge, gain_db = graph_features(h, p, gram(h))
    system.heads(node, edge, torch.argsort(gain_db, dim=-1, descending=True))


def timed(fn) -> float:
    t0 = time.perf_counter()
    fn()
    return 1e3 * (time.perf_counter() - t0)


def paired_ratio(b: list[float], a: list[float]) -> tuple[float, float, float]:
    """(geometric mean of b_i / a_i, its 95% interval low, high): Student t on log ratios."""
    logs = [math.log(x / y) for x, y in zip(b, a)]
    mean = statistics.fmean(logs)
    if len(logs) < 2:
        return math.exp(mean), math.nan, math.nan
    half = float(t_dist.ppf(0.975, len(logs) - 1)) * statistics.stdev(logs) / math.sqrt(len(logs))
    return math.exp(mean), math.exp(mean - half), math.exp(mean + half)


def running(pids: list[int]) -> list[int]:
    """Those of ``pids`` (processes stopped for the run) that are not stopped now."""
    out = []
    for pid in pids:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except (OSError, IndexError):
            continue                                     # gone: it takes no CPU
        if state not in ("T", "t"):
            out.append(pid)
    return out


def measure(systems: dict, k: int, repeats: int, design: bool, warmup: bool,
            watch: list[int]) -> list[dict]:
    """Rows of both systems at K: every call interleaved and paired on the same instance;
    ``resumed``: whether a process of ``watch`` was found running after a repeat."""
    names = list(systems)
    resumed = False
    calls = {name: {"network": [], "design": []} for name in names}
    with torch.no_grad():
        if warmup:
            h, p, cell = instance(k, 0)
            for s in systems.values():
                network(s, h, p)
        for r in range(repeats):
            h, p, cell = instance(k, 1 + r)
            order = names if r % 2 == 0 else names[::-1]
            for name in order:
                calls[name]["network"].append(timed(lambda: network(systems[name], h, p)))
            if design:
                for name in order:
                    calls[name]["design"].append(timed(lambda: systems[name].design(h, p, cell)))
            resumed = resumed or bool(running(watch))
    out = []
    for name in names:
        row = {"users": k, "antennas": ANTENNAS, "system": name, "checkpoint": MODELS[name],
               "repeats": repeats, "warmup": warmup, "others_resumed": resumed}
        for part in ("network", "design"):
            t = calls[name][part]
            row[f"{part}_ms"] = round(min(t), 3) if t else None
            row[f"{part}_median_ms"] = round(statistics.median(t), 3) if t else None
            row[f"{part}_calls_ms"] = [round(x, 3) for x in t]
        out.append(row)
    gnn, mamba = out
    for part in ("network", "design"):
        if gnn[f"{part}_calls_ms"]:
            ratio = paired_ratio(mamba[f"{part}_calls_ms"], gnn[f"{part}_calls_ms"])
            mamba[f"{part}_paired_ratio"] = [round(x, 4) for x in ratio]
    return out


def crossover(rows: list[dict], part: str) -> float | None:
    """The K from which GNN-Mamba is faster at every larger measured K (log-K interpolation
    of the paired ratio of ``part``, network or design, between the last K where it is
    slower and the next); None if it is slower at the largest K, or faster at every K."""
    by = {r["users"]: r[f"{part}_paired_ratio"][0] for r in rows
          if r["system"] == "gnn_mamba" and r.get(f"{part}_paired_ratio")}
    ks = sorted(by)
    slower = [i for i, k in enumerate(ks) if by[k] > 1.0]
    if not slower or slower[-1] == len(ks) - 1:
        return None
    k0, k1 = ks[slower[-1]:slower[-1] + 2]
    r0, r1 = math.log(by[k0]), math.log(by[k1])
    t = r0 / (r0 - r1)
    return round(math.exp(math.log(k0) + t * (math.log(k1) - math.log(k0))), 1)


def markdown(rows: list[dict], meta: dict) -> str:
    by = {(r["system"], r["users"]): r for r in rows}
    ks = sorted({r["users"] for r in rows})
    out = [f"Latency per instance (ms), CPU, batch 1, one thread, one process: {meta['machine']}; "
           f"load average {meta['load_before']} before, {meta['load_after']} after"
           f"{'; ' + meta['note'] if meta.get('note') else ''}. {meta['cell']}, M = {ANTENNAS}, "
           f"P_max = {P_MAX_DBM:g} dBm; the K = 30 checkpoints. Each cell: fastest / median "
           "call; *ratio*: GNN-Mamba / GNN, geometric mean of the per-instance paired ratios "
           "[95% interval] (interleaved calls on the same instances). *network*: graph features "
           "+ network; *design*: network + the model-based output layer (the same O(K^3) "
           "solve for both).", "",
           "| K | users/km^2 | repeats | GNN network | GNN-Mamba network | ratio | GNN design | "
           "GNN-Mamba design | ratio |", "|---|---|---|---|---|---|---|---|---|"]
    area = math.pi * (0.150 ** 2 - 0.020 ** 2)

    def ratio(r: list[float] | None) -> str:
        if not r:
            return ""
        return f"{r[0]:.2f}" + (f" [{r[1]:.2f}, {r[2]:.2f}]" if r[1] == r[1] else "")

    for k in ks:
        a, b = by[("gnn", k)], by[("gnn_mamba", k)]
        cells = [str(k) + (" (†)" if a.get("others_resumed") else ""), f"{k / area:.3g}",
                 str(a["repeats"]) + ("" if a["warmup"] else " (no warm-up)")]
        for part in ("network", "design"):
            if a[f"{part}_ms"] is None:
                cells += ["", "", ""]
                continue
            cells += [f"{a[f'{part}_ms']:.4g} / {a[f'{part}_median_ms']:.4g}",
                      f"{b[f'{part}_ms']:.4g} / {b[f'{part}_median_ms']:.4g}",
                      ratio(b.get(f"{part}_paired_ratio"))]
        out.append("| " + " | ".join(cells) + " |")
    if any(r.get("others_resumed") for r in rows):
        out += ["", "(†) a process stopped for the run (--watch) was found running during "
                "this K: resumed by someone else."]
    for part in ("network", "design"):
        c = meta["crossover"][part]
        out.append("")
        out.append(f"Crossover ({part}, paired ratio): " + (
            f"GNN-Mamba is faster from K = {c:g} on (at every larger K measured)." if c is not None
            else "none in the measured range (GNN-Mamba slower at the largest K, or faster at "
            "every K)."))
    return "\n".join(out) + "\n"


def repeats_for(k: int, repeats: int) -> int:
    """Paired calls at K: ``repeats`` below 1000 users, then 5, 3 and 2 (one call takes
    seconds to minutes there)."""
    cap = repeats if k < 1000 else 5 if k < 2000 else 3 if k < 4000 else 2
    return max(2, min(repeats, cap))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--users", type=int, nargs="+", default=[10, 30, 100, 300, 1000, 2000, 4096])
    ap.add_argument("--repeats", type=int, default=9)
    ap.add_argument("--design-max", type=int, default=2000)
    ap.add_argument("--warmup-max", type=int, default=2000)
    ap.add_argument("--note", default="", help="how the machine was prepared (stated in the table)")
    ap.add_argument("--watch", type=int, nargs="*", default=[],
                    help="PIDs stopped for the run: rows where one ran again are marked")
    ap.add_argument("--out", default="results/beamforming/latency")
    args = ap.parse_args()
    torch.set_num_threads(1)
    systems = {}
    for name, cid in MODELS.items():
        torch.manual_seed(0)
        systems[name] = SYSTEMS.get(name, "beamforming")(num_antennas=ANTENNAS, checkpoint=cid,
                                                         p_max_dbm=P_MAX_DBM).eval()
    meta = {"machine": f"{platform.machine()} CPU ({os.cpu_count()} cores), torch "
                       f"{torch.__version__}, {torch.get_num_threads()} thread",
            "cell": "3GPP UMi street canyon NLOS, users uniform in the 20-150 m annulus, 3.5 GHz "
                    "(linksim Cell defaults)",
            "antennas": ANTENNAS, "p_max_dbm": P_MAX_DBM, "note": args.note,
            "load_before": " / ".join(f"{x:.2f}" for x in os.getloadavg()), "rows": []}
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    for k in args.users:
        meta["rows"] += measure(systems, k, repeats_for(k, args.repeats), k <= args.design_max,
                                k < args.warmup_max, args.watch)
        for r in meta["rows"][-2:]:
            print(json.dumps({x: v for x, v in r.items() if not x.endswith("calls_ms")}),
                  flush=True)
        meta["load_after"] = " / ".join(f"{x:.2f}" for x in os.getloadavg())
        meta["crossover"] = {part: crossover(meta["rows"], part) for part in ("network", "design")}
        out.with_suffix(".json").write_text(json.dumps(meta, indent=1) + "\n")
        out.with_suffix(".md").write_text(markdown(meta["rows"], meta))
    print(markdown(meta["rows"], meta))


if __name__ == "__main__":
    main()
