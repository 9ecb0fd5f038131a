"""Typed scenario configuration (the TOML file after validation).

Field names are the TOML keys; see the README for a full example.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Any


def cbr_label(cbr: float) -> str:
    """1/16 for 0.0625: the fraction people write for a bandwidth ratio."""
    f = Fraction(cbr).limit_denominator(1000)
    return str(f.numerator) if f.denominator == 1 else f"{f.numerator}/{f.denominator}"


def stable_hash(obj: Any) -> str:
    """First 16 hex digits of the SHA-256 of ``obj`` as canonical JSON."""
    text = json.dumps(obj, sort_keys=True, default=str, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()[:16]


@dataclass(frozen=True)
class SourceConfig:
    """``[source]``: a registered data set and how to read it."""

    dataset: str = "samples"
    path: str | None = None
    split: str | None = None
    crop: int | list[int] | None = None
    crop_mode: str = "center"
    count: int | None = None

    def dataset_kwargs(self) -> dict[str, Any]:
        kw = {k: v for k, v in asdict(self).items() if k != "dataset" and v is not None}
        return kw


@dataclass(frozen=True)
class PartConfig:
    """One ``[[channels]]`` or ``[[systems]]`` entry: a registered name and its parameters."""

    name: str
    label: str
    params: dict[str, Any] = field(default_factory=dict)
    #: systems only: the CBRs of the sweep this entry runs at (None: all), e.g. where a
    #: learned system has checkpoints
    cbr: tuple[float, ...] | None = None

    def runs_at(self, cbr: float) -> bool:
        return self.cbr is None or any(abs(cbr - c) < 1e-9 for c in self.cbr)

    def key(self) -> dict[str, Any]:
        return {"name": self.name, "params": self.params}


@dataclass(frozen=True)
class SweepConfig:
    """``[sweep]``: the grid axes."""

    snr_db: list[float]
    cbr: list[float]


@dataclass(frozen=True)
class StopConfig:
    """``[stop]``: how many images per grid point.

    Stop after ``max_items`` images, or earlier once the 95% CI half-width of
    the first metric's mean is at most ``target_ci`` (after ``min_items``).
    """

    max_items: int | None = None
    target_ci: float | None = None
    min_items: int = 4
    batch_size: int = 4


@dataclass(frozen=True)
class Scenario:
    """A validated scenario file."""

    name: str
    seed: int
    output: Path
    device: str
    source: SourceConfig
    sweep: SweepConfig
    channels: list[PartConfig]
    systems: list[PartConfig]
    metrics: list[str]
    stop: StopConfig
    file: Path | None = None

    def point_key(self, system: PartConfig, params: dict[str, Any], channel: PartConfig,
                  snr_db: float, cbr: float) -> dict[str, Any]:
        """Everything that determines one grid point's result."""
        return {"seed": self.seed, "source": asdict(self.source), "stop": asdict(self.stop),
                "metrics": self.metrics, "system": system.name, "params": params,
                "channel": channel.key(), "snr_db": snr_db, "cbr": cbr}

    def digest(self) -> str:
        d = asdict(self)
        d.pop("file"), d.pop("output")
        return stable_hash(d)
