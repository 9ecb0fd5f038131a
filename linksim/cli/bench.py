"""``linksim bench``: parameters, MACs and latency per image of a system (CPU or GPU)."""
from __future__ import annotations

import argparse
import json



def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("bench", help="parameters, MACs and latency per image of a system")
    p.add_argument("system", help="registered system (see 'linksim list')")
    p.add_argument("--config", default=None, help="named config of a learned system")
    p.add_argument("--cbr", default="1/48", help="channel bandwidth ratio (default 1/48)")
    p.add_argument("--size", type=int, default=256,
                   help="example size: square image side in pixels, words of a sentence")
    p.add_argument("--task", default=None, help="the system's task (default: its own)")
    p.add_argument("--lengths", default=None, metavar="L1,L2,...",
                   help="also time the system's sequence blocks (Transformer layers, Mamba "
                        "block) at these sequence lengths, e.g. 16,64,256,1024,4096")
    p.add_argument("--snr", type=float, default=10.0, help="SNR (dB) of the AWGN pass")
    p.add_argument("--repeats", type=int, default=5, help="timed passes (median reported)")
    p.add_argument("--threads", type=int, default=None, help="torch.set_num_threads")
    p.add_argument("--device", default="cpu", help="cpu (default), cuda or cuda:<index>")
    p.add_argument("--set", action="append", default=[], metavar="KEY=VALUE", dest="sets",
                   help="constructor parameter (repeatable)")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.set_defaults(main=main)


def main(args: argparse.Namespace) -> int:
    from linksim.bench import bench
    from linksim.training.config import parse_cbr_flag, parse_sets

    from linksim.cli.train import default_task
    from linksim.errors import LinksimError

    task = args.task or default_task(args.system)
    cbr = parse_cbr_flag(args.cbr)
    lengths = None
    if args.lengths:
        try:
            lengths = [int(v) for v in args.lengths.split(",")]
        except ValueError:
            raise LinksimError(f"--lengths {args.lengths!r}: expected whole numbers like "
                               "16,64,256") from None
        if not all(1 <= v <= 65536 for v in lengths):
            raise LinksimError(f"--lengths {args.lengths!r}: each length must be in [1, 65536]")
    from linksim.base.registry import SYSTEMS

    check = getattr(SYSTEMS.get(args.system, task), "check_example_size", None)
    if check is not None:  # e.g. a radio-map network whose poolings need a multiple
        check(args.size, args.config, **parse_sets(args.sets))
    r = bench(args.system, cbr=cbr, size=args.size, config=args.config, snr_db=args.snr,
              repeats=args.repeats, threads=args.threads, task=task, device=args.device,
              **parse_sets(args.sets))
    if lengths:
        from linksim.bench import system_latency_vs_length

        r["latency_vs_length_ms"] = system_latency_vs_length(
            args.system, task, lengths, args.config, max(1, min(args.repeats, 3)),
            **parse_sets(args.sets))
    if args.json:
        print(json.dumps(r))
        return 0
    print(f"system      {r['system']}  (config {r['config']})")
    from linksim.core.task import get_task

    takes_cbr = any(a.name == "cbr" for a in get_task(task).axes)
    print(f"input       {task} example of size {r['size']}" + (f", cbr {args.cbr}"
                                                            if takes_cbr else ""))
    print(f"parameters  {r['params']:,} ({r['params'] / 1e6:.3f} M)")
    print(f"MACs        {r['macs']:,} ({r['macs'] / 1e9:.3f} G; encoder "
          f"{r['encoder_macs'] / 1e9:.3f} G, decoder {r['decoder_macs'] / 1e9:.3f} G)")
    where = "CPU" if r["device"] == "cpu" else r["device"]
    print(f"latency     {r['latency_ms']:.2f} ms per item ({where}, {r['threads']} threads, "
          f"median of {args.repeats})")
    for row in r.get("latency_vs_length_ms", []):
        print(f"L = {row['length']:<6d}" + "  ".join(f"{k} {v:10.2f} ms" for k, v in row.items()
                                                   if k != "length"))
    return 0
