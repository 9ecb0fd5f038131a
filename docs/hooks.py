"""MkDocs hooks: the guide's generated parts, computed from the code and the records at
build time, so no number or key list in the guide is maintained by hand.

Blocks a page may hold (paths relative to the page's file):

- ``<!-- table: FOLDER [--metric M] [--x AXIS] -->`` ... ``<!-- /table -->``: the tables of a
  results folder (:func:`linksim.tables.expand_blocks`, as ``linksim table --readme``);
- ``<!-- figures: FOLDER -->``: every figure (PNG) of a results folder, copied into the site;
- ``<!-- systems: TASK -->``: the task's registered systems (role, family, origin, summary);
- ``<!-- scenario-reference -->``: :func:`linksim.scenario.reference.markdown`;
- ``<!-- tasks-table -->``: every registered task, its default data set, metrics and systems;
- ``<!-- results: TASK -->``: for every results folder ``results/TASK/*`` with records (found
  when the guide is built, so new folders appear by themselves): its tables of every metric
  and its figures;
- ``<!-- include: FILE -->``: a generated file (a table a script wrote from records or a
  benchmark): Markdown inline with its headings two levels down, anything else verbatim in a
  code block.
"""
from __future__ import annotations

import inspect
import re
from pathlib import Path

from mkdocs.structure.files import File

ROOT = Path(__file__).resolve().parents[1]
_FIGURES = re.compile(r"<!-- figures: (\S+) -->")
_SYSTEMS = re.compile(r"<!-- systems: (\w+) -->")
_RESULTS = re.compile(r"<!-- results: (\w+) -->")
_INCLUDE = re.compile(r"<!-- include: (\S+) -->")


def _result_folders(task: str) -> list[Path]:
    return sorted(p.parent for p in (ROOT / "results" / task).glob("*/results.jsonl"))


def _pngs(page_file: Path, folder: str) -> list[Path]:
    return sorted((page_file.parent / folder).resolve().glob("*.png"))


_LINK = re.compile(r"(!?\[[^\]]*\])\(([^)\s]+)\)")


def _repo_file(page: Path, target: str, docs: Path) -> Path | None:
    """The repository file (outside the guide) a relative link of ``page`` points to."""
    if re.match(r"^[a-z]+:|^#|^/", target):
        return None
    path = (page.parent / target.split("#")[0]).resolve()
    inside_docs = docs.resolve() in path.parents
    if inside_docs or ROOT not in path.parents or not path.is_file():
        return None
    return path


def on_files(files, config):
    """Add every figure a page names (figure blocks, or links to files of the repository
    outside docs/) to the site, under its path in the repository."""
    docs = Path(config["docs_dir"])
    for page in docs.rglob("*.md"):
        text = page.read_text()
        found = [png for folder in _FIGURES.findall(text) for png in _pngs(page, folder)]
        found += [png for task in _RESULTS.findall(text) for folder in _result_folders(task)
                  for png in sorted(folder.glob("*.png"))]
        found += [f for _, t in _LINK.findall(text)
                  if (f := _repo_file(page, t, docs)) is not None and f.suffix != ".md"]
        for path in found:
            uri = path.relative_to(ROOT).as_posix()
            if files.get_file_from_path(uri) is None:
                files.append(File.generated(config, uri, abs_src_path=str(path)))
    return files


def _site_links(markdown: str, page, config) -> str:
    """Links to repository files outside docs/: figures and files point into the site
    (on_files copied them), Markdown files become their repository path as code."""
    docs = Path(config["docs_dir"])
    src = Path(page.file.abs_src_path)
    depth = len(Path(page.file.src_uri).parent.parts)

    def link(m: re.Match) -> str:
        path = _repo_file(src, m.group(2), docs)
        if path is None:
            return m.group(0)
        uri = path.relative_to(ROOT).as_posix()
        if path.suffix == ".md":
            return f"{m.group(1)[1:-1]} (`{uri}`)"
        return f"{m.group(1)}({Path(*(['..'] * depth), uri).as_posix()})"

    return _LINK.sub(link, markdown)


def _systems(task: str) -> str:
    from linksim.base.registry import SYSTEMS
    from linksim.core.catalog import plain
    from linksim.plots import system_kind

    rows = ["| system | role | family | from | what it is |", "|---|---|---|---|---|"]
    for name, cls in SYSTEMS.items(task):
        if getattr(cls, "task", "") != task:
            continue
        family, role = system_kind(name, task)
        summary = plain(inspect.getdoc(cls) or "").replace("|", "/")
        rows.append(f"| `{name}` | {role} | {family} | {SYSTEMS.origin_of(cls)} | {summary} |")
    return "\n".join(rows) + "\n"


def _tasks() -> str:
    from linksim.base.registry import SYSTEMS, TASKS
    from linksim.core.catalog import plain

    rows = ["| task | what | default data set | metrics | systems |", "|---|---|---|---|---|"]
    for name, cls in TASKS.items():
        task = cls()
        systems = ", ".join(f"`{n}`" for n, c in SYSTEMS.items(name)
                            if getattr(c, "task", "") == name)
        rows.append(f"| [{name}](tasks/{name}.md) | {plain(inspect.getdoc(cls) or '')} | "
                    f"`{task.default_dataset}` | {', '.join(task.default_metrics)} | "
                    f"{systems} |")
    return "\n".join(rows) + "\n"


def _results(task: str, page) -> str:
    """Every results folder of ``task``: the tables of each metric, then its figures."""
    from linksim.core.record import load_records
    from linksim.tables import markdown_tables

    depth = len(Path(page.file.src_uri).parent.parts)
    out = []
    for folder in _result_folders(task):
        rel = folder.relative_to(ROOT).as_posix()
        records = load_records(folder)
        metrics = sorted({m for r in records for m in r.metrics})
        out += [f"### `{rel}`", "", f"{len(records)} records; `linksim report {rel}` writes "
                "the full report (every metric against every axis, paired differences, "
                "provenance).", ""]
        out += [markdown_tables(records, m) for m in metrics]
        out += [f"![{png.stem}]({Path(*(['..'] * depth), png.relative_to(ROOT)).as_posix()})"
                for png in sorted(folder.glob("*.png"))]
        out.append("")
    return "\n\n".join(out) if out else "No results yet."


def _include(page_file: Path, target: str) -> str:
    """The generated file ``target`` (relative to the page's file), ready to inline."""
    path = (page_file.parent / target).resolve()
    if not path.is_file():
        raise FileNotFoundError(f"{page_file}: <!-- include: {target} -->: no file {path}; "
                                "generate it or fix the path")
    text = path.read_text().strip()
    if path.suffix != ".md":
        return f"```text\n{text}\n```"
    text = re.sub(r"<!--.*?-->\n?", "", text, flags=re.S)
    return re.sub(r"^(#{1,4}) ", lambda m: "#" * (len(m.group(1)) + 2) + " ", text, flags=re.M)


def on_page_markdown(markdown, page, config, files):
    from linksim.tables import expand_blocks

    src = Path(page.file.abs_src_path)
    markdown, _ = expand_blocks(markdown, src.parent)
    if "<!-- scenario-reference -->" in markdown:
        from linksim.scenario.reference import markdown as reference

        markdown = markdown.replace("<!-- scenario-reference -->", reference())
    markdown = _SYSTEMS.sub(lambda m: _systems(m.group(1)), markdown)
    markdown = _RESULTS.sub(lambda m: _results(m.group(1), page), markdown)
    markdown = _INCLUDE.sub(lambda m: _include(src, m.group(1)), markdown)
    if "<!-- tasks-table -->" in markdown:
        markdown = markdown.replace("<!-- tasks-table -->", _tasks())

    def figures(m: re.Match) -> str:
        here = Path(page.file.src_uri).parent
        out = []
        for png in _pngs(src, m.group(1)):
            uri = png.relative_to(ROOT).as_posix()
            rel = Path(*([".."] * len(here.parts)), uri).as_posix()
            out.append(f"![{png.stem}]({rel})")
        return "\n\n".join(out) + "\n"

    return _site_links(_FIGURES.sub(figures, markdown), page, config)
