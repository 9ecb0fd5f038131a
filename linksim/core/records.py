"""Result records: one JSON object per finished grid point.

``results.jsonl`` holds the raw sums (``sum``, ``sum_sq``, ``count`` per metric)
so runs merge by addition; ``results.csv`` is the same data as means and 95%
confidence half-widths, one row per point, after reducing systems with an
``envelope`` parameter (e.g. the separated chain's MCS) to their best variant.
Every write goes to a temporary file first and is moved into place, so a
crash never leaves a half-written file.
"""
from __future__ import annotations

import csv
import io
import json
import os
import tempfile
from pathlib import Path
from typing import Any, Iterable

from linksim.errors import LinksimError
from linksim.core.stats import ci95_half_width

RECORDS = "results.jsonl"
TABLE = "results.csv"


def atomic_write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    with os.fdopen(fd, "w") as f:
        f.write(text)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


def read_records(folder: Path) -> list[dict[str, Any]]:
    path = Path(folder) / RECORDS
    if not path.exists():
        return []
    records = []
    for no, line in enumerate(path.read_text().splitlines(), start=1):
        if line.strip():
            try:
                records.append(json.loads(line))
            except json.JSONDecodeError:
                raise LinksimError(f"{path}:{no}: not a JSON record; delete the line "
                                   "(the point is recomputed on the next run)") from None
    return records


def append_record(folder: Path, record: dict[str, Any]) -> None:
    """Add one record to ``results.jsonl`` atomically (rewrites the file)."""
    path = Path(folder) / RECORDS
    old = path.read_text() if path.exists() else ""
    if old and not old.endswith("\n"):
        old += "\n"
    atomic_write(path, old + json.dumps(record, sort_keys=True) + "\n")


def mean_ci(stat: dict[str, float]) -> tuple[float, float]:
    n = stat["count"]
    return (stat["sum"] / n if n else float("nan"),
            ci95_half_width(stat["sum"], stat["sum_sq"], n))


def reduce_envelopes(records: Iterable[dict[str, Any]], metric: str) -> list[dict[str, Any]]:
    """Keep, per (label, channel, cbr, snr), the variant with the best mean ``metric``.

    Records of systems without an envelope pass through unchanged; a kept
    envelope record gains ``envelope_winner`` (e.g. ``{"mcs": 5}``).
    """
    best: dict[tuple, dict[str, Any]] = {}
    out = []
    for rec in records:
        env = rec.get("envelope")
        if not env:
            out.append(rec)
            continue
        key = (rec["label"], rec["channel_label"], rec["cbr"], rec["snr_db"])
        if key not in best or mean_ci(rec["metrics"][metric])[0] > mean_ci(best[key]["metrics"][metric])[0]:
            best[key] = rec
    for rec in best.values():
        out.append({**rec, "envelope_winner": {rec["envelope"]: rec["params"].get(rec["envelope"])}})
    return sorted(out, key=lambda r: (r["label"], r["channel_label"], r["cbr"], r["snr_db"]))


def table_rows(records: list[dict[str, Any]], metrics: list[str]) -> list[dict[str, Any]]:
    rows = []
    for rec in reduce_envelopes(records, metrics[0]):
        row = {"system": rec["label"], "channel": rec["channel_label"], "cbr": rec["cbr_label"],
               "snr_db": rec["snr_db"], "count": rec["count"]}
        for m in metrics:
            if m in rec["metrics"]:
                row[m], row[f"{m}_ci95"] = mean_ci(rec["metrics"][m])
        for name, stat in rec.get("extra", {}).items():
            row[name] = mean_ci(stat)[0]
        for name, value in rec.get("envelope_winner", {}).items():
            row[f"best_{name}"] = value
        rows.append(row)
    return rows


def write_table(folder: Path, records: list[dict[str, Any]], metrics: list[str]) -> Path:
    rows = table_rows(records, metrics)
    columns: list[str] = []
    for row in rows:
        columns += [c for c in row if c not in columns]
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=columns)
    writer.writeheader()
    writer.writerows(rows)
    path = Path(folder) / TABLE
    atomic_write(path, buf.getvalue())
    return path
