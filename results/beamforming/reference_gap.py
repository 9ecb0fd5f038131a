"""The reference's gap to an independent multi-start search on tiny instances (issue 30):
writes results/beamforming/reference_gap.json and .md, which make_tables.py includes.

    OMP_NUM_THREADS=1 PYTHONPATH=. python results/beamforming/reference_gap.py

The instances and the search are those of the test that checks the gap
(``tests/tasks/beamforming/test_beamforming_reference.py``: ``tiny``, ``multistart``, 30
L-BFGS-B runs over every W in the budget, its own NumPy EE), imported from it so that the
table and the test measure the same thing. Per instance: the default ``ee_opt``, the same
without the K > M starts over the best subset of served users (``SUBSET_CAP = 0``: the
reference before they were added), the search's best, and the relative gaps
1 - EE / best (positive: below the search). Takes minutes on one core (the search).
"""
from __future__ import annotations

import json
import statistics
import sys
import time
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests" / "tasks" / "beamforming"))

from test_beamforming_reference import BUDGETS_DBM, CELL, SHAPES, multistart, tiny  # noqa: E402

from linksim.tasks.beamforming import reference  # noqa: E402
from linksim.tasks.beamforming.downlink import energy_efficiency  # noqa: E402

HERE = Path(__file__).resolve().parent


#: interleaved timed calls of each variant of the reference per (K, M)
TIMED_CALLS = 3


def solve(h: torch.Tensor, p_max: torch.Tensor, subset_cap: int) -> tuple[torch.Tensor, float]:
    """(EE [B] of ee_opt with ``SUBSET_CAP = subset_cap``, seconds per instance)."""
    saved = reference.SUBSET_CAP
    reference.SUBSET_CAP = subset_cap
    try:
        t0 = time.perf_counter()
        w = reference.ee_opt(h, p_max, CELL)
        seconds = (time.perf_counter() - t0) / len(h)
    finally:
        reference.SUBSET_CAP = saved
    return energy_efficiency(h, w, CELL), seconds


def both(h: torch.Tensor, p_max: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, float, float]:
    """(EE with and without the subset starts, their median seconds per instance over
    :data:`TIMED_CALLS` interleaved calls each: a change of load hits both alike)."""
    times: dict[int, list[float]] = {reference.SUBSET_CAP: [], 0: []}
    ee = {}
    for _ in range(TIMED_CALLS):
        for cap in times:
            ee[cap], seconds = solve(h, p_max, cap)
            times[cap].append(seconds)
    new, old = (statistics.median(times[c]) for c in times)
    return ee[reference.SUBSET_CAP], ee[0], new, old


def main() -> None:
    torch.set_num_threads(1)
    rows = []
    for k, m in SHAPES:
        h, p_max = tiny(k, m)
        ref, old, t_ref, t_old = both(h, p_max)
        for b, dbm in enumerate(BUDGETS_DBM):
            best = multistart(h[b].numpy(), float(p_max[b]), seed=b)
            rows.append({"K": k, "M": m, "p_max_dbm": dbm, "search_ee": best,
                         "reference_ee": float(ref[b]), "gap": 1.0 - float(ref[b]) / best,
                         "strongest_only_ee": float(old[b]),
                         "strongest_only_gap": 1.0 - float(old[b]) / best,
                         "reference_s": t_ref, "strongest_only_s": t_old})
            print(json.dumps(rows[-1]), flush=True)
    meta = {"search": "best of 30 L-BFGS-B runs from random W over every W in the budget "
                      "(tests/tasks/beamforming/test_beamforming_reference.py: multistart)",
            "subset_cap": reference.SUBSET_CAP, "rows": rows}
    (HERE / "reference_gap.json").write_text(json.dumps(meta, indent=1) + "\n")
    lines = ["Relative gap 1 - EE / best of the reference `ee_opt` to the best of 30 independent "
             "L-BFGS-B searches over every W (positive: the reference is below), on the tiny "
             "instances of tests/tasks/beamforming/test_beamforming_reference.py (one drop per "
             "(K, M) and P_max). *strongest users only*: the reference without its K > M starts "
             "over the best of every subset of served users (at most "
             f"{reference.SUBSET_CAP} subsets per size), as it was before they were added. "
             f"Time: ee_opt seconds per instance (batch of 4, one thread, median of {TIMED_CALLS} "
             "calls interleaved with the other variant's; a shared 2-core machine).", "",
             "| K | M | K > M | P_max (dBm) | search EE (Mbit/J) | gap | gap, strongest users "
             "only | time (s) | time, strongest only (s) |",
             "|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        lines.append(f"| {r['K']} | {r['M']} | {'yes' if r['K'] > r['M'] else 'no'} | "
                     f"{r['p_max_dbm']:g} | {r['search_ee'] / 1e6:.4f} | {r['gap']:.2e} | "
                     f"{r['strongest_only_gap']:.2e} | {r['reference_s']:.3f} | "
                     f"{r['strongest_only_s']:.3f} |")
    for above, what in ((False, "K <= M"), (True, "K > M")):
        sel = [r for r in rows if (r["K"] > r["M"]) == above]
        lines.append("")
        worst = max(abs(r["gap"]) for r in sel)
        worst_old = max(abs(r["strongest_only_gap"]) for r in sel)
        lines.append(f"{what}: {len(sel)} instances, largest |gap| {worst:.2e} (strongest "
                     f"users only: {worst_old:.2e}).")
    (HERE / "reference_gap.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
