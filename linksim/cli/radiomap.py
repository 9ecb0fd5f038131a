"""``linksim radiomap``: ray-trace a radio-map data set (``generate``), and map where in a city
the learned image link beats the separated one (``coverage``)."""
from __future__ import annotations

import argparse
import json


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("radiomap", help="radio maps: generate a Sionna RT data set; coverage "
                                        "of the image link")
    cmds = p.add_subparsers(dest="radiomap_command", required=True, metavar="ACTION")

    g = cmds.add_parser("generate", help="ray-trace path-gain maps of procedural cities "
                        "(resumable: run the same command again)")
    g.add_argument("--out", required=True, help="data-set folder")
    g.add_argument("--split", default="60,8,12", help="cities per split train,val,test")
    g.add_argument("--tx-per-city", type=int, default=8)
    g.add_argument("--cells", type=int, default=128, help="cells per map side (multiple of 16)")
    g.add_argument("--cell-m", type=float, default=2.0, help="cell side in m")
    g.add_argument("--frequency", type=float, default=3.5e9, help="carrier in Hz")
    g.add_argument("--rays", type=int, default=1_000_000, help="rays per transmitter")
    g.add_argument("--max-depth", type=int, default=5, help="interactions per path")
    g.add_argument("--diffraction", action="store_true",
                   help="wedge diffraction on (reflections and refraction always are)")
    g.add_argument("--smooth", action="store_true", help="store the adaptive box mean of each "
                   "Monte-Carlo map (denser; the traced map goes to raw/)")
    g.add_argument("--real-scenes", default="", help="Sionna RT scenes whose tiles train, e.g. "
                   "munich,florence,san_francisco")
    g.add_argument("--holdout-city", default="", help="Sionna RT scene whose tiles form the "
                   "test_city split (e.g. etoile)")
    g.add_argument("--seed", type=int, default=0)
    g.add_argument("--threads", type=int, default=None, help="Dr.Jit threads (default: all)")
    g.add_argument("--order", default="test,test_city,val,train", help="the order the splits "
                   "are traced in (not part of the data set: a run may resume in another)")
    g.add_argument("--verify", action="store_true", help="only recompute the checksum of the "
                   "maps on disk and compare it with the card's")
    g.set_defaults(main=generate_main)

    s = cmds.add_parser("snapshot", help="a fixed view (index + links) of the maps of a data "
                        "set generated so far, e.g. to train while the generation goes on")
    s.add_argument("root", help="data-set folder")
    s.add_argument("--out", required=True, help="folder of the view")
    s.add_argument("--splits", default="train", help="splits to take (default train)")
    s.add_argument("--index", default=None, help="take exactly the maps of this index.jsonl "
                   "(a committed snapshot index, to rebuild the view)")
    s.set_defaults(main=snapshot_main)

    d = cmds.add_parser("diffraction", help="figure: maps of a data set beside the same "
                        "transmitters traced without diffraction")
    d.add_argument("root", help="data-set folder")
    d.add_argument("--maps", required=True, help="map ids, comma separated (e.g. city0032_tx05)")
    d.add_argument("--threads", type=int, default=None, help="Dr.Jit threads")
    d.add_argument("--out", required=True, help="PNG file (the numbers are printed as JSON)")
    d.set_defaults(main=diffraction_main)

    f = cmds.add_parser("plot", help="figure of a system's predictions on a few maps "
                        "(buildings, truth, prediction, error)")
    f.add_argument("system", help="radio-map system (radiounet, radiomamba, fspl, multiwall)")
    f.add_argument("--checkpoint", default=None, help="zoo id of a learned system")
    f.add_argument("--set", action="append", default=[], metavar="KEY=VALUE", dest="sets",
                   help="system parameter (repeatable), e.g. exponent=3.1")
    f.add_argument("--data", default=None, help="data-set folder (default: the committed "
                   "results/radiomap/data/procedural-128)")
    f.add_argument("--split", default="test", help="train, val, test or test_city (default test)")
    f.add_argument("--maps", default="0,40,85", help="positions of the maps in the split")
    f.add_argument("--label", default=None, help="name in the titles (default: the system)")
    f.add_argument("--threads", type=int, default=None, help="torch.set_num_threads")
    f.add_argument("--out", required=True, help="PNG file")
    f.set_defaults(main=plot_main)

    c = cmds.add_parser("coverage", help="trace a scene, turn path gain into SNR and draw where "
                        "image system A beats B (from an image results folder, paired, 95%%)")
    c.add_argument("--scene", default="munich", help="Sionna RT scene name or Mitsuba XML file")
    c.add_argument("--tx", default="0,0,45", help="transmitter x,y,z in m (default 0,0,45)")
    c.add_argument("--center", default="0,0", help="map centre x,y in m")
    c.add_argument("--cells", type=int, default=128, help="cells per map side")
    c.add_argument("--cell-m", type=float, default=4.0, help="cell side in m")
    c.add_argument("--no-diffraction", action="store_true",
                   help="trace reflections and refractions only (as the data set)")
    c.add_argument("--smooth", action="store_true", help="the adaptive box mean of the traced "
                   "map, as a data set generated with --smooth")
    c.add_argument("--max-depth", type=int, default=3, help="interactions per path")
    c.add_argument("--model", default=None, help="take the path gain from this radio-map "
                   "system (radiounet, radiomamba, fspl, multiwall) instead of the ray tracer")
    c.add_argument("--checkpoint", default=None, help="zoo id of the --model's weights")
    c.add_argument("--model-set", action="append", default=[], metavar="KEY=VALUE",
                   help="--model parameter (repeatable), e.g. exponent=2.5")
    c.add_argument("--agree", action="store_true", help="with --model: also trace, and report "
                   "the time of each and how often the per-cell verdicts agree")
    c.add_argument("--p-tx", type=float, default=30.0, help="transmit power in dBm")
    c.add_argument("--bandwidth", type=float, default=10e6, help="bandwidth in Hz")
    c.add_argument("--noise-figure", type=float, default=9.0, help="receiver NF in dB")
    c.add_argument("--results", default="results/image/kodak_rayleigh",
                   help="image results folder whose records give metric versus SNR")
    c.add_argument("--a", default="MambaJSCC (CSI-ReST), campaign", help="label of system A")
    c.add_argument("--b", default="HEVC-intra + LDPC + QAM", help="label of system B")
    c.add_argument("--cbr", default="1/16", help="CBR of the records to read")
    c.add_argument("--metric", default="psnr")
    c.add_argument("--channel", default=None,
                   help="channel label of the records (needed when they hold several)")
    c.add_argument("--out", required=True, help="PNG file (a JSON summary is printed)")
    c.set_defaults(main=coverage_main)


def generate_main(args: argparse.Namespace) -> int:
    from linksim.errors import LinksimError
    from linksim.tasks.radiomap.generate import GenConfig, generate

    try:
        split = tuple(int(v) for v in args.split.split(","))
    except ValueError:
        raise LinksimError(f"--split {args.split!r}: expected three whole numbers "
                           "train,val,test (e.g. 60,8,12)") from None
    if args.verify:
        return verify(args.out)
    cfg = GenConfig(out=args.out, split=split, tx_per_city=args.tx_per_city, cells=args.cells,
                    cell_m=args.cell_m, frequency_hz=args.frequency, rays=args.rays,
                    max_depth=args.max_depth, seed=args.seed, diffraction=args.diffraction,
                    smooth=args.smooth,
                    real_scenes=tuple(v for v in args.real_scenes.split(",") if v),
                    holdout_scene=args.holdout_city)
    card = generate(cfg, threads=args.threads,
                    order=tuple(v for v in args.order.split(",") if v))
    print(json.dumps({k: card.get(k) for k in ("status", "maps", "cities", "trace_wall_s",
                                               "checksum")}))
    return 0


def verify(out: str) -> int:
    """Compare the checksum of the maps on disk with the card's (exit 1 when they differ)."""
    from linksim.tasks.radiomap import storage

    card = storage.read_card(out)
    got = storage.checksum(out)
    same = got == card.get("checksum")
    print(json.dumps({"checksum": got, "card": card.get("checksum"), "match": same,
                      "maps": card.get("total_maps")}))
    return 0 if same else 1


def snapshot_main(args: argparse.Namespace) -> int:
    from pathlib import Path

    from linksim.tasks.radiomap import storage

    ids = ({e["id"] for e in storage.read_index(Path(args.index).parent)}
           if args.index else None)
    if args.index and Path(args.index).name != storage.INDEX:
        from linksim.errors import LinksimError

        raise LinksimError(f"--index {args.index}: expected a file named {storage.INDEX}")
    card = storage.snapshot(Path(args.root), Path(args.out),
                            tuple(v for v in args.splits.split(",") if v), ids)
    print(json.dumps({k: card[k] for k in ("maps", "total_maps", "checksum")}))
    return 0


def diffraction_main(args: argparse.Namespace) -> int:
    from linksim.tasks.radiomap import raytracer
    from linksim.tasks.radiomap.diffraction_figure import plot_diffraction

    raytracer.set_threads(args.threads)
    stats = plot_diffraction(args.root, [m for m in args.maps.split(",") if m], args.out)
    print(json.dumps(stats))
    return 0


def plot_main(args: argparse.Namespace) -> int:
    from linksim.errors import LinksimError
    from linksim.tasks.radiomap.figures import plot_predictions
    from linksim.training.config import parse_sets

    if args.threads:
        import torch

        torch.set_num_threads(args.threads)
    try:
        maps = [int(v) for v in args.maps.split(",")]
    except ValueError:
        raise LinksimError(f"--maps {args.maps!r}: expected whole numbers like 0,40,85") from None
    params = parse_sets(args.sets)
    if args.checkpoint:
        params["checkpoint"] = args.checkpoint
    path = plot_predictions(args.system, params, args.out, args.data, args.split, maps,
                            args.label)
    print(path)
    return 0


def _floats(flag: str, text: str, n: int) -> tuple[float, ...]:
    from linksim.errors import LinksimError

    try:
        values = tuple(float(v) for v in text.split(","))
    except ValueError:
        values = ()
    if len(values) != n:
        raise LinksimError(f"{flag} {text!r}: expected {n} numbers separated by commas")
    return values


def coverage_main(args: argparse.Namespace) -> int:
    from linksim.errors import LinksimError
    from linksim.tasks.radiomap.coverage import LinkBudget
    from linksim.tasks.radiomap.coverage_figure import Site, coverage
    from linksim.training.config import parse_cbr_flag, parse_sets

    if args.cells <= 0 or args.cell_m <= 0 or args.bandwidth <= 0:
        raise LinksimError("--cells, --cell-m and --bandwidth must be positive")
    site = Site(scene=args.scene, tx=_floats("--tx", args.tx, 3),
                center=_floats("--center", args.center, 2), cells=args.cells,
                cell_m=args.cell_m, diffraction=not args.no_diffraction, smooth=args.smooth,
                max_depth=args.max_depth)
    budget = LinkBudget(args.p_tx, args.bandwidth, args.noise_figure)
    if (args.checkpoint or args.model_set or args.agree) and not args.model:
        raise LinksimError("--checkpoint, --model-set and --agree need --model (e.g. --model "
                           "radiounet --checkpoint <zoo id>)")
    params = parse_sets(args.model_set)
    if args.checkpoint:
        params["checkpoint"] = args.checkpoint
    summary = coverage(site, budget, args.results, args.a, args.b, parse_cbr_flag(args.cbr),
                       args.out, args.metric, args.channel, model=args.model,
                       model_params=params, agree=args.agree)
    print(json.dumps(summary))
    return 0
