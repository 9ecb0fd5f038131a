"""``linksim list``: every registry (tasks, systems, channels, ...) and every checkpoint."""
from __future__ import annotations

import argparse
import inspect



def _summary(obj) -> str:
    doc = inspect.getdoc(obj) or ""
    return doc.splitlines()[0] if doc else ""


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("list", help="list systems, channels, data sets, metrics, checkpoints")
    p.set_defaults(main=main)


def main(args: argparse.Namespace) -> int:
    from linksim.core.registry import ALL

    for title, registry in ALL.items():
        print(f"{title}:")
        for name, obj in registry.items():
            owner = getattr(obj, "task", None)
            tag = f"[{owner}] " if isinstance(owner, str) and owner else ""
            print(f"  {name:<14} {tag}{_summary(getattr(obj, 'fn', obj))}")
    print("checkpoints:")
    try:
        from linksim.zoo import list_checkpoints
    except ImportError:
        list_checkpoints = list
    for card in list_checkpoints():
        print(f"  {card.get('id', '?'):<46} {card.get('system', '?'):<10} "
              f"cbr {card.get('cbr_label', card.get('cbr', '?'))}  "
              f"snr {card.get('snr_db', card.get('snr_range', '?'))}  "
              f"steps {card.get('steps', '?')}")
    return 0
