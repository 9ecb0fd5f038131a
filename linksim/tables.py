"""Markdown tables of a metric from result records (``linksim table``, the report, the
README and the guide).

One table per (channel, other axes): a row per system, a column per value of ``x``
(default: the SNR axis), cells ``mean ± 95% half-width``; envelope systems at their best
variant per point (best by the metric's direction).

:func:`rewrite_readme` regenerates every block of a Markdown file between
``<!-- table: FOLDER [--metric M] [--x AXIS] -->`` and ``<!-- /table -->`` from the records
of FOLDER (relative to the file's folder), in place; :func:`expand_blocks` does the same on
a text (the guide's build hook).
"""
from __future__ import annotations

import re
from pathlib import Path


def markdown_tables(records, metric_name: str, x: str | None = None, digits: int = 2) -> str:
    from collections import defaultdict

    from linksim.core.metric import get_metric
    from linksim.core.record import mean_ci, reduce_envelopes
    from linksim.core.task import get_task

    task = get_task(records[0].task)
    metric = get_metric(metric_name)
    if not task.axes:  # a task without axes (radio maps): one column, the mean
        return _single_column(records, metric, digits)
    x_axis = task.axis(x) if x else (task.snr_axis or task.axes[0])
    # axes the records carry (records written before an axis was added lack it)
    others = [a for a in task.axes if a.name != x_axis.name
              and all(a.name in r.axes for r in records)]
    groups: dict[tuple, dict[str, dict[float, str]]] = defaultdict(lambda: defaultdict(dict))
    for rec in reduce_envelopes([r for r in records if metric_name in r.metrics], metric_name,
                                metric.higher_is_better):
        mean, ci = mean_ci(rec.metrics[metric_name])
        key = (str(rec.channel_label), tuple(rec.axes[a.name] for a in others))
        cell = f"{mean:.{digits}f}" + ("" if ci != ci else f" ± {ci:.{digits}f}")
        groups[key][rec.label][rec.axes[x_axis.name]] = cell
    out = []
    for (channel, fixed), rows in sorted(groups.items()):
        xs = sorted({v for row in rows.values() for v in row})
        title = ", ".join([channel] + [f"{a.name} {a.format(v)}" for a, v in zip(others, fixed)])
        out.append(f"**{metric.axis_label}, {title}**\n")
        out.append("| system | " + " | ".join(f"{x_axis.format(v)} {x_axis.unit}".strip()
                                               for v in xs) + " |")
        out.append("|---|" + "---|" * len(xs))
        for label in sorted(rows):
            out.append(f"| {label} | " + " | ".join(rows[label].get(v, "") for v in xs) + " |")
        out.append("")
    return "\n".join(out)


def _single_column(records, metric, digits: int) -> str:
    """A row per system (and channel, if any), one cell ``mean ± 95% half-width``."""
    from linksim.core.record import mean_ci, reduce_envelopes

    metric_name = metric.name
    rows: dict[tuple[str, str], str] = {}
    for rec in reduce_envelopes([r for r in records if metric_name in r.metrics], metric_name,
                                metric.higher_is_better):
        mean, ci = mean_ci(rec.metrics[metric_name])
        rows[(str(rec.channel_label or "-"), rec.label)] = (
            f"{mean:.{digits}f}" + ("" if ci != ci else f" ± {ci:.{digits}f}"))
    out = [f"**{metric.axis_label}**\n", "| system | mean ± 95% |", "|---|---|"]
    out += [f"| {label} | {cell} |" for (_, label), cell in sorted(rows.items())]
    return "\n".join(out) + "\n"


def folder_tables(folder, metric: str | None, x: str | None, digits: int) -> str:
    """The tables of the records in ``folder`` (default metric: the task's first recorded)."""
    from linksim.core.record import default_metric, load_records
    from linksim.errors import LinksimError

    records = load_records(folder)
    name = metric or default_metric(records)
    if not any(name in r.metrics for r in records):
        raise LinksimError(f"{folder}: --metric {name!r} is not in the records")
    return markdown_tables(records, name, x, digits)


_BLOCK = r"(<!-- table: (\S+)((?: --\w+ \S+)*) -->\n)(.*?)(<!-- /table -->)"


def expand_blocks(text: str, base: Path, digits: int = 2) -> tuple[str, int]:
    """``text`` with every table block regenerated from the records of its folder
    (relative to ``base``), and how many blocks there were."""

    def block(m: re.Match) -> str:
        flags = dict(zip(*[iter(m.group(3).split())] * 2))
        tables = folder_tables(Path(base) / m.group(2), flags.get("--metric"),
                               flags.get("--x"), digits)
        return m.group(1) + tables.rstrip("\n") + "\n" + m.group(5)

    return re.subn(_BLOCK, block, text, flags=re.S)


def rewrite_readme(path, digits: int = 2) -> int:
    """Regenerate every table block of the Markdown file ``path``; returns how many."""
    path = Path(path)
    new, count = expand_blocks(path.read_text(), path.parent, digits)
    path.write_text(new)
    return count
