"""``linksim bench``: parameters, MACs and CPU latency per image of a system."""
from __future__ import annotations

import argparse
import json



def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("bench", help="parameters, MACs and latency per image of a system")
    p.add_argument("system", help="registered system (see 'linksim list')")
    p.add_argument("--config", default=None, help="named config of a learned system")
    p.add_argument("--cbr", default="1/48", help="channel bandwidth ratio (default 1/48)")
    p.add_argument("--size", type=int, default=256, help="square image side in pixels")
    p.add_argument("--snr", type=float, default=10.0, help="SNR (dB) of the AWGN pass")
    p.add_argument("--repeats", type=int, default=5, help="timed passes (median reported)")
    p.add_argument("--threads", type=int, default=None, help="torch.set_num_threads")
    p.add_argument("--set", action="append", default=[], metavar="KEY=VALUE", dest="sets",
                   help="constructor parameter (repeatable)")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.set_defaults(main=main)


def main(args: argparse.Namespace) -> int:
    from linksim.bench import bench
    from linksim.training.config import parse_cbr_flag, parse_sets

    cbr = parse_cbr_flag(args.cbr)
    r = bench(args.system, cbr=cbr, size=args.size, config=args.config, snr_db=args.snr,
              repeats=args.repeats, threads=args.threads, **parse_sets(args.sets))
    if args.json:
        print(json.dumps(r))
        return 0
    print(f"system      {r['system']}  (config {r['config']})")
    print(f"input       1x3x{r['size']}x{r['size']}, cbr {args.cbr}")
    print(f"parameters  {r['params']:,} ({r['params'] / 1e6:.3f} M)")
    print(f"MACs        {r['macs']:,} ({r['macs'] / 1e9:.3f} G; encoder "
          f"{r['encoder_macs'] / 1e9:.3f} G, decoder {r['decoder_macs'] / 1e9:.3f} G)")
    print(f"latency     {r['latency_ms']:.2f} ms per image (CPU, {r['threads']} threads, "
          f"median of {args.repeats})")
    return 0
