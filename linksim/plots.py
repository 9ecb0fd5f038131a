"""Metric-versus-axis figures from result records: one PNG per (metric, channel, other axes).

Each system is one curve of means with 95% confidence bars against ``x`` (default: the
task's SNR axis, else its first axis); systems with an envelope parameter are drawn as
their best variant per point, best by the metric's direction.

Curves a reader can tell apart, drawn the same way in every figure (:func:`curve_styles`):
one colour per system *family* (``System.family``, default the registered name: every
MambaJSCC variant and checkpoint shares one colour, fixed per task so it does not change
between figures) and a line style per variant (label) within it. Learned systems take
bright colours and round markers; classical chains dark colours and square markers;
bounds (``System.role = "bound"``: the capacity bound, OPTA) are black dotted lines
without markers.
"""
from __future__ import annotations

import re
from collections import defaultdict
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from linksim.core.metric import get_metric  # noqa: E402
from linksim.core.record import Record, mean_ci, reduce_envelopes  # noqa: E402
from linksim.core.task import get_task  # noqa: E402
from linksim.errors import LinksimError  # noqa: E402


#: colours of learned families (tab10 without its grey) and of classical families (dark)
LEARNED_COLOURS = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b",
                   "#e377c2", "#bcbd22", "#17becf", "#aec7e8", "#ffbb78", "#98df8a")
CLASSICAL_COLOURS = ("#222222", "#7f7f7f", "#5d4037", "#37474f", "#827717")
#: line styles of the variants of one family, in label order
LINESTYLES = ("-", "--", "-.", (0, (3, 1, 1, 1, 1, 1)), (0, (5, 1)))
LEARNED_MARKERS = ("o", "^", "v", "D", "P")


def system_kind(name: str, task: str) -> tuple[str, str]:
    """``(family, role)`` of the registered system ``name`` from its class metadata
    (:class:`~linksim.core.system.System`); an unknown name is its own classical family."""
    from linksim.base.registry import SYSTEMS
    from linksim.errors import UnknownName

    try:
        cls = SYSTEMS.get(name, task)
    except UnknownName:
        return name, "classical"
    role = getattr(cls, "role", None) or ("learned" if getattr(cls, "learned", False)
                                          else "classical")
    return getattr(cls, "family", None) or name, role


def _family_colours(task: str) -> dict[str, str]:
    """A fixed colour per family of the task's registered systems (learned and classical
    from their own palettes, in name order), so a family looks the same in every figure."""
    from linksim.base.registry import SYSTEMS

    kinds = {system_kind(name, task) for name, _ in SYSTEMS.items(task)}
    out: dict[str, str] = {}
    for role, palette in (("learned", LEARNED_COLOURS), ("classical", CLASSICAL_COLOURS)):
        for i, family in enumerate(sorted(f for f, r in kinds if r == role)):
            out[family] = palette[i % len(palette)]
    return out


def curve_styles(records: list[Record]) -> dict[str, dict]:
    """Matplotlib keyword arguments (colour, line style, marker) for every system label of
    ``records``: a colour per family, a line style per variant, bounds black dotted."""
    task = records[0].task
    colours = _family_colours(task)
    variants: dict[tuple[str, str], list[str]] = defaultdict(list)
    for label, name in sorted({(r.label, r.system) for r in records}):
        variants[system_kind(name, task)].append(label)
    styles = {}
    for (family, role), labels in variants.items():
        for i, label in enumerate(labels):
            if role == "bound":
                styles[label] = {"color": "black", "linestyle": ":", "marker": "",
                                 "linewidth": 1.8}
                continue
            learned = role == "learned"
            styles[label] = {
                "color": colours.get(family, "#444444"),
                "linestyle": LINESTYLES[i % len(LINESTYLES)],
                "marker": (LEARNED_MARKERS[i % len(LEARNED_MARKERS)] if learned else "s"),
                "markerfacecolor": None if learned else "white"}
    return styles

def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "-", text).strip("-").lower()


def plot_records(records: list[Record], folder: Path, title: str = "",
                 x: str | None = None) -> list[Path]:
    """Write the figures into ``folder``; returns their paths."""
    if not records:
        return []
    task = get_task(records[0].task)
    if not task.axes:
        return []  # a task without sweep axes (radiomap) has no curves to draw
    x_axis = task.axis(x) if x else (task.snr_axis or task.axes[0])
    # axes the records carry (records written before an axis was added lack it)
    others = [a for a in task.axes if a.name != x_axis.name
              and all(a.name in r.axes for r in records)]
    folder = Path(folder)
    written = []
    styles = curve_styles(records)
    for name in sorted({m for r in records for m in r.metrics}):
        metric = get_metric(name)
        groups: dict[tuple, dict[str, list]] = defaultdict(lambda: defaultdict(list))
        for rec in reduce_envelopes([r for r in records if name in r.metrics], name,
                                    metric.higher_is_better):
            mean, ci = mean_ci(rec.metrics[name])
            key = (str(rec.channel_label or ""), tuple(rec.axes[a.name] for a in others))
            groups[key][rec.label].append((rec.axes[x_axis.name], mean, ci))
        for (channel, fixed), curves in sorted(groups.items()):
            fig, ax = plt.subplots(figsize=(8.6, 4.6))
            for label, pts in sorted(curves.items()):
                pts.sort()
                xs, mean, ci = zip(*pts)
                bars = list(zip(*(metric.clip(m, c) for m, c in zip(mean, ci))))
                ax.errorbar(xs, mean, yerr=bars, markersize=4, capsize=3, label=label,
                            **styles[label])
            ax.set_xlabel(x_axis.label)
            ax.set_ylabel(metric.axis_label + ("" if metric.higher_is_better
                                               else " (lower is better)"))
            cells = [f"{a.name} {a.format(v)}" for a, v in zip(others, fixed)]
            ax.set_title(", ".join(filter(None, [f"{title}: {channel}" if title else channel]
                                          + cells)))
            ax.grid(True, alpha=0.3)
            ax.legend(fontsize=8, loc="center left", bbox_to_anchor=(1.01, 0.5))
            fig.tight_layout()
            slug = "_".join(filter(None, [name, _slug(channel)] +
                                   [f"{a.name}{_slug(a.format(v))}" for a, v in zip(others, fixed)]))
            path = folder / f"{slug}.png"
            path.parent.mkdir(parents=True, exist_ok=True)
            fig.savefig(path, dpi=120)
            plt.close(fig)
            written.append(path)
    if not written:
        raise LinksimError("no metric values to plot")
    return written
