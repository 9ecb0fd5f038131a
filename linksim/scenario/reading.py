"""The scenario file itself: read, decoded as UTF-8, parsed as TOML, with nothing of linksim
imported beyond its paths and errors, so that a missing or malformed file is reported before
torch or any part is loaded."""
from __future__ import annotations

import difflib
import re
import tomllib
from pathlib import Path
from typing import Any

from linksim.base.paths import REPO
from linksim.errors import LinksimError


class ScenarioError(LinksimError):
    """A scenario file problem, located as ``file:line: key: message``."""


def read_toml(path: str | Path) -> tuple[dict[str, Any], str]:
    """``(table, text)`` of the scenario file ``path``; a missing or unreadable file (with
    the closest scenario files), non-UTF-8 text or invalid TOML is a :class:`ScenarioError`
    naming file and line."""
    path = Path(path)
    try:
        data = path.read_bytes()
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise ScenarioError(f"{path}:{line}: <file>: not UTF-8 text (byte "
                            f"0x{data[exc.start]:02x}); save the file as UTF-8") from None
    except OSError as exc:
        raise ScenarioError(f"{path}: cannot read scenario ({exc.strerror}); "
                            f"{closest_hint(path)}") from None
    try:
        return tomllib.loads(text), text
    except tomllib.TOMLDecodeError as exc:
        m = re.search(r"line (\d+)", str(exc))
        raise ScenarioError(f"{path}:{m.group(1) if m else 1}: invalid TOML: {exc}") from None


def closest_hint(path: Path) -> str:
    """``did you mean: a, b`` naming the scenario files nearest to ``path`` by name (those
    under ./scenarios and the repository's scenarios/), else ``check the path``."""
    known: dict[str, Path] = {}
    for root in (Path("scenarios"), REPO / "scenarios"):
        for f in sorted(root.rglob("*.toml")) if root.is_dir() else []:
            try:
                shown = f.resolve().relative_to(Path.cwd().resolve())
            except ValueError:
                shown = f
            known.setdefault(str(shown), f)
    by_name = [k for k in known if Path(k).name == path.name]
    close = by_name or difflib.get_close_matches(str(path), list(known), n=3, cutoff=0.5)
    return f"did you mean: {', '.join(close)}" if close else "check the path"
