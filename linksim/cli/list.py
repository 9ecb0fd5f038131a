"""``linksim list``: every registry (tasks, systems, channels, ...) and every checkpoint.

Reads :mod:`linksim.core.catalog` (a snapshot checked against the sources), so it starts
without importing torch or any model.
"""
from __future__ import annotations

import argparse


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("list", help="list systems, channels, data sets, metrics, checkpoints")
    p.set_defaults(main=main)


def main(args: argparse.Namespace) -> int:
    from linksim.core.catalog import load
    from linksim.zoo import list_checkpoints

    for kind, rows in load()["registries"].items():
        print(f"{kind}:")
        for name, task, summary in rows:
            print(f"  {name:<14} {f'[{task}] ' if task else ''}{summary}")
    print("checkpoints:")
    cards = list_checkpoints()
    width = max([len(str(c.get("id", "?"))) for c in cards] + [0])
    for card in cards:
        cbr = card.get("cbr_label", card.get("cbr"))
        snr = card.get("snr_db", card.get("snr_range"))
        facts = ([f"cbr {cbr}"] if cbr is not None else []) + (
            [f"snr {snr}"] if snr is not None else []) + [f"steps {card.get('steps', '?')}"]
        print(f"  {card.get('id', '?'):<{width}} {card.get('system', '?'):<12} " + "  ".join(facts))
    return 0
