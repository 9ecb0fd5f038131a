"""``linksim bench``: parameters, MACs and latency per image of a system (CPU or GPU)."""
from __future__ import annotations

import argparse
import json



def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("bench", help="parameters, MACs and latency per image of a system")
    p.add_argument("system", help="registered system (see 'linksim list')")
    p.add_argument("--config", default=None, help="named config of a learned system")
    p.add_argument("--cbr", default=None,
                   help="channel bandwidth ratio of tasks with a cbr axis (default: the task's, 1/48 for images)")
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
    p.add_argument("--against", default=None, metavar="SYS1,SYS2",
                   help="time these systems side by side with SYSTEM in one interleaved run "
                        "(same config name, ratios paired per repeat), e.g. swinjscc")
    p.add_argument("--batch", default="1", metavar="B1,B2",
                   help="with --against: batch sizes of the timed passes (default 1)")
    p.add_argument("--dtype", default="fp32", metavar="fp32,bf16",
                   help="with --against: fp32, bf16, fp16 (autocast; default fp32)")
    p.add_argument("--train-steps", type=int, default=0,
                   help="with --against: also time this many training steps of each system "
                        "(batch --train-batch of --train-size crops, MSE, Adam)")
    p.add_argument("--train-batch", type=int, default=8, help="images per training step (8)")
    p.add_argument("--train-size", type=int, default=64, help="training crop side (64)")
    p.set_defaults(main=main)


def side_by_side_main(args: argparse.Namespace, task: str, axes: dict[str, float]) -> int:
    """``--against``: latency (batches x dtypes) and training steps/s of several systems."""
    from linksim.bench import side_by_side
    from linksim.errors import LinksimError
    from linksim.training.config import parse_sets

    try:
        batches = tuple(int(v) for v in args.batch.split(","))
    except ValueError:
        raise LinksimError(f"--batch {args.batch!r}: expected whole numbers like 1,16") from None
    systems = [args.system] + [s for s in args.against.split(",") if s]
    r = side_by_side(systems, task=task, config=args.config, size=args.size, batches=batches,
                     dtypes=tuple(args.dtype.split(",")), device=args.device, repeats=args.repeats,
                     train_steps=args.train_steps, train_batch=args.train_batch,
                     train_size=args.train_size, snr_db=args.snr, threads=args.threads,
                     params={**axes, **parse_sets(args.sets)})
    if args.json:
        print(json.dumps(r))
        return 0
    print(f"device {r['device']}, {r['threads']} threads, load average {r['load_avg']}, config "
          f"{r['config']}, size {r['size']}, median of {args.repeats} interleaved repeats")
    ref = systems[0]
    print(f"{'batch':>5} {'dtype':>5} " + " ".join(f"{s + ' ms':>16}" for s in systems)
          + "".join(f" {s + '/' + ref:>18}" for s in systems[1:]))
    for row in r["latency"]:
        print(f"{row['batch']:>5} {row['dtype']:>5} " + " ".join(f"{row[s]:>16.2f}" for s in systems)
              + "".join(f" {row[s + '_ratio']:>18.3f}" for s in systems[1:]))
    if "train" in r:
        print(f"training steps/s (batch {args.train_batch} of {args.train_size}x{args.train_size}): "
              + ", ".join(f"{s} {v:.3f}" for s, v in r["train"].items()))
    return 0


def main(args: argparse.Namespace) -> int:
    from linksim.bench import bench
    from linksim.training.config import parse_cbr_flag, parse_sets

    from linksim.cli.train import default_task
    from linksim.errors import LinksimError

    task = args.task or default_task(args.system)
    axes = {} if args.cbr is None else {"cbr": parse_cbr_flag(args.cbr)}
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

    if args.against:
        return side_by_side_main(args, task, axes)
    check = getattr(SYSTEMS.get(args.system, task), "check_example_size", None)
    if check is not None:  # e.g. a radio-map network whose poolings need a multiple
        check(args.size, args.config, **parse_sets(args.sets))
    r = bench(args.system, size=args.size, config=args.config, snr_db=args.snr,
              repeats=args.repeats, threads=args.threads, task=task, device=args.device,
              **axes, **parse_sets(args.sets))
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

    spec = get_task(task)
    at = ", ".join(f"{a.name} {a.format(r[a.name])}" for a in spec.axes if a.name in r)
    print(f"input       {task} example of size {r['size']}" + (f", {at}" if at else ""))
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
