"""``python -m linksim.training.eval_table ID [ID ...] --data DIR``: a Markdown table of
PSNR versus SNR for trained checkpoints (common random numbers across checkpoints;
see :func:`linksim.training.evaluate.psnr_per_snr`)."""
from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Sequence

import torch

from linksim.registry import CHANNELS, SYSTEMS
from linksim.training.data import load_val
from linksim.training.evaluate import mean_ci95, psnr_values
from linksim.zoo import read_card


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m linksim.training.eval_table")
    ap.add_argument("ids", nargs="+", help="checkpoint ids")
    ap.add_argument("--data", required=True)
    ap.add_argument("--crop", type=int, default=256)
    ap.add_argument("--count", type=int, default=None)
    ap.add_argument("--channels", nargs="+", default=["awgn", "rayleigh"])
    ap.add_argument("--snr", default="0,4,8,12,16,20")
    ap.add_argument("--repeats", type=int, default=1, help="draws per image (Rayleigh)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--threads", type=int, default=None)
    ap.add_argument("--save", default=None, help="write every PSNR value to this JSON file")
    args = ap.parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    snrs = [float(s) for s in args.snr.split(",")]
    images = load_val(args.data, args.crop, args.count)
    print(f"# {len(images)} images of {args.data}, center {args.crop}x{args.crop}; "
          f"PSNR mean ± 95% CI; Rayleigh: block fading + MMSE, {args.repeats} draws per image")
    print("| checkpoint | channel | " + " | ".join(f"{s:g} dB" for s in snrs) + " |")
    print("|---|---|" + "---|" * len(snrs))
    saved: dict[str, dict[str, dict[str, list[float]]]] = {}
    for cid in args.ids:
        card = read_card(cid)
        system = SYSTEMS.get(card["system"])(cbr=card["cbr"], checkpoint=cid)
        for name in args.channels:
            channel = CHANNELS.get(name)(**({"fading": "block"} if name == "rayleigh" else {}))
            reps = args.repeats if name == "rayleigh" else 1
            res = psnr_values(system, channel, images, snrs, args.seed, reps)
            saved.setdefault(cid, {})[name] = {k: v.tolist() for k, v in res.items()}
            cells = " | ".join("{:.2f} ± {:.2f}".format(*mean_ci95(v)) for v in res.values())
            print(f"| {cid} | {name} | {cells} |", flush=True)
            if args.save:
                Path(args.save).write_text(json.dumps(saved))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
