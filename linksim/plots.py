"""Metric-versus-axis figures from result records: one PNG per (metric, channel, other axes).

Each system is one curve of means with 95% confidence bars against ``x`` (default: the
task's SNR axis, else its first axis); systems with an envelope parameter are drawn as
their best variant per point, best by the metric's direction.
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


#: line style and marker of the first ten curves of a figure, the next ten, ...
STYLES = ({"marker": "o", "linestyle": "-"}, {"marker": "s", "linestyle": "--"},
          {"marker": "^", "linestyle": ":"})

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
    others = [a for a in task.axes if a.name != x_axis.name]
    folder = Path(folder)
    written = []
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
            for i, (label, pts) in enumerate(sorted(curves.items())):
                pts.sort()
                xs, mean, ci = zip(*pts)
                bars = list(zip(*(metric.clip(m, c) for m, c in zip(mean, ci))))
                # the colour cycle has 10 entries: later curves get another line and marker
                style = STYLES[(i // 10) % len(STYLES)]
                ax.errorbar(xs, mean, yerr=bars, color=f"C{i % 10}", markersize=4, capsize=3,
                            label=label, **style)
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
