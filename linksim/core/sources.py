"""The ``.py`` files of linksim's packages, read without importing them: registration
sites (the catalog's stamp), the imports between modules and a fingerprint of each module
(its text and that of every linksim module it imports).
"""
from __future__ import annotations

import hashlib
import importlib.util
import json
import re
from pathlib import Path

_PACKAGES = ("linksim", "linksim.baselines")
#: a decorator whose first argument is a name: how every part registers itself
_REGISTRATION = re.compile(r"""^[ \t]*@([\w.]+)\(\s*["']([^"']+)["']""", re.MULTILINE)
#: an import statement: ``from a.b import (c, d)`` or ``import a.b as c, d``
_IMPORT = re.compile(r"^[ \t]*(?:from[ \t]+([\w.]+)[ \t]+import[ \t]+(\([^)]*\)|[^\n]*)"
                     r"|import[ \t]+([^\n]+))", re.MULTILINE)


def source_files() -> list[tuple[str, Path]]:
    """``(package-relative name, path)`` of every ``.py`` file of the packages, sorted."""
    out = []
    for pkg in _PACKAGES:
        spec = importlib.util.find_spec(pkg)
        for root in (spec.submodule_search_locations or []) if spec else []:
            root = Path(root)
            out += [(f"{pkg}/{p.relative_to(root).as_posix()}", p) for p in root.rglob("*.py")]
    return sorted(out)


class Sources:
    """The ``.py`` files of the packages, each read once: the registration sites, the
    imports between modules and the fingerprints of modules."""

    def __init__(self) -> None:
        self.paths = dict(source_files())
        self.modules = {_module_name(rel): rel for rel in self.paths}
        self._texts: dict[str, str] = {}
        self._fingerprints: dict[str, str | None] = {}

    def text(self, rel: str) -> str:
        """The text of the file ``rel`` (read once)."""
        if rel not in self._texts:
            self._texts[rel] = self.paths[rel].read_text(encoding="utf-8")
        return self._texts[rel]

    def registrations(self) -> list[tuple[str, str, str]]:
        """``(file, decorator, name)`` of every registration site, sorted."""
        return sorted((rel, deco, name) for rel in self.paths
                      for deco, name in _REGISTRATION.findall(self.text(rel)))

    def digest(self) -> str:
        """SHA-1 of the registration sites (the catalog's stamp)."""
        return hashlib.sha1(json.dumps(self.registrations()).encode()).hexdigest()

    def layout(self) -> str:
        """SHA-1 of the names of the files (a new module may register parts at no site the
        stamp sees, e.g. ``metric(f"bleu{n}")`` in a loop)."""
        return hashlib.sha1(json.dumps(sorted(self.paths)).encode()).hexdigest()

    def file_of(self, module: str) -> str | None:
        """The package-relative file of the module named ``module`` (``None``: not ours)."""
        return self.modules.get(module)

    def imports(self, rel: str) -> set[str]:
        """The files of the linksim modules (and their packages) that ``rel`` imports
        anywhere in its text; a word that only looks like an import adds, never drops one."""
        names = set()
        for base, what, plain_import in _IMPORT.findall(self.text(rel)):
            if base:
                base = _absolute(base, rel)
                names |= {base} | {f"{base}.{w}" for w in re.findall(r"\w+", what)}
            else:
                names |= set(re.findall(r"[\w.]+", plain_import))
        out = set()
        for name in names:
            parts = name.split(".")
            out |= {self.modules[m] for m in (".".join(parts[:i]) for i in
                                              range(1, len(parts) + 1)) if m in self.modules}
        return out

    def closure(self, rel: str) -> list[str]:
        """``rel`` and every file it imports, directly or through others, sorted."""
        seen, todo = set(), [rel]
        while todo:
            current = todo.pop()
            if current not in seen:
                seen.add(current)
                todo += self.imports(current) - seen
        return sorted(seen)

    def fingerprint(self, rel: str) -> str | None:
        """SHA-1 of the text of ``rel`` and of every file in its :meth:`closure` (``None``:
        no such file)."""
        if rel not in self._fingerprints:
            self._fingerprints[rel] = None if rel not in self.paths else hashlib.sha1(
                json.dumps([[f, hashlib.sha1(self.text(f).encode()).hexdigest()]
                            for f in self.closure(rel)]).encode()).hexdigest()
        return self._fingerprints[rel]


def _module_name(rel: str) -> str:
    """``linksim/core/task.py`` -> ``linksim.core.task``; a package's ``__init__.py`` -> the
    package."""
    name = rel.removesuffix(".py").replace("/", ".")
    return name.removesuffix(".__init__")


def _absolute(base: str, rel: str) -> str:
    """The module a ``from base import`` in the file ``rel`` names (``..x`` -> its package's
    sibling ``x``)."""
    level = len(base) - len(base.lstrip("."))
    if not level:
        return base
    package = _module_name(rel).split(".")
    if not rel.endswith("__init__.py"):
        package = package[:-1]
    up = package[:len(package) - level + 1]
    return ".".join(up + ([base[level:]] if base[level:] else []))


def source_digest() -> str:
    """SHA-1 of the registration sites (the catalog's stamp)."""
    return Sources().digest()
