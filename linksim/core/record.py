"""Result records: one typed :class:`Record` per finished grid point, written and read here.

``results.jsonl`` holds one JSON object per line: the point's identity (task, system,
params, channel, every axis value), raw sums per metric (``sum``, ``sum_sq``,
``count``: runs merge by addition) and the per-transmission values in a fixed
(item, repeat) order, so two systems of one scenario pair up value by value
(:mod:`linksim.core.compare`). ``results.csv`` is the same data as means and 95%
confidence half-widths after reducing systems with an ``envelope`` parameter (e.g. the
separated chain's MCS) to their best variant, best by the metric's direction.

Every write goes to a temporary file first and is moved into place, so a crash never
leaves a half-written file.
"""
from __future__ import annotations

import csv
import io
import json
import math
import os
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any, Iterable

from linksim.base.files import atomic_write
from linksim.base.stats import ci95_half_width
from linksim.errors import LinksimError

RECORDS = "results.jsonl"
TABLE = "results.csv"
#: significant digits kept for per-transmission values
VALUE_DIGITS = 7


@dataclass
class Record:
    """One grid point's result.

    :ivar axes: every sweep axis value of the point, e.g. ``{"snr_db": 10.0, "num_users": 30.0}``.
    :ivar metrics: per metric, ``{"sum", "sum_sq", "count"}``.
    :ivar values: per metric, the value of every transmission in (item, repeat) order.
    :ivar extra: per extra quantity a system reports (e.g. ``lost``), sums as for metrics.
    :ivar identity: what beyond the params determines the result (checkpoint hash).
    """

    point_id: str
    task: str
    scenario: str
    system: str
    label: str
    params: dict[str, Any]
    channel: str | None
    channel_label: str | None
    channel_params: dict[str, Any]
    axes: dict[str, float]
    count: int
    metrics: dict[str, dict[str, float]]
    values: dict[str, list[float]] = field(default_factory=dict)
    extra: dict[str, dict[str, float]] = field(default_factory=dict)
    envelope: str | None = None
    checkpoint_id: str | None = None
    identity: dict[str, Any] = field(default_factory=dict)
    scenario_hash: str = ""
    seed: int = 0
    source: str = ""
    repeats: int = 1
    version: str = ""
    torch: str = ""
    device: str = ""
    host: str = ""
    provenance: dict[str, Any] = field(default_factory=dict)
    wall_time_s: float = 0.0
    envelope_winner: dict[str, Any] | None = None

    # --- reading and writing ----------------------------------------------------------
    def to_json(self) -> str:
        d = asdict(self)
        if d["envelope_winner"] is None:
            d.pop("envelope_winner")
        return json.dumps(d, sort_keys=True, allow_nan=False)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "Record":
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in d.items() if k in known})  # TypeError: a key is missing

    # --- derived ----------------------------------------------------------------------
    def mean_ci(self, metric: str) -> tuple[float, float]:
        """Mean and 95% half-width of ``metric`` (or of an extra quantity)."""
        stat = self.metrics.get(metric) or self.extra[metric]
        return mean_ci(stat)

    def point_key(self) -> tuple:
        """The point this record reports, without the system: (channel, axes)."""
        return (self.channel_label, tuple(sorted(self.axes.items())))


def rounded(values: Iterable[float]) -> list[float]:
    """Per-transmission values at :data:`VALUE_DIGITS` significant digits (finite only)."""
    out = []
    for v in values:
        v = float(v)
        if not math.isfinite(v):
            raise LinksimError(f"a metric value is {v}; the system produced a non-finite "
                               "result (check its inputs)")
        out.append(float(f"{v:.{VALUE_DIGITS}g}"))
    return out


def mean_ci(stat: dict[str, float]) -> tuple[float, float]:
    n = stat["count"]
    return (stat["sum"] / n if n else float("nan"),
            ci95_half_width(stat["sum"], stat["sum_sq"], n))


def read_records(folder: Path) -> list[Record]:
    """The records of ``results.jsonl`` in file order.

    A last line without its newline is the half-written line of a crash during a write
    (:func:`append_record` writes a whole line at once): it is skipped here and dropped
    from the file by :func:`repair` before the next run appends, so its point is
    recomputed. Any other line that is not a record is an error naming file and line.
    """
    path = Path(folder) / RECORDS
    if not path.exists():
        return []
    records = []
    for no, raw in enumerate(_whole_lines(path), start=1):
        if raw.strip():
            try:
                records.append(Record.from_dict(json.loads(raw.decode())))
            except (UnicodeDecodeError, json.JSONDecodeError, TypeError, AttributeError):
                raise LinksimError(f"{path}:{no}: not a linksim record; delete the line "
                                   "(the point is recomputed on the next run)") from None
    return records


def _whole_lines(path: Path) -> list[bytes]:
    """The lines of ``path`` that end with a newline (a torn last line left out)."""
    lines = path.read_bytes().split(b"\n")
    lines.pop()  # b"" after the final newline, else the torn last line
    return lines


def load_records(folder: Path) -> list[Record]:
    """The records of a results folder; a one-line error when there are none."""
    records = read_records(folder)
    if not records:
        raise LinksimError(f"{Path(folder) / RECORDS}: no records; run a scenario first "
                           "(linksim run SCENARIO)")
    return records


def default_metric(records: list[Record]) -> str:
    """The metric a table or comparison shows when none is named: the task's first default
    metric that was recorded, else the first recorded one."""
    from linksim.core.task import get_task

    recorded = {m for r in records for m in r.metrics}
    preferred = [m for m in get_task(records[0].task).default_metrics if m in recorded]
    return preferred[0] if preferred else next(iter(records[0].metrics))


def append_record(folder: Path, record: Record) -> None:
    """Add one record to ``results.jsonl``: one appended line, flushed and synced.

    A line is written with a single ``write`` of the whole text, so a crash leaves at worst
    a truncated last line, which :func:`repair` drops before the next run appends.
    """
    path = Path(folder) / RECORDS
    path.parent.mkdir(parents=True, exist_ok=True)
    repair(path)
    with open(path, "a") as f:
        f.write(record.to_json() + "\n")
        f.flush()
        os.fsync(f.fileno())


def repair(path: Path) -> bool:
    """Drop a truncated last line (a crash during a write) from ``results.jsonl``; whether
    there was one. Only a run holding the folder lock calls it (a reader skips the line)."""
    if not torn(path):
        return False
    data = Path(path).read_bytes()
    atomic_write(path, data[: data.rfind(b"\n") + 1])
    return True


def torn(path: Path) -> bool:
    """Whether the file ``path`` ends with a line without its newline."""
    path = Path(path)
    if not path.is_file() or path.stat().st_size == 0:
        return False
    with open(path, "rb") as f:
        f.seek(-1, os.SEEK_END)
        return f.read(1) != b"\n"


def order_records(folder: Path, rank: dict[str, int]) -> list[Record]:
    """Put ``results.jsonl`` in grid order and return its records in that order.

    Records whose ``point_id`` is in ``rank`` (the grid position of each point) follow the
    others (other scenarios' records, kept in their order), sorted by rank, so the file and
    everything read from it (ties in :func:`reduce_envelopes`, the CSV) do not depend on
    the order in which parallel workers finished. Lines are moved byte for byte; the file
    is replaced atomically, and only when the order changes.
    """
    records = read_records(folder)
    order = sorted(range(len(records)), key=lambda k: (records[k].point_id in rank,
                                                       rank.get(records[k].point_id, k)))
    if order != list(range(len(records))):
        path = Path(folder) / RECORDS
        lines = [line for line in _whole_lines(path) if line.strip()]
        atomic_write(path, b"".join(lines[k] + b"\n" for k in order))
    return [records[k] for k in order]


def relabel_records(folder: Path, labels: dict[str, str]) -> int:
    """Give each record whose ``point_id`` is in ``labels`` that label (a scenario whose
    system was renamed reuses its points under the new name); returns how many changed.
    Other lines stay byte for byte; the file is replaced atomically, only if one changed."""
    path = Path(folder) / RECORDS
    if not path.exists():
        return 0
    read_records(folder)  # every whole line is a record, else an error naming it
    lines = [line.decode() for line in _whole_lines(path) if line.strip()]
    changed = 0
    for k, line in enumerate(lines):
        data = json.loads(line)
        label = labels.get(data.get("point_id"))
        if label is not None and data.get("label") != label:
            data["label"], changed = label, changed + 1
            lines[k] = Record.from_dict(data).to_json()
    if changed:
        atomic_write(path, "".join(line + "\n" for line in lines))
    return changed


def reduce_envelopes(records: Iterable[Record], metric: str, higher_is_better: bool = True
                     ) -> list[Record]:
    """Keep, per (label, channel, axes), the variant with the best mean ``metric``.

    Records of systems without an envelope pass through unchanged; a kept envelope
    record gains ``envelope_winner`` (e.g. ``{"mcs": 5}``). With common random numbers
    every variant saw the same draws, so the envelope is never below a fixed variant.
    """
    best: dict[tuple, Record] = {}
    out = []
    for rec in records:
        if not rec.envelope or metric not in rec.metrics:
            out.append(rec)
            continue
        key = (rec.label, *rec.point_key())
        mine = mean_ci(rec.metrics[metric])[0]
        if key not in best:
            best[key] = rec
            continue
        theirs = mean_ci(best[key].metrics[metric])[0]
        if theirs != theirs or (mine > theirs if higher_is_better else mine < theirs):
            best[key] = rec
    for rec in best.values():
        out.append(Record(**{**asdict(rec), "envelope_winner":
                             {rec.envelope: rec.params.get(rec.envelope)}}))
    return sorted(out, key=lambda r: (r.label, str(r.channel_label), sorted(r.axes.items())))


def table_rows(records: list[Record], metrics: list[str], directions: dict[str, bool],
               formats: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    """One row per point (envelopes reduced by the first metric); ``formats`` maps the
    task's axes, in its order, to their text form."""
    formats = formats or {}
    rows = []
    for rec in reduce_envelopes(records, metrics[0], directions.get(metrics[0], True)):
        row: dict[str, Any] = {"system": rec.label, "channel": rec.channel_label}
        for name in [n for n in formats if n in rec.axes] or sorted(rec.axes):
            value = rec.axes[name]
            row[name] = formats[name](value) if name in formats else value
        row["count"] = rec.count
        for m in metrics:
            if m in rec.metrics:
                row[m], row[f"{m}_ci95"] = mean_ci(rec.metrics[m])
        for name, stat in rec.extra.items():
            row[name] = mean_ci(stat)[0]
        for name, value in (rec.envelope_winner or {}).items():
            row[f"best_{name}"] = value
        rows.append(row)
    return rows


def write_table(folder: Path, records: list[Record], metrics: list[str],
                directions: dict[str, bool], formats: dict[str, Any] | None = None) -> Path:
    rows = table_rows(records, metrics, directions, formats)
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
