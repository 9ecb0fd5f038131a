"""The scenario file itself: read, decoded as UTF-8, parsed as TOML, with nothing of linksim
imported beyond its paths and errors, so that a missing or malformed file is reported before
torch or any part is loaded; and :class:`Reader`, which places a key of that text
(``file:line: table.key``) in every message about it."""
from __future__ import annotations

import difflib
import re
import tomllib
from pathlib import Path
from typing import Any, Sequence

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


class Reader:
    """Validation helpers bound to one file's text, for line numbers in messages."""

    def __init__(self, file: Path | str, text: str, overridden: Sequence[str] = ()) -> None:
        self.file, self.lines = str(file), text.splitlines()
        self.overridden = set(overridden)

    def line_of(self, table: Sequence[Any], key: str | None) -> int:
        """Line of ``key`` inside ``table`` (e.g. ("systems", 1)), else of the table header."""
        name = table[0] if table else None
        index = table[1] if len(table) > 1 else 0
        current, seen, header_line = None, -1, 1
        for no, raw in enumerate(self.lines, start=1):
            line = raw.strip()
            m = re.match(r"^\[\[?\s*([A-Za-z0-9_.]+)\s*\]\]?", line)
            if m:
                current = m.group(1)
                if current == name:
                    seen += 1
                    if seen == index:
                        header_line = no
                continue
            in_table = (current is None and name is None) or (current == name and seen == index)
            if in_table and key and re.match(rf"^{re.escape(key)}\s*=", line):
                return no
        return header_line

    def place(self, table: Sequence[Any], key: str | None) -> str:
        """``file:line: table.key`` (``file: --set table.key`` for an override)."""
        where = ".".join(str(t) for t in table) + ("." if table and key else "") + (key or "")
        if where and where in self.overridden:
            return f"{self.file}: --set {where}"
        return f"{self.file}:{self.line_of(table, key)}: {where or '<file>'}"

    def error(self, table: Sequence[Any], key: str | None, message: str) -> ScenarioError:
        return ScenarioError(f"{self.place(table, key)}: {message}")

    def check_keys(self, table: Sequence[Any], data: dict[str, Any], valid: Sequence[str]) -> None:
        for key in data:
            if key not in valid:
                raise self.error(table, key, f"unknown key; valid keys: {', '.join(valid)}")

    def typed(self, table: Sequence[Any], data: dict[str, Any], key: str, types: tuple,
              default: Any = None, required: bool = False) -> Any:
        if key not in data:
            if required:
                raise self.error(table, None, f"missing required key {key!r}")
            return default
        value = data[key]
        if isinstance(value, bool) and bool not in types or not isinstance(value, types):
            names = " or ".join(t.__name__ for t in types)
            raise self.error(table, key, f"expected {names}, got {type(value).__name__} {value!r}")
        return value
