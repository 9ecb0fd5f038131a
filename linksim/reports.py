"""The report of a results folder, from its records alone (``linksim report FOLDER``).

:func:`write_report` writes ``report.html`` (self-contained: styles inline, figures as
data URIs, no script from elsewhere) and ``report.md`` (figures beside it in
``report_files/``) with

- every metric against every axis: one figure per (metric, x axis, channel, other axes),
  means with 95% intervals (:mod:`linksim.plots`);
- the tables of every metric (:mod:`linksim.tables`);
- paired differences of every system against a reference system, per point, with 95%
  intervals (:mod:`linksim.core.compare`);
- the provenance: scenario names and hashes, seeds, source, linksim and torch versions,
  devices, hosts, total and per-system wall time, every checkpoint with its model card.

The reference defaults to the first system (by label) whose class declares the
``classical`` role and has an envelope (a best-MCS separated chain), else the first
classical system, else none.
"""
from __future__ import annotations

import base64
import html
import re
import tempfile
from collections import defaultdict
from pathlib import Path
from typing import Any

from linksim.core.record import Record, load_records
from linksim.errors import LinksimError

HTML = "report.html"
MARKDOWN = "report.md"
FILES = "report_files"
#: model-card fields shown in the provenance (when the card has them)
CARD_FIELDS = ("system", "config", "cbr_label", "snr_db", "channel", "data", "steps", "crop",
               "batch", "device", "wall_time_s", "val_psnr", "torch", "linksim")


def default_reference(records: list[Record]) -> str | None:
    """The reference system of a report when none is named (module docstring)."""
    from linksim.plots import system_kind

    classical = sorted({(r.envelope is None, r.label) for r in records
                        if system_kind(r.system, r.task)[1] == "classical"})
    return classical[0][1] if classical else None


def provenance(records: list[Record]) -> list[tuple[str, str]]:
    """``(field, value)`` rows describing where the records came from."""
    def values(get) -> str:
        found = sorted({str(get(r)) for r in records if get(r) not in (None, "")})
        return ", ".join(found) or "-"

    wall = sum(r.wall_time_s for r in records)
    return [("records", str(len(records))),
            ("task", values(lambda r: r.task)),
            ("scenario", values(lambda r: r.scenario)),
            ("scenario hash", values(lambda r: r.scenario_hash)),
            ("seed", values(lambda r: r.seed)),
            ("source", values(lambda r: r.source)),
            ("linksim", values(lambda r: r.version)),
            ("torch", values(lambda r: r.torch)),
            ("device", values(lambda r: r.device)),
            ("host", values(lambda r: r.host)),
            ("wall time (sum over points)", f"{wall:.0f} s ({wall / 3600:.2f} h)")]


def wall_by_system(records: list[Record]) -> list[tuple[str, int, float]]:
    """``(label, points, wall seconds)`` per system."""
    acc: dict[str, list[float]] = defaultdict(lambda: [0, 0.0])
    for r in records:
        acc[r.label][0] += 1
        acc[r.label][1] += r.wall_time_s
    return [(label, int(n), t) for label, (n, t) in sorted(acc.items())]


def checkpoints(records: list[Record]) -> list[dict[str, Any]]:
    """Every checkpoint the records name, with its content hash and card fields (the card
    is read from the zoo when present; otherwise the hash alone)."""
    from linksim.zoo import read_card

    out: dict[str, dict[str, Any]] = {}
    for r in records:
        cid = r.checkpoint_id
        if not cid or cid in out:
            continue
        row: dict[str, Any] = {"id": cid, "systems": set()}
        sha = r.identity.get("checkpoint_sha256")
        row["sha256"] = str(sha)[:16] if sha else "-"
        try:
            card = read_card(cid)
        except LinksimError:
            card = {}
        for key in CARD_FIELDS:
            if key in card:
                row[key] = card[key]
        out[cid] = row
    for r in records:
        if r.checkpoint_id:
            out[r.checkpoint_id]["systems"].add(r.label)
    return [{**row, "systems": ", ".join(sorted(row["systems"]))}
            for _, row in sorted(out.items())]


def _cell(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.4g}"
    if isinstance(value, dict):
        return ", ".join(f"{k} {_cell(v)}" for k, v in value.items())
    return str(value)


def _md_table(head: list[str], rows: list[list[Any]]) -> str:
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    lines += ["| " + " | ".join(_cell(c).replace("|", "/") for c in row) + " |" for row in rows]
    return "\n".join(lines) + "\n"


def paired_tables(records: list[Record], reference: str) -> list[tuple[str, list[str], list]]:
    """Per metric: ``(title, head, rows)`` of every system minus ``reference`` at every
    point both ran (paired: same items and channel draws)."""
    from linksim.core.compare import paired_differences
    from linksim.core.metric import get_metric
    from linksim.core.task import get_task

    task = get_task(records[0].task)
    out = []
    for name in sorted({m for r in records for m in r.metrics}):
        metric = get_metric(name)
        axes = [a for a in task.axes if all(a.name in r.axes for r in records)]
        head = ["system", "channel"] + [a.name for a in axes] + [
            f"diff ({metric.unit})" if metric.unit else "diff", "95% ±", "pairs"]
        rows = []
        for label in sorted({r.label for r in records} - {reference}):
            try:
                diffs = paired_differences(records, label, reference, name,
                                           metric.higher_is_better)
            except LinksimError:
                continue  # no per-transmission values (older records)
            for d in diffs:
                rows.append([label, d.channel or "-"] + [a.format(d.axes[a.name])
                                                         for a in axes]
                            + [f"{d.mean:+.3f}", f"{d.ci95:.3f}", d.count])
        if rows:
            direction = "higher" if metric.higher_is_better else "lower"
            out.append((f"{metric.axis_label}: system - {reference} ({direction} is better)",
                        head, rows))
    return out


def figures(records: list[Record], folder: Path) -> list[Path]:
    """Every metric against every axis of the task (the other axes fixed per figure)."""
    from linksim.core.task import get_task
    from linksim.plots import plot_records

    task = get_task(records[0].task)
    paths: list[Path] = []
    first = task.snr_axis or (task.axes[0] if task.axes else None)
    carried = [a for a in task.axes if all(a.name in r.axes for r in records)]
    for axis in sorted(carried, key=lambda a: a is not first):   # the SNR axis first
        sub = folder / f"x_{axis.name}"
        if len({r.axes.get(axis.name) for r in records}) < 2 and axis is not (
                task.snr_axis or task.axes[0]):
            continue  # an axis with one value: its figures would be single points
        paths += sorted(plot_records(records, sub, records[0].scenario, axis.name))
    return paths


def build(folder: Path, reference: str | None = None) -> dict[str, Any]:
    """Everything a report shows, computed from the records of ``folder``."""
    from linksim.core.record import default_metric
    from linksim.tables import markdown_tables

    records = load_records(folder)
    labels = {r.label for r in records}
    if reference is not None and reference not in labels:
        raise LinksimError(f"--reference {reference!r}: no such system in {folder}; "
                           f"systems: {', '.join(sorted(labels))}")
    reference = reference or default_reference(records)
    metrics = sorted({m for r in records for m in r.metrics},
                     key=lambda m: (m != default_metric(records), m))
    return {"folder": Path(folder), "records": records, "reference": reference,
            "tables": [(m, markdown_tables(records, m)) for m in metrics],
            "paired": paired_tables(records, reference) if reference else [],
            "provenance": provenance(records), "wall": wall_by_system(records),
            "checkpoints": checkpoints(records)}


def markdown(data: dict[str, Any], figure_paths: list[Path], base: Path) -> str:
    records = data["records"]
    title = ", ".join(sorted({r.scenario for r in records}))
    out = [f"# Report: {title}\n",
           f"Generated by `linksim report` from the {len(records)} records in "
           f"`{data['folder']}` (means with Student-t 95% intervals; systems with an envelope "
           "at their best variant per point).\n", "## Figures\n"]
    out += [f"![{p.stem}]({p.relative_to(base).as_posix()})\n" for p in figure_paths]
    out.append("## Tables\n")
    out += [t for _, t in data["tables"]]
    if data["paired"]:
        out.append(f"## Paired differences against {data['reference']}\n")
        out.append("Each system minus the reference on the same items and channel draws "
                   "(common random numbers), mean ± 95% half-width over the pairs.\n")
        for title_, head, rows in data["paired"]:
            out += [f"**{title_}**\n", _md_table(head, rows)]
    out.append("## Provenance\n")
    out.append(_md_table(["field", "value"], data["provenance"]))
    out.append(_md_table(["system", "points", "wall time (s)"],
                         [[l, n, f"{t:.1f}"] for l, n, t in data["wall"]]))
    if data["checkpoints"]:
        keys = ["id", "systems", "sha256"] + [k for k in CARD_FIELDS
                                              if any(k in c for c in data["checkpoints"])]
        out.append("### Checkpoints and their model cards\n")
        out.append(_md_table(keys, [[c.get(k, "-") for k in keys] for c in data["checkpoints"]]))
    return "\n".join(out)


_CSS = """body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:2em auto;
max-width:1100px;padding:0 1em;color:#222}h1,h2,h3{font-weight:600}table{border-collapse:
collapse;margin:.6em 0 1.4em;font-size:.86em}td,th{border:1px solid #ccc;padding:.25em .5em;
text-align:right}td:first-child,th:first-child{text-align:left}th{background:#f2f2f2}
img{max-width:100%;border:1px solid #eee;margin:.4em 0}nav a{margin-right:1em}
.note{color:#555}"""


def _md_to_html(text: str) -> str:
    """The small Markdown subset the tables use (bold titles, pipe tables) as HTML."""
    out, rows = [], []

    def flush() -> None:
        if rows:
            head, *body = rows
            out.append("<table><tr>" + "".join(f"<th>{html.escape(c)}</th>" for c in head)
                       + "</tr>" + "".join("<tr>" + "".join(f"<td>{html.escape(c)}</td>"
                                                            for c in row) + "</tr>"
                                           for row in body) + "</table>")
            rows.clear()

    for line in text.splitlines():
        if line.startswith("|"):
            cells = [c.strip() for c in line.strip().strip("|").split("|")]
            if not all(re.fullmatch(r"-+", c) for c in cells):
                rows.append(cells)
            continue
        flush()
        m = re.fullmatch(r"\*\*(.*)\*\*", line.strip())
        if m:
            out.append(f"<h3>{html.escape(m.group(1))}</h3>")
        elif line.strip():
            out.append(f"<p>{html.escape(line)}</p>")
    flush()
    return "\n".join(out)


def html_page(data: dict[str, Any], figure_paths: list[Path]) -> str:
    records = data["records"]
    title = ", ".join(sorted({r.scenario for r in records}))
    parts = [f"<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">"
             f"<title>linksim report: {html.escape(title)}</title><style>{_CSS}</style>"
             "</head><body>",
             f"<h1>Report: {html.escape(title)}</h1>",
             f"<p class=\"note\">Generated by <code>linksim report</code> from the "
             f"{len(records)} records in <code>{html.escape(str(data['folder']))}</code>: "
             "means with Student-t 95% intervals; systems with an envelope at their best "
             "variant per point.</p>",
             "<nav><a href=\"#figures\">Figures</a><a href=\"#tables\">Tables</a>"
             "<a href=\"#paired\">Paired differences</a>"
             "<a href=\"#provenance\">Provenance</a></nav>",
             "<h2 id=\"figures\">Figures</h2>"]
    for p in figure_paths:
        data_uri = base64.b64encode(p.read_bytes()).decode()
        parts.append(f"<img alt=\"{html.escape(p.stem)}\" class=\"figure\" "
                     f"src=\"data:image/png;base64,{data_uri}\">")
    parts.append("<h2 id=\"tables\">Tables</h2>")
    parts += [_md_to_html(t) for _, t in data["tables"]]
    parts.append("<h2 id=\"paired\">Paired differences</h2>")
    if data["paired"]:
        parts.append(f"<p>Each system minus <b>{html.escape(data['reference'])}</b> on the "
                     "same items and channel draws (common random numbers), mean ± 95% "
                     "half-width over the pairs.</p>")
        for title_, head, rows in data["paired"]:
            parts.append(_md_to_html(f"**{title_}**\n" + _md_table(head, rows)))
    else:
        parts.append("<p>No reference system (name one with --reference).</p>")
    parts.append("<h2 id=\"provenance\">Provenance</h2>")
    parts.append(_md_to_html(_md_table(["field", "value"], data["provenance"])))
    parts.append(_md_to_html(_md_table(["system", "points", "wall time (s)"],
                                       [[l, n, f"{t:.1f}"] for l, n, t in data["wall"]])))
    if data["checkpoints"]:
        keys = ["id", "systems", "sha256"] + [k for k in CARD_FIELDS
                                              if any(k in c for c in data["checkpoints"])]
        parts.append("<h3>Checkpoints and their model cards</h3>")
        parts.append(_md_to_html(_md_table(keys, [[c.get(k, "-") for k in keys]
                                                   for c in data["checkpoints"]])))
    parts.append("<script>document.body.dataset.figures = String(Array.from("
                 "document.images).filter(i => i.complete && i.naturalWidth > 0).length);"
                 "</script></body></html>")
    return "\n".join(parts)


def write_report(folder: Path, out: Path | None = None, reference: str | None = None
                 ) -> tuple[Path, Path]:
    """Write ``report.html`` and ``report.md`` (+ ``report_files/``) for the records of
    ``folder`` into ``out`` (default: ``folder``); returns the two paths."""
    import shutil

    folder = Path(folder)
    out = Path(out) if out else folder
    data = build(folder, reference)
    out.mkdir(parents=True, exist_ok=True)
    files = out / FILES
    with tempfile.TemporaryDirectory() as tmp:
        order = [m for m, _ in data["tables"]]   # the default metric first
        drawn = sorted(figures(data["records"], Path(tmp)), key=lambda p: next(
            (i for i, m in enumerate(order) if p.name.startswith(m + "_")), len(order)))
        if files.exists():
            shutil.rmtree(files)
        final = []
        for p in drawn:
            dest = files / p.relative_to(tmp)
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(p, dest)
            final.append(dest)
    html_path, md_path = out / HTML, out / MARKDOWN
    html_path.write_text(html_page(data, final))
    md_path.write_text(markdown(data, final, out))
    return html_path, md_path
