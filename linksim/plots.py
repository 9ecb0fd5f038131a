"""Metric-vs-SNR figures from result records: one PNG per (metric, channel, CBR).

Each system is one curve of means with 95% confidence bars; systems with an
envelope parameter are drawn as their best variant per SNR.
"""
from __future__ import annotations

import re
from collections import defaultdict
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from linksim.core.records import mean_ci, reduce_envelopes  # noqa: E402

METRIC_LABELS = {"psnr": "PSNR (dB)", "ms_ssim": "MS-SSIM"}


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "-", text).strip("-").lower()


def plot_records(records: list[dict[str, Any]], folder: Path, title: str = "") -> list[Path]:
    """Write the figures into ``folder``; returns their paths."""
    folder = Path(folder)
    metrics = sorted({m for r in records for m in r["metrics"]})
    written = []
    for metric in metrics:
        groups: dict[tuple, dict[str, list]] = defaultdict(lambda: defaultdict(list))
        for rec in reduce_envelopes([r for r in records if metric in r["metrics"]], metric):
            mean, ci = mean_ci(rec["metrics"][metric])
            groups[(rec["channel_label"], rec["cbr"], rec["cbr_label"])][rec["label"]].append(
                (rec["snr_db"], mean, ci))
        for (channel, _, cbr_text), curves in sorted(groups.items()):
            fig, ax = plt.subplots(figsize=(8.6, 4.6))
            for label, pts in sorted(curves.items()):
                pts.sort()
                snr, mean, ci = zip(*pts)
                ax.errorbar(snr, mean, yerr=[0 if c != c else c for c in ci], marker="o",
                            markersize=4, capsize=3, label=label)
            ax.set_xlabel("SNR (dB)")
            ax.set_ylabel(METRIC_LABELS.get(metric, metric))
            ax.set_title(f"{title + ': ' if title else ''}{channel}, CBR {cbr_text}")
            ax.grid(True, alpha=0.3)
            ax.legend(fontsize=8, loc="center left", bbox_to_anchor=(1.01, 0.5))
            fig.tight_layout()
            path = folder / f"{metric}_{_slug(channel)}_cbr{_slug(cbr_text)}.png"
            path.parent.mkdir(parents=True, exist_ok=True)
            fig.savefig(path, dpi=120)
            plt.close(fig)
            written.append(path)
    return written
