"""The ``linksim`` command: a thin layer over the library.

Each module of this package is one sub-command and defines
``add_parser(subparsers)`` and ``main(args) -> int``. User errors
(:class:`~linksim.errors.LinksimError`) become one line on stderr and exit
code 2, with no traceback.
"""
from __future__ import annotations

import argparse
import importlib
import pkgutil
import sys
from typing import Sequence

from linksim import __version__
from linksim.errors import LinksimError


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="linksim", description="End-to-end wireless link "
                                     "simulator for learned and classical coding.")
    parser.add_argument("--version", action="version", version=f"linksim {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda i: i.name):
        if not info.name.startswith("_"):
            importlib.import_module(f"{__name__}.{info.name}").add_parser(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args.main(args) or 0)
    except LinksimError as exc:
        print(f"linksim: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("linksim: interrupted; every finished point is kept", file=sys.stderr)
        return 130
