"""``linksim list``: every registry (tasks, systems, channels, ...) and every checkpoint, each
part with where it comes from (``linksim``, or the plugin that registered it).

Built-in parts are read from :mod:`linksim.core.catalog` (a snapshot checked against the
sources), so the listing starts without importing torch or any model; installed plugins
(entry-point group ``linksim.plugins``) are imported and listed live, only when there are any.
"""
from __future__ import annotations

import argparse


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("list", help="list systems, channels, data sets, metrics, checkpoints "
                                    "and where each comes from")
    p.add_argument("--plugin", action="append", default=[], metavar="MODULE",
                   help="also import this local plugin module (as a scenario's plugins = "
                        "[...] does) and list its parts (repeatable)")
    p.set_defaults(main=main)


def rows(plugins: list[str] = ()) -> dict[str, list[tuple[str, str, str, str]]]:
    """``{kind: [(name, task, origin, summary), ...]}``: the catalog's built-in parts, plus
    the parts of installed plugins and of the local modules ``plugins``."""
    from linksim.core.catalog import load
    from linksim.base.registry import BUILTIN, plugin_entry_points

    out = {kind: [(name, task, BUILTIN, summary) for name, task, summary in items]
           for kind, items in load()["registries"].items()}
    if not plugins and not plugin_entry_points():
        return out
    import inspect

    from linksim.core.catalog import plain
    from linksim.base.registry import ALL, load_plugin

    for module in plugins:
        load_plugin(module)
    for kind, registry in ALL.items():
        for name, obj in registry.items():
            origin = registry.origin_of(obj)
            if origin != BUILTIN:
                owner = getattr(obj, "task", "")
                out.setdefault(kind, []).append((name, owner if isinstance(owner, str) else "",
                                                 origin, plain(inspect.getdoc(
                                                     getattr(obj, "fn", obj)) or "")))
        out.get(kind, []).sort(key=lambda row: (row[0], row[1]))
    return out


def main(args: argparse.Namespace) -> int:
    from linksim.zoo import list_checkpoints

    for kind, items in rows(args.plugin).items():
        print(f"{kind}:")
        for name, task, origin, summary in items:
            where = "" if origin == "linksim" else f"<{origin}> "
            print(f"  {name:<14} {f'[{task}] ' if task else ''}{where}{summary}")
    print("(parts without <...> come with linksim; <...> names the plugin that added it)")
    from pathlib import Path

    from linksim.base.paths import REPO

    print("checkpoints:")
    cards = list_checkpoints()
    shipped = (REPO / "zoo").resolve()
    width = max([len(str(c.get("id", "?"))) for c in cards] + [0])
    for card in cards:
        cbr = card.get("cbr_label", card.get("cbr"))
        snr = card.get("snr_db", card.get("snr_range"))
        facts = ([f"cbr {cbr}"] if cbr is not None else []) + (
            [f"snr {snr}"] if snr is not None else []) + [f"steps {card.get('steps', '?')}"]
        folder = Path(card["path"]).resolve().parent
        if folder != shipped:
            facts.append(f"<{folder}>")
        print(f"  {card.get('id', '?'):<{width}} {card.get('system', '?'):<12} " + "  ".join(facts))
    return 0
