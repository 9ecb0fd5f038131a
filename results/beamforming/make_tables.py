"""Generate results/beamforming/tables.md from the committed records (issue 30).

    PYTHONPATH=. python results/beamforming/make_tables.py [--out results/beamforming/tables.md]

Every number comes from a results.jsonl (through ``linksim table``'s formatter), from the
latency benchmark's output (benchmarks/beamforming_latency.py) or from the reference-gap
generator's (results/beamforming/reference_gap.py); nothing is typed. Sections: EE ratio vs
K (5-100) for every system, EE ratio / violation rate / feasible share vs r_min, EE ratio vs
CSI error, the ee_miso grid (K x P_max), latency vs K, the reference's gap to a multi-start
search on tiny instances (K <= M and K > M), and the check that no system's mean ee_ratio is
above 100% beyond its 95% interval in any of these records (listing any that is).
"""
from __future__ import annotations

import argparse
import json
from pathlib import Path

import linksim.baselines.beamforming  # noqa: F401
import linksim.tasks.beamforming  # noqa: F401
from linksim.tables import markdown_tables
from linksim.core.record import mean_ci, read_records

HERE = Path(__file__).resolve().parent
#: (title, folder, metric, x axis, note)
SECTIONS = [
    ("EE ratio vs number of users K", "ee_miso_users", "ee_ratio", "num_users",
     "M = 64, P_max = 30 dBm, 16 drops (scenarios/beamforming/ee_miso_users.toml); mean ± "
     "95% half-width of the per-instance ratio to the converged reference. ZF needs K <= M."),
    ("EE ratio vs per-user minimum rate", "ee_miso_qos", "ee_ratio", "r_min",
     "K = 10, M = 64, P_max = 30 dBm, 16 drops (scenarios/beamforming/ee_miso_qos.toml); on "
     "the instances where r_min is feasible, against the constrained reference."),
    ("EE ratio counting a missed r_min as 0, vs per-user minimum rate", "ee_miso_qos",
     "qos_ee_ratio", "r_min",
     "As above, with 0 on every feasible instance where the design misses r_min (a design "
     "that ignores the constraint can exceed 100% in the table above by breaking it)."),
    ("QoS violation rate vs per-user minimum rate", "ee_miso_qos", "qos_violation", "r_min",
     "Share (%) of the feasible instances on which some user gets less than r_min."),
    ("Feasible instances vs per-user minimum rate", "ee_miso_qos", "qos_feasible", "r_min",
     "Share (%) of instances where the reference finds r_min reachable within P_max (the "
     "same for every system)."),
    ("EE ratio vs CSI error", "ee_miso_csi", "ee_ratio", "csi_error",
     "K = 30, M = 64, P_max = 30 dBm, 32 drops (scenarios/beamforming/ee_miso_csi.toml): "
     "designed on the LMMSE estimate (error variance csi_error = 1/(1 + pilot SNR)), scored "
     "on the true channel, against the reference with perfect CSI."),
    ("EE ratio vs K and P_max (the ee_miso grid)", "ee_miso", "ee_ratio", "num_users",
     "scenarios/beamforming/ee_miso.toml (K = 10-50, P_max = 0-40 dBm, M = 64), 64 drops, "
     "against the converged reference."),
]


def above_100(folders: list[str], name: str) -> list[str]:
    """Records whose mean ``name`` (``ee_ratio`` or ``qos_ee_ratio``) minus its 95%
    half-width is above 100%."""
    out = []
    for folder in folders:
        for r in read_records(HERE / folder):
            if name in r.metrics and r.metrics[name]["count"]:
                mean, ci = mean_ci(r.metrics[name])
                if mean - (0.0 if ci != ci else ci) > 100.0:
                    at = ", ".join(f"{k} {v:g}" for k, v in sorted(r.axes.items()))
                    out.append(f"{folder}: {r.label} at {at}: {name} {mean:.3f} ± {ci:.3f}")
    return out


def instances_above(folders: list[str], qos: list[str]) -> str:
    """Per folder and system: the instances whose ratio to the reference is above 100%
    (``qos_ee_ratio`` in the r_min folders, ``ee_ratio`` elsewhere; the reference is a
    local method, so a learned design may beat it on an instance)."""
    lines = ["| results | system | instances above 100% | instances | largest (%) |",
             "|---|---|---|---|---|"]
    for folder in folders:
        name = "qos_ee_ratio" if folder in qos else "ee_ratio"
        per: dict[str, list[float]] = {}
        for r in read_records(HERE / folder):
            per.setdefault(r.label, []).extend(
                v for v in r.values.get(name, []) if v is not None and v == v)
        for label, values in sorted(per.items()):
            above = [v for v in values if v > 100.0]
            lines.append(f"| {folder} | {label} | {len(above)} | {len(values)} | "
                         + (f"{max(above):.3f} |" if above else "|"))
    return "\n".join(lines) + "\n"


def generated(name: str) -> str:
    """The Markdown a generator wrote to results/beamforming/<name>.md (its numbers in
    <name>.json)."""
    path = HERE / f"{name}.md"
    return path.read_text() if path.exists() else "(not generated yet)\n"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", default=str(HERE / "tables.md"))
    args = ap.parse_args()
    parts = ["# Beamforming tables (generated by results/beamforming/make_tables.py)", ""]
    folders = []
    for title, folder, metric, x, note in SECTIONS:
        records = read_records(HERE / folder)
        if not records:
            continue
        folders.append(folder)
        parts += [f"## {title}", "", note, "", markdown_tables(records, metric, x, digits=2)]
    parts += ["## Latency vs K: GNN (graph attention) against GNN-Mamba", "",
              "benchmarks/beamforming_latency.py (results/beamforming/latency.json).", "",
              generated("latency"),
              "### Around the crossover, 41 paired calls per K "
              "(results/beamforming/latency_crossover.json)", "", generated("latency_crossover")]
    parts += ["## The reference's gap to a multi-start search on tiny instances", "",
              "results/beamforming/reference_gap.py (results/beamforming/reference_gap.json).",
              "", generated("reference_gap"),
              "### K > M beyond tiny instances: other starts of the same method "
              "(results/beamforming/reference_starts.py)", "", generated("reference_starts")]
    folders = sorted(set(folders))
    qos = [f for f in folders if any("qos_ee_ratio" in r.metrics for r in read_records(HERE / f))]
    bad = (above_100([f for f in folders if f not in qos], "ee_ratio")
           + above_100(qos, "qos_ee_ratio"))
    broken = above_100(qos, "ee_ratio")
    parts += ["## EE ratio above 100% beyond its interval", "",
              "Mean minus 95% half-width above 100%, over every record of the folders above: "
              "ee_ratio, and in the r_min records (" + ", ".join(qos) + ") qos_ee_ratio, "
              "where a design that misses r_min scores 0.", "",
              "\n".join(f"- {b}" for b in bad) if bad else "None.", "",
              "In the r_min records, ee_ratio (EE on the feasible instances whatever the rates "
              "it gives, against the constrained reference) above 100% beyond its interval: "
              "designs that exceed the constrained optimum by breaking r_min (their violation "
              "rates are in the tables above):", "",
              "\n".join(f"- {b}" for b in broken) if broken else "None.", ""]
    parts += ["## Instances above the reference", "",
              "Single instances (drop, fades, P_max) on which a design's ratio to the reference "
              "is above 100% (qos_ee_ratio in the r_min records, ee_ratio elsewhere): the "
              "reference is a local method.", "", instances_above(folders, qos)]
    Path(args.out).write_text("\n".join(parts))
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
