"""The ``linksim`` command: a thin layer over the library.

Each module of this package is one sub-command and defines
``add_parser(subparsers)`` and ``main(args) -> int``. User errors
(:class:`~linksim.errors.LinksimError`) become one line on stderr and exit
code 2, with no traceback. Anything unexpected (a bug) becomes one line naming the
exception and a log file holding the full traceback, exit code 1;
``LINKSIM_DEBUG=1`` lets it propagate instead.
"""
from __future__ import annotations

import argparse
import importlib
import os
import pkgutil
import sys
import time
import traceback
from pathlib import Path
from typing import NoReturn, Sequence

from linksim import __version__
from linksim.errors import LinksimError


class OneLineParser(argparse.ArgumentParser):
    """argparse with a bad command line as one line (no usage block), exit code 2."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"linksim: error: {self.prog}: {message}; see {self.prog} --help\n")


def build_parser() -> argparse.ArgumentParser:
    parser = OneLineParser(prog="linksim", description="End-to-end wireless link "
                           "simulator for learned and classical coding.")
    parser.add_argument("--version", action="version", version=f"linksim {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda i: i.name):
        if not info.name.startswith("_"):
            importlib.import_module(f"{__name__}.{info.name}").add_parser(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    from linksim.base.allocator import reuse_freed_memory

    reuse_freed_memory()  # every command: full-size tensors without page faults
    try:
        return int(args.main(args) or 0)
    except LinksimError as exc:
        print(f"linksim: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("linksim: interrupted; every finished point is kept", file=sys.stderr)
        return 130
    except BrokenPipeError:  # the reader went away (`linksim table ... | head`): not an error
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # no flush error at exit
        return 0
    except Exception as exc:  # noqa: BLE001 - a bug: one line and a log, never a bare traceback
        if os.environ.get("LINKSIM_DEBUG"):
            raise
        first = (str(exc).splitlines() or [""])[0]
        print(f"linksim: internal error: {type(exc).__name__}: {first} (full traceback in "
              f"{_crash_log(argv)}; every finished point is kept)", file=sys.stderr)
        return 1


def _crash_log(argv: Sequence[str] | None) -> Path:
    """Write the current exception's traceback and the command line to a log file."""
    from linksim.base.paths import cache_dir

    folder = cache_dir("logs")
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"crash-{time.strftime('%Y%m%dT%H%M%S')}-{os.getpid()}.log"
    path.write_text(f"linksim {__version__}: {' '.join(sys.argv if argv is None else argv)}\n"
                    + traceback.format_exc())
    return path
