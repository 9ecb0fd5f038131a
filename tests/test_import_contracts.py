"""The layer rules of ARCHITECTURE.md as a contract over the import graph.

Every ``import`` of a linksim module, at module level or inside a function, is an edge;
an edge may only run down the floors (or stay inside one package), and the module graph has
no circle. The floors, bottom up (a package may import the floors below it):

====  ===============================================  ====================================
rank  packages                                         may also import
====  ===============================================  ====================================
0     ``linksim`` (the root), ``linksim.errors``,     base: errors
      ``linksim.base``
1     ``linksim.channels``, ``linksim.nn``
2     ``linksim.phy``, ``linksim.mamba``                phy: channels; mamba: nn (rank 1)
3     ``linksim.zoo``
4     ``linksim.core`` (the engine)
5     ``linksim.scenario`` (the file format)
6     ``linksim.tasks.<task>``                          never another task
7     ``linksim.baselines.<task>``                      its task; never another baseline
8     ``linksim.training``
9     ``linksim.plots``, ``linksim.tables``,
      ``linksim.bench``
10    ``linksim.reports``
11    ``linksim.api``
12    ``linksim.cli``, ``linksim.__main__``            __main__: cli
====  ===============================================  ====================================

Floors of one rank do not import each other, except as the last column says.
"""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
RANKS = {"linksim": 0, "linksim.errors": 0, "linksim.base": 0,
         "linksim.channels": 1, "linksim.nn": 1, "linksim.phy": 2, "linksim.mamba": 2,
         "linksim.zoo": 3, "linksim.core": 4, "linksim.scenario": 5, "linksim.tasks": 6,
         "linksim.baselines": 7, "linksim.training": 8, "linksim.plots": 9,
         "linksim.tables": 9, "linksim.bench": 9, "linksim.reports": 10, "linksim.api": 11,
         "linksim.cli": 12, "linksim.__main__": 12}
#: (importer floor, imported floor) pairs of one rank that are allowed
SIDEWAYS = {("linksim.phy", "linksim.channels"), ("linksim.mamba", "linksim.nn"),
            ("linksim.base", "linksim.errors"), ("linksim.__main__", "linksim.cli")}
#: source folders of the packages (``linksim.baselines`` lives in the top-level ``baselines/``)
FOLDERS = {"linksim": ROOT / "linksim", "linksim.baselines": ROOT / "baselines"}


def modules() -> dict[str, Path]:
    """Every module of linksim, by dotted name."""
    out = {}
    for package, folder in FOLDERS.items():
        for path in folder.rglob("*.py"):
            parts = path.relative_to(folder).with_suffix("").parts
            if parts[-1] == "__init__":
                parts = parts[:-1]
            out[".".join((package, *parts))] = path
    return out


MODULES = modules()


def imported(name: str, path: Path) -> set[str]:
    """The linksim modules ``name`` imports anywhere in its file (function bodies too)."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            targets = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                up = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(up + ([base] if base else []))
            targets = [f"{base}.{a.name}" if f"{base}.{a.name}" in MODULES else base
                       for a in node.names]
        else:
            continue
        for target in targets:
            while target and target not in MODULES:
                target = target.rpartition(".")[0]
            if target and target != name:
                found.add(target)
    return found


GRAPH = {name: imported(name, path) for name, path in MODULES.items()}


def floor(name: str) -> str:
    """The floor of a module: the longest key of RANKS it falls under; a task or baseline
    package is a floor of its own (``linksim.tasks.image``)."""
    parts = name.split(".")
    if parts[:2] in (["linksim", "tasks"], ["linksim", "baselines"]) and len(parts) > 2:
        return ".".join(parts[:3])
    for n in range(len(parts), 0, -1):
        if ".".join(parts[:n]) in RANKS:
            return ".".join(parts[:n])
    raise AssertionError(f"{name}: in no floor of RANKS; add it to the table")


def rank(fl: str) -> int:
    return RANKS[fl] if fl in RANKS else RANKS[fl.rpartition(".")[0]]


def allowed(src: str, dst: str) -> bool:
    a, b = floor(src), floor(dst)
    if a == b or rank(b) < rank(a) and not (a.startswith("linksim.tasks.")
                                            and b.startswith("linksim.tasks.")):
        if a.startswith("linksim.baselines.") and b.startswith("linksim.tasks."):
            return b.rpartition(".")[2] == a.rpartition(".")[2]
        return True
    return (a, b) in SIDEWAYS


def test_every_module_is_on_a_floor():
    for name in MODULES:
        floor(name)


def test_no_import_runs_up_a_floor():
    bad = sorted(f"{src} -> {dst}" for src, dsts in GRAPH.items() for dst in dsts
                 if not allowed(src, dst))
    assert not bad, "imports against the floors of ARCHITECTURE.md:\n" + "\n".join(bad)


def test_no_circle_in_the_module_graph():
    """Tarjan's strongly connected components; any component of two or more is a circle."""
    index, low, stack, on, circles = {}, {}, [], set(), []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in GRAPH[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                circles.append(sorted(component))

    for v in sorted(GRAPH):
        if v not in index:
            visit(v)
    assert not circles, "import circles: " + "; ".join(" <-> ".join(c) for c in circles)


@pytest.mark.parametrize("src,dst,ok", [
    ("linksim.core.runner", "linksim.channels.base", True),
    ("linksim.channels.base", "linksim.core.runner", False),
    ("linksim.tasks.text.task", "linksim.tasks.image.task", False),
    ("linksim.baselines.text.deepsc.system", "linksim.tasks.text.task", True),
    ("linksim.baselines.text.deepsc.system", "linksim.tasks.image.task", False),
    ("linksim.baselines.text.deepsc.system", "linksim.baselines.image.swinjscc.system", False),
    ("linksim.phy.bicm", "linksim.channels.base", True),
    ("linksim.nn.symbols", "linksim.channels.base", False),
])
def test_the_rules_themselves(src, dst, ok):
    assert allowed(src, dst) is ok
