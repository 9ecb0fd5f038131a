"""``python -m linksim.training.eval_table ID [ID ...] --data DIR``: a Markdown table of
PSNR versus SNR for trained checkpoints (common random numbers across checkpoints;
see :func:`linksim.training.evaluate.psnr_per_snr`)."""
from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Sequence

import torch

from linksim.errors import LinksimError
from linksim.core.registry import CHANNELS, SYSTEMS
from linksim.training.data import load_val
from linksim.training.evaluate import mean_ci95, psnr_values
from linksim.zoo import read_card


def channel_from_spec(spec: str) -> tuple[str, torch.nn.Module]:
    """``"awgn"``, ``"rayleigh"`` or ``"rayleigh:<fading>,<csi_snr>"`` (either part, any
    order, e.g. ``rayleigh:fast`` or ``rayleigh:effective``) -> (name, channel).
    Rayleigh defaults to one fade per image and average-SNR CSI."""
    from linksim.channels.rayleigh import CSI_SNR, FADING

    base, _, options = spec.partition(":")
    kwargs: dict[str, str] = {"fading": "block"} if base == "rayleigh" else {}
    for opt in filter(None, options.split(",")):
        key = "fading" if opt in FADING else "csi_snr" if opt in CSI_SNR else None
        if key is None or base != "rayleigh":
            raise LinksimError(f"--channels {spec!r}: unknown option {opt!r}; use awgn, "
                               f"rayleigh or rayleigh:<{'|'.join(FADING)}>,<{'|'.join(CSI_SNR)}>")
        kwargs[key] = opt
    return base, CHANNELS.get(base)(**kwargs)


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m linksim.training.eval_table")
    ap.add_argument("ids", nargs="+", help="checkpoint ids")
    ap.add_argument("--data", required=True)
    ap.add_argument("--crop", type=int, default=256)
    ap.add_argument("--count", type=int, default=None)
    ap.add_argument("--channels", nargs="+", default=["awgn", "rayleigh"],
                    help="awgn, rayleigh (block fading, average-SNR CSI), rayleigh:fast, "
                         "rayleigh:effective, rayleigh:fast,effective")
    ap.add_argument("--snr", default="0,4,8,12,16,20")
    ap.add_argument("--repeats", type=int, default=1, help="draws per image (Rayleigh)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--threads", type=int, default=None)
    ap.add_argument("--save", default=None, help="write every PSNR value to this JSON file")
    ap.add_argument("--paired", action="store_true",
                    help="add rows 'first id - other id' per channel: mean ± 95%% CI of the "
                         "per-image differences (same images and channel draws)")
    args = ap.parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    snrs = [float(s) for s in args.snr.split(",")]
    images = load_val(args.data, args.crop, args.count)
    print(f"# {len(images)} images of {args.data}, center {args.crop}x{args.crop}; "
          f"PSNR mean ± 95% CI; Rayleigh: MMSE, {args.repeats} draws per image")
    print("| checkpoint | channel | " + " | ".join(f"{s:g} dB" for s in snrs) + " |")
    print("|---|---|" + "---|" * len(snrs))
    saved: dict[str, dict[str, dict[str, list[float]]]] = {}
    for cid in args.ids:
        card = read_card(cid)
        system = SYSTEMS.get(card["system"])(cbr=card["cbr"], checkpoint=cid)
        for name in args.channels:
            base, channel = channel_from_spec(name)
            reps = args.repeats if base == "rayleigh" else 1
            res = psnr_values(system, channel, images, snrs, args.seed, reps)
            saved.setdefault(cid, {})[name] = {k: v.tolist() for k, v in res.items()}
            cells = " | ".join("{:.2f} ± {:.2f}".format(*mean_ci95(v)) for v in res.values())
            print(f"| {cid} | {name} | {cells} |", flush=True)
            if args.save:
                Path(args.save).write_text(json.dumps(saved))
    if args.paired:
        first, *others = args.ids
        for other in others:
            for name in args.channels:
                diffs = (torch.tensor(saved[first][name][k]) - torch.tensor(saved[other][name][k])
                         for k in saved[first][name])
                cells = " | ".join("{:+.2f} ± {:.2f}".format(*mean_ci95(d)) for d in diffs)
                print(f"| {first} − {other} (paired) | {name} | {cells} |", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
