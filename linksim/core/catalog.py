"""The catalog of registered parts, readable without importing them (``linksim list``).

Importing every part (torch, Sionna, the models) takes seconds; listing them should
not. The catalog is a JSON snapshot of every registry, ``{kind: [[name, task, summary],
...]}``, stamped with a digest of the registration sites it was built from: every
decorator that registers a part by name (``@SYSTEMS.register("uncoded")``,
``@metric("psnr", ...)``) in the ``.py`` files of the ``linksim`` package, with its file.
Adding, removing, renaming or moving a part changes the stamp; editing code does not.

:func:`load` returns the shipped snapshot (``linksim/catalog.json``) or the user's cached
one (``cache_dir("catalog")``) when its stamp matches the sources, and otherwise imports
everything, builds the snapshot from the live registries and caches it. Refresh the
shipped one after changing parts with ``python -m linksim.core.catalog`` (a test checks
that it is current).
"""
from __future__ import annotations

import hashlib
import importlib.util
import inspect
import json
import re
from pathlib import Path
from typing import Any

from linksim.base.paths import cache_dir

SHIPPED = Path(__file__).resolve().parents[1] / "catalog.json"
_PACKAGES = ("linksim", "linksim.baselines")
#: a decorator whose first argument is a name: how every part registers itself
_REGISTRATION = re.compile(r"""^[ \t]*@([\w.]+)\(\s*["']([^"']+)["']""", re.MULTILINE)


def source_files() -> list[tuple[str, Path]]:
    """``(package-relative name, path)`` of every ``.py`` file of the packages, sorted."""
    out = []
    for pkg in _PACKAGES:
        spec = importlib.util.find_spec(pkg)
        for root in (spec.submodule_search_locations or []) if spec else []:
            root = Path(root)
            out += [(f"{pkg}/{p.relative_to(root).as_posix()}", p) for p in root.rglob("*.py")]
    return sorted(out)


def registrations() -> list[tuple[str, str, str]]:
    """``(file, decorator, name)`` of every registration site, sorted."""
    return sorted((rel, deco, name) for rel, path in source_files()
                  for deco, name in _REGISTRATION.findall(path.read_text(encoding="utf-8")))


def source_digest() -> str:
    """SHA-1 of the registration sites (the catalog's stamp)."""
    return hashlib.sha1(json.dumps(registrations()).encode()).hexdigest()


#: LaTeX in ``:math:`` roles -> plain text, in this order
_LATEX = ((r"\\frac\s*\{?(\w)\}?\s*\{?(\w)\}?", r" (\1/\2) "), (r"\\log_\{?(\d+)\}?", r" log\1 "),
          (r"\\(?:mathrm|mathcal|mathbf|operatorname)\{([^}]*)\}", r"\1"),
          (r"\\sqrt\{([^}]*)\}", r"sqrt(\1)"), (r"\\hat\s*\{?(\w)\}?", r"\1_hat"),
          (r"\\sim", "~"), (r"\\sum_(\w)", r"sum_\1 "), (r"\\(\w+)", r"\1"), (r"\s+", " "))


def _math(tex: str) -> str:
    for pattern, repl in _LATEX:
        tex = re.sub(pattern, repl, tex)
    return tex.strip()


def plain(doc: str) -> str:
    """The first line of a docstring without reStructuredText markup: ``:math:`\\sqrt{N_0}```
    -> ``sqrt(N_0)``, ``:class:`~a.B``` -> ``B``, double back-quotes dropped."""
    lines = (doc or "").strip().splitlines()
    line = lines[0] if lines else ""
    line = re.sub(r":math:`([^`]*)`", lambda m: _math(m.group(1)), line)
    line = re.sub(r":\w+:`~?([^`]*)`", lambda m: m.group(1).rsplit(".", 1)[-1], line)
    return line.replace("``", "")


def build() -> dict[str, Any]:
    """Import every part and snapshot the live registries (built-in parts only: plugins
    are listed live, :mod:`linksim.cli.list`)."""
    from linksim.base.registry import ALL, BUILTIN

    registries = {}
    for kind, registry in ALL.items():
        rows = []
        for name, obj in registry.items():
            if registry.origin_of(obj) != BUILTIN:
                continue
            owner = getattr(obj, "task", "")
            rows.append([name, owner if isinstance(owner, str) else "",
                         plain(inspect.getdoc(getattr(obj, "fn", obj)) or "")])
        registries[kind] = rows
    return {"digest": source_digest(), "registries": registries}


def _read(path: Path) -> dict[str, Any] | None:
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return None


def load() -> dict[str, Any]:
    """The current catalog: a snapshot whose stamp matches the sources, else a new one."""
    digest = source_digest()
    cached = cache_dir("catalog") / "catalog.json"
    for path in (SHIPPED, cached):
        snap = _read(path)
        if snap and snap.get("digest") == digest:
            return snap
    snap = build()
    try:
        cached.parent.mkdir(parents=True, exist_ok=True)
        cached.write_text(json.dumps(snap, indent=1) + "\n")
    except OSError:
        pass  # a read-only cache only costs the next call the import again
    return snap


def write_shipped() -> Path:
    SHIPPED.write_text(json.dumps(build(), indent=1) + "\n")
    return SHIPPED


if __name__ == "__main__":
    print(f"wrote {write_shipped()}")
