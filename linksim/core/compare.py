"""Paired differences between two systems of one results folder.

Every system of a scenario saw the same items through the same channel draws (common
random numbers, :mod:`linksim.core.runner`), and each record keeps its per-transmission
values in the same (item, repeat) order, so ``A - B`` is formed value by value and its
mean carries a Student-t 95% interval far tighter than the two curves' own intervals.
Envelope systems (best MCS) are first reduced to their best variant per point.

Two runs of one scenario pair up too (a system before and after a change, e.g. of the
receiver): the draws depend on the seed, the source, the channel label, the bandwidth
axes, the item and the repeat, not on the folder (:func:`with_other_run`).
"""
from __future__ import annotations

from dataclasses import dataclass, replace

from linksim.core.record import Record, reduce_envelopes
from linksim.base.stats import Accumulator
from linksim.errors import LinksimError


@dataclass(frozen=True)
class PairedDifference:
    """``A - B`` at one point: mean and 95% half-width over ``count`` pairs."""

    channel: str | None
    axes: dict[str, float]
    mean: float
    ci95: float
    count: int


def paired_differences(records: list[Record], a: str, b: str, metric: str,
                       higher_is_better: bool = True) -> list[PairedDifference]:
    """``a - b`` (system labels) per point where both have values of ``metric``."""
    labels = {r.label for r in records}
    for name in (a, b):
        if name not in labels:
            raise LinksimError(f"no system labelled {name!r} in the results; labels: "
                               f"{', '.join(sorted(labels))}")
    reduced = reduce_envelopes(records, metric, higher_is_better)
    by_point: dict[tuple, dict[str, Record]] = {}
    for rec in reduced:
        if rec.label in (a, b):
            by_point.setdefault(rec.point_key(), {})[rec.label] = rec
    out = []
    for key, pair in sorted(by_point.items(), key=lambda kv: (str(kv[0][0]), kv[0][1])):
        if len(pair) < 2:
            continue
        va, vb = pair[a].values.get(metric), pair[b].values.get(metric)
        if not va or not vb:
            raise LinksimError(f"records of {a!r} or {b!r} hold no per-transmission values of "
                               f"{metric!r} (written before paired draws); rerun with --fresh")
        if pair[a].repeats != pair[b].repeats:
            continue
        acc = Accumulator()
        acc.add(x - y for x, y in zip(va, vb))  # common prefix: the same transmissions
        out.append(PairedDifference(pair[a].channel_label, dict(pair[a].axes), acc.mean,
                                    acc.ci95, acc.count))
    return out


def with_other_run(records: list[Record], other: list[Record], b: str, b_as: str
                   ) -> list[Record]:
    """``records`` plus system ``b`` of another run, relabelled ``b_as``, for
    :func:`paired_differences`; refused unless both runs drew from the same seed and source."""
    picked = [replace(r, label=b_as) for r in other if r.label == b]
    if not picked:
        raise LinksimError(f"no system labelled {b!r} in the other run; labels: "
                           f"{', '.join(sorted({r.label for r in other}))}")
    for name, get in (("seed", lambda r: r.seed), ("source", lambda r: r.source)):
        ours, theirs = {get(r) for r in records}, {get(r) for r in picked}
        if ours != theirs:
            raise LinksimError(f"the two runs differ in {name} ({sorted(ours)} against "
                               f"{sorted(theirs)}): their draws do not pair up")
    return records + picked
