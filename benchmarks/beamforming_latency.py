"""Latency of the graph-attention GNN against GNN-Mamba from K = 10 users to the
ultra-dense regime (a benchmark, not a test; issue 30).

    OMP_NUM_THREADS=1 PYTHONPATH=. python benchmarks/beamforming_latency.py \\
        [--users 10 30 100 300 1000 2000 4096] [--out results/beamforming/latency]

The cell of the task (3GPP UMi street canyon NLOS, users uniform in the 20-150 m annulus
around the base station, so K = 4096 is 5.9e4 users/km^2), M = 64 antennas (the M of the
shipped checkpoints, which are the models timed: ``gnn-k30-m64``, ``gnn_mamba-k30-m64``),
P_max = 30 dBm, CPU, batch 1, one thread, one process (both systems on the same
instances, alternating per K). For each K, after one warm-up call:

* ``network_ms``: the learned part, graph features (O(K^2 M): Gram matrix and the
  K x K edge features) plus the network (``heads``: three graph-attention layers for the
  GNN, O(K^2 d) each; attention, Mamba over users (O(K d N)), attention for GNN-Mamba);
* ``design_ms``: the whole design as the scenarios run it, that plus the model-based output
  layer (the optimal structure, a K x K solve: O(K^3), the same for both), up to
  ``--design-max`` users (the solve takes minutes on one thread beyond).

Each cell is the fastest of ``--repeats`` calls on fresh instances (fewer for K >= 1000,
stated per row; the JSON also holds the medians): the machine is shared, and the fastest
call is the one least slowed by other processes.
Writes ``<out>.json`` and ``<out>.md`` (the table with the GNN-Mamba / GNN ratio and the
crossover: the K from which GNN-Mamba is faster, interpolated in log K).
"""
from __future__ import annotations

import argparse
import json
import math
import platform
import statistics
import time
from pathlib import Path

import torch

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


def measure(systems: dict, k: int, repeats: int, design: bool) -> list[dict]:
    rows = {name: {"users": k, "antennas": ANTENNAS, "system": name, "checkpoint": MODELS[name],
                   "network": [], "design": []} for name in systems}
    with torch.no_grad():
        h, p, cell = instance(k, 0)
        for name, s in systems.items():                                 # warm-up
            network(s, h, p)
        for r in range(repeats):
            h, p, cell = instance(k, 1 + r)
            for name, s in systems.items():
                rows[name]["network"].append(timed(lambda: network(s, h, p)))
                if design:
                    rows[name]["design"].append(timed(lambda: s.design(h, p, cell)))
    out = []
    for row in rows.values():
        out.append({**{k_: v for k_, v in row.items() if k_ not in ("network", "design")},
                    "repeats": repeats,
                    "network_ms": round(min(row["network"]), 3),
                    "design_ms": round(min(row["design"]), 3) if design else None,
                    "network_median_ms": round(statistics.median(row["network"]), 3),
                    "design_median_ms": round(statistics.median(row["design"]), 3)
                    if design else None})
    return out


def crossover(rows: list[dict], key: str) -> float | None:
    """The K from which GNN-Mamba is faster (log-K interpolation of the time ratio); None
    if it never is, or is at every K."""
    by = {(r["system"], r["users"]): r[key] for r in rows if r[key] is not None}
    ks = sorted({k for (_, k) in by if ("gnn", k) in by and ("gnn_mamba", k) in by})
    ratio = [math.log(by[("gnn_mamba", k)] / by[("gnn", k)]) for k in ks]
    for (k0, r0), (k1, r1) in zip(zip(ks, ratio), zip(ks[1:], ratio[1:])):
        if r0 > 0 >= r1:
            t = r0 / (r0 - r1)
            return round(math.exp(math.log(k0) + t * (math.log(k1) - math.log(k0))), 1)
    return None


def markdown(rows: list[dict], meta: dict) -> str:
    by = {(r["system"], r["users"]): r for r in rows}
    ks = sorted({r["users"] for r in rows})
    out = [f"Latency per instance (ms), CPU, batch 1, one thread, one process: {meta['machine']}. "
           f"M = {ANTENNAS}, P_max = {P_MAX_DBM:g} dBm, users uniform in the 20-150 m UMi "
           "cell; fastest of the repeats (medians in the JSON). *network*: graph features + network; *design*: "
           "network + the model-based output layer (the same O(K^3) solve for both).", "",
           "| K | users/km^2 | repeats | GNN network | GNN-Mamba network | ratio | GNN design | "
           "GNN-Mamba design | ratio |", "|---|---|---|---|---|---|---|---|---|"]
    area = math.pi * (0.150 ** 2 - 0.020 ** 2)
    for k in ks:
        a, b = by[("gnn", k)], by[("gnn_mamba", k)]
        cells = [str(k), f"{k / area:.3g}", str(a["repeats"]), f"{a['network_ms']:.4g}",
                 f"{b['network_ms']:.4g}", f"{b['network_ms'] / a['network_ms']:.2f}"]
        if a["design_ms"] is not None:
            cells += [f"{a['design_ms']:.4g}", f"{b['design_ms']:.4g}",
                      f"{b['design_ms'] / a['design_ms']:.2f}"]
        else:
            cells += ["", "", ""]
        out.append("| " + " | ".join(cells) + " |")
    for key, what in (("network_ms", "network"), ("design_ms", "design")):
        c = meta["crossover"][key]
        out.append("")
        out.append(f"Crossover ({what}): " + (f"GNN-Mamba is faster from K = {c:g} on."
                                              if c is not None else
                                              "none in the measured range (ratio > 1 at every "
                                              "K, or < 1 at every K)."))
    return "\n".join(out) + "\n"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--users", type=int, nargs="+", default=[10, 30, 100, 300, 1000, 2000, 4096])
    ap.add_argument("--repeats", type=int, default=7)
    ap.add_argument("--design-max", type=int, default=2000)
    ap.add_argument("--out", default="results/beamforming/latency")
    args = ap.parse_args()
    torch.set_num_threads(1)
    systems = {}
    for name, cid in MODELS.items():
        torch.manual_seed(0)
        systems[name] = SYSTEMS.get(name, "beamforming")(num_antennas=ANTENNAS, checkpoint=cid,
                                                         p_max_dbm=P_MAX_DBM).eval()
    rows = []
    for k in args.users:
        repeats = args.repeats if k < 1000 else max(1, min(args.repeats, 3 if k < 4000 else 1))
        rows += measure(systems, k, repeats, k <= args.design_max)
        for r in rows[-2:]:
            print(json.dumps(r), flush=True)
    meta = {"machine": f"{platform.machine()} CPU, torch {torch.__version__}, "
                       f"{torch.get_num_threads()} thread",
            "cell": "3GPP UMi street canyon NLOS, 20-150 m, 3.5 GHz (linksim Cell defaults)",
            "antennas": ANTENNAS, "p_max_dbm": P_MAX_DBM, "rows": rows}
    meta["crossover"] = {key: crossover(rows, key) for key in ("network_ms", "design_ms")}
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.with_suffix(".json").write_text(json.dumps(meta, indent=1) + "\n")
    out.with_suffix(".md").write_text(markdown(rows, meta))
    print(markdown(rows, meta))


if __name__ == "__main__":
    main()
