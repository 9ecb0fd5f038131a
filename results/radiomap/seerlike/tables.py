"""Tables of the RadioMapSeer-like runs beside the RadioMamba paper's Tables II and III.

Reads the committed records (results/radiomap/seerlike_test, seerlike_city and the
composite-loss runs seerlike_composite, seerlike_composite_city), the model
cards in zoo/ and bench256.json, and writes tables.md next to this file:

    python results/radiomap/seerlike/tables.py

The paper's numbers are quoted from Tables II (SRM) and III of Jia et al., RadioMamba
(IEEE TNSE 2025): RadioMapSeer, 256 x 256 maps, GPU (A40) timing.
"""
from __future__ import annotations

import json
from pathlib import Path

from linksim.core.compare import paired_differences
from linksim.core.record import mean_ci, read_records

HERE = Path(__file__).resolve().parent
RESULTS = HERE.parent
ZOO = HERE.parents[2] / "zoo"
SPLITS = {"seerlike_test": "held-out procedural layouts (48 maps)",
          "seerlike_city": "held-out real city, etoile (48 maps)"}
METRICS = (("rm_nmse", "NMSE", 4, False), ("rm_rmse", "RMSE", 4, False),
           ("rm_ssim", "SSIM", 4, True), ("rm_psnr", "PSNR (dB)", 2, True))
#: Table II (SRM) of the paper: NMSE, RMSE, SSIM, PSNR
PAPER_II = {"RadioUNet": (0.0088, 0.0266, 0.9466, 31.77),
            "RadioMamba": (0.0050, 0.0199, 0.9673, 34.32)}
#: Table III of the paper: time per map (s, GPU), parameters (M)
PAPER_III = {"RadioUNet": (0.0041, 13.27), "RadioMamba": (0.0280, 8.60)}
UNET = "RadioUNet (both Us), 9x9 Tx"
UNET1 = "RadioUNet (first U), 9x9 Tx"
UNET1_COMPOSITE = "RadioUNet (first U), 9x9 Tx, composite loss"
MAMBA = "RadioMamba, 9x9 Tx"
PAIRS = ((MAMBA, UNET), (MAMBA, UNET1), (UNET, UNET1), (UNET, "Multi-wall"), (MAMBA, "Multi-wall"),
         (UNET1_COMPOSITE, UNET1))
#: the composite-loss runs (composite.toml) beside each split's folder
COMPOSITE = {"seerlike_test": "seerlike_composite", "seerlike_city": "seerlike_composite_city"}


def metric_table(folder: str) -> list[str]:
    records = read_records(RESULTS / folder)
    records += [r for r in read_records(RESULTS / COMPOSITE[folder]) if r.label == UNET1_COMPOSITE]
    lines = [f"### {SPLITS[folder]}", "",
             "| system | " + " | ".join(f"{n} (95% CI)" for _, n, _, _ in METRICS) + " |",
             "|---|" + "---:|" * len(METRICS)]
    for r in records:
        cells = []
        for key, _, digits, _ in METRICS:
            m, ci = mean_ci(r.metrics[key])
            cells.append(f"{m:.{digits}f} ± {ci:.{digits}f}")
        lines.append(f"| {r.label} | " + " | ".join(cells) + " |")
    for name, vals in PAPER_II.items():
        lines.append(f"| *paper Table II: {name} (RadioMapSeer)* | "
                     + " | ".join(f"*{v}*" for v in vals) + " |")
    lines += ["", "Paired differences (same maps), mean ± 95% half-width:", "",
              "| A - B | " + " | ".join(n for _, n, _, _ in METRICS) + " |",
              "|---|" + "---:|" * len(METRICS)]
    labels = {r.label for r in records}
    for a, b in PAIRS:
        if a not in labels or b not in labels:
            continue
        cells = []
        for key, _, digits, hib in METRICS:
            (d,) = paired_differences(records, a, b, key, hib)
            cells.append(f"{d.mean:+.{digits}f} ± {d.ci95:.{digits}f} (n={d.count})")
        lines.append(f"| {a} - {b} | " + " | ".join(cells) + " |")
    return lines + [""]


def timing_table() -> list[str]:
    bench = json.loads((HERE / "bench256.json").read_text())
    lines = ["### Parameters and inference time per 256 x 256 map",
             "", f"CPU: {bench['machine']}, torch {bench['torch']}; {bench['note']}", "",
             "| system | config | parameters | MACs | CPU latency per map | "
             "paper Table III (A40 GPU) |", "|---|---|---:|---:|---:|---|"]
    for row in bench["rows"]:
        family = "RadioMamba" if row["system"] == "radiomamba" else "RadioUNet"
        paper = PAPER_III[family]
        stages = "both Us" if row["config"].endswith("wnet") else (
            "first U" if family == "RadioUNet" else "")
        lines.append(f"| {family} {stages} | {row['config']} | {row['params'] / 1e6:.2f} M | "
                     f"{row['macs'] / 1e9:.2f} G | {row['latency_ms']:.0f} ms | "
                     f"{paper[0] * 1000:.1f} ms, {paper[1]:.2f} M (paper's model) |")
    return lines + [""]


def training_table() -> list[str]:
    lines = ["### Training (one budget for every learned model)", "",
             "| checkpoint | parameters trained | steps x batch | loss | training maps | "
             "wall time | final train loss |", "|---|---:|---|---|---:|---:|---:|"]
    cards = [ZOO / f"{cid}.json" for cid in ("radiounet-small-tx9-seer256",
             "radiounet-wnet-small-tx9-seer256", "radiomamba-small-tx9-seer256")]
    cards.append(HERE / "radiounet-small-tx9-seer256-composite.json")  # card of an unshipped model
    for path in cards:
        cid = path.stem
        if not path.is_file():
            lines.append(f"| {cid} | not trained | | | | | |")
            continue
        c = json.loads(path.read_text())
        trained = f"{c['params']:,}"
        if c["config"].get("stages", 1) == 2:  # the first U is frozen (loaded from first_u)
            from linksim.tasks.radiomap.radiounet import RadioUNet
            first = RadioUNet(config={**c["config"], "stages": 1}, random_weights=True)
            n1 = sum(p.numel() for p in first.parameters())
            trained = f"{c['params'] - n1:,} (second U; first U {c['config']['first_u']})"
        lines.append(f"| {cid} | {trained} | "
                     f"{c['steps']}/{c['planned_steps']} x {c['batch']} | {c['loss']} | "
                     f"{c['data']['train_items']} | {c['wall_time_s'] / 60:.0f} min | "
                     f"{c['final_train_loss']:.4f} |")
    return lines + [""]


def main() -> None:
    lines = ["# Radio maps on the RadioMapSeer-like data set (generated by tables.py)", ""]
    lines += training_table()
    for folder in SPLITS:
        if (RESULTS / folder / "results.jsonl").is_file():
            lines += metric_table(folder)
    if (HERE / "bench256.json").is_file():
        lines += timing_table()
    (HERE / "tables.md").write_text("\n".join(lines))
    print(HERE / "tables.md")


if __name__ == "__main__":
    main()
