"""``linksim train``: train a registered learned system and write a zoo checkpoint."""
from __future__ import annotations

import argparse
import json



def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("train", help="train a learned system; writes <out>.pt + <out>.json",
                       description="Train a learned system on random crops of an image folder "
                       "over a simulated channel (AdamW, warm-up + cosine, gradient clipping). "
                       "Writes the state dict <out>.pt and its model card <out>.json.")
    p.add_argument("system", help="registered learned system (see 'linksim list')")
    p.add_argument("--data", required=True, help="training image folder")
    p.add_argument("--val", default=None, help="validation image folder (center crops)")
    p.add_argument("--out", required=True, help="output path without suffix, e.g. zoo/<id>")
    p.add_argument("--cbr", default=None, help="image task: channel bandwidth ratio "
                   "(default 1/16)")
    p.add_argument("--snr", default="0:20",
                   help="training SNR in dB per batch: range 'lo:hi' or list 'a,b,c'")
    p.add_argument("--channel", default="awgn", help="registered channel (awgn, rayleigh)")
    p.add_argument("--fading", default=None, help="rayleigh fading: block (default) or fast")
    p.add_argument("--channel-set", action="append", default=[], metavar="KEY=VALUE",
                   help="extra channel parameter (repeatable), e.g. equalizer=zf")
    p.add_argument("--config", default="small", help="named model config (default small)")
    p.add_argument("--set", action="append", default=[], metavar="KEY=VALUE", dest="sets",
                   help="model config override (repeatable), e.g. adaptation=none")
    p.add_argument("--steps", type=int, default=1000)
    p.add_argument("--batch", type=int, default=8)
    p.add_argument("--crop", type=int, default=None,
                   help="image task: side of the square training crops (default 64)")
    p.add_argument("--lr", type=float, default=1e-4, help="peak AdamW learning rate")
    p.add_argument("--weight-decay", type=float, default=1e-4)
    p.add_argument("--warmup", type=int, default=100, help="linear warm-up steps")
    p.add_argument("--clip", type=float, default=1.0, help="gradient-norm clip (0: off)")
    p.add_argument("--loss", default=None,
                   help="registered loss (default: the task's, e.g. mse; text: cross_entropy)")
    p.add_argument("--task", default=None,
                   help="the task the system belongs to (default: the system's own)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--resize", type=int, default=None, help="image task: short side the "
                   "training images are resized to in memory (0: keep; default 512)")
    p.add_argument("--val-crop", type=int, default=None,
                   help="image task: center-crop side of validation images (default 256)")
    p.add_argument("--val-count", type=int, default=None)
    p.add_argument("--val-every", type=int, default=500)
    p.add_argument("--save-every", type=int, default=100, help="steps between resume saves")
    p.add_argument("--log-every", type=int, default=25)
    p.add_argument("--threads", type=int, default=None, help="torch.set_num_threads")
    p.add_argument("--max-minutes", type=float, default=None,
                   help="wall-clock cap: stop early and write the checkpoint")
    p.add_argument("--device", default="cpu")
    p.add_argument("--resume", nargs="?", const="saved", choices=("saved", "if-saved"),
                   default=None, help="continue from <out>.resume.pt (refused when there is "
                   "none); --resume=if-saved: continue if it exists, else start (for scripts)")
    p.set_defaults(main=main)


def default_task(system: str) -> str:
    """The task of the registered system ``system`` when only one task has it, else the
    default task (then ``--task`` chooses)."""
    from linksim.base.registry import SYSTEMS
    from linksim.core.task import default_task_name

    tasks = {getattr(cls, "task", "") for name, cls in SYSTEMS.items() if name == system.lower()}
    return tasks.pop() if len(tasks) == 1 and "" not in tasks else default_task_name()


def config_from_args(args: argparse.Namespace):
    """The :class:`~linksim.training.config.TrainConfig` for parsed ``linksim train``
    arguments."""
    from linksim.training import TrainConfig
    from linksim.training.config import parse_cbr_flag, parse_sets

    from linksim.core.task import get_task

    task = args.task or default_task(args.system)
    # the task's own options, where given (their defaults are the task's)
    options = {k: v for k, v in (("cbr", args.cbr and parse_cbr_flag(args.cbr)),
                                  ("crop", args.crop), ("val_crop", args.val_crop),
                                  ("resize", args.resize)) if v is not None}
    if options.get("resize") == 0:  # --resize 0: keep full resolution
        options["resize"] = None
    channel_params = parse_sets(args.channel_set, "--channel-set")
    if args.fading is not None:
        channel_params["fading"] = args.fading
    return TrainConfig.from_flat(
        system=args.system, task=task, data=args.data, val=args.val, out=args.out, snr=args.snr,
        config=args.config, overrides=parse_sets(args.sets), channel=args.channel,
        channel_params=channel_params, steps=args.steps, batch=args.batch,
        lr=args.lr, weight_decay=args.weight_decay, warmup=args.warmup, clip=args.clip,
        loss=args.loss or get_task(task).default_loss, seed=args.seed, val_count=args.val_count,
        val_every=args.val_every, save_every=args.save_every, log_every=args.log_every,
        threads=args.threads, max_minutes=args.max_minutes, device=args.device,
        resume=bool(args.resume), **options)


def main(args: argparse.Namespace) -> int:
    import sys

    from linksim.cli._signals import stop_like_ctrl_c
    from linksim.errors import LinksimError
    from linksim.training import resume_path, train

    saved = resume_path(args.out)
    if args.resume == "saved" and not saved.is_file():
        raise LinksimError(f"--resume: {saved}: no resume file (no run under this --out was "
                           "interrupted); check --out, start without --resume, or use "
                           "--resume=if-saved to continue only when one exists")
    args.resume = args.resume is not None and saved.is_file()
    # SIGTERM (a session or scheduler ending the job) and SIGINT (also when a shell started
    # the job in the background with SIGINT ignored) stop training the way Ctrl-C does
    try:
        with stop_like_ctrl_c():
            card = train(config_from_args(args))
    except KeyboardInterrupt:  # a running trainer saves its state before this
        saved = resume_path(args.out)
        print("linksim train: interrupted; " + (
            f"the run is saved in {saved}: the same command with --resume continues it"
            if saved.is_file() else "nothing was saved"), file=sys.stderr)
        return 130
    if card is not None:
        print(json.dumps({k: v for k, v in card.items() if k in ("id", "steps", "wall_time_s")
                          or (k.startswith("val_") and isinstance(v, dict) and k != "val_channel")}))
    return 0
