"""The task layer: what one kind of link (image, gaussian, text, ...) declares.

The runner knows no modality. A task tells it

- its sweep **axes** (:class:`Axis`: name, unit, label, parser, default, role), e.g. the
  image task's ``snr_db`` (role ``"snr"``) and ``cbr`` (role ``"bandwidth"``: passed to
  the system's constructor and part of the channel draws' seed);
- how to **load** the source items of a ``[source]`` table and batch them
  (:meth:`Task.batches`, :meth:`Task.collate`);
- the **channel-use budget** of one transmission (:meth:`Task.channel_shape`), the shape
  the channel realization is drawn for;
- its default data set and metrics, and an example batch for ``linksim bench``.

Systems belong to one task (``System.task``); scenarios name it (``task = "text"``; without
it, the task that declares ``is_default``). A task registers itself in ``TASKS``.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from fractions import Fraction
from typing import TYPE_CHECKING, Any, Callable, ClassVar, Iterator, Sequence

from linksim.errors import LinksimError, keyed

if TYPE_CHECKING:
    import torch

ROLES = ("snr", "bandwidth", "other")


def parse_range(value: Any, limit: float = 1e6) -> list[float]:
    """``[0, 5, 10]``, ``5`` or ``"start:stop:step"`` (stop included) -> finite floats."""
    if isinstance(value, str):
        parts = value.split(":")
        if len(parts) != 3:
            raise ValueError(f"{value!r} is not start:stop:step (e.g. \"0:20:2\")")
        try:
            start, stop, step = (float(p) for p in parts)
        except ValueError:
            raise ValueError(f"{value!r}: start, stop and step must be numbers") from None
        if not all(math.isfinite(v) for v in (start, stop, step)):
            raise ValueError(f"{value!r}: start, stop and step must be finite")
        if step <= 0:
            raise ValueError(f"step must be positive in {value!r}")
        count = int(round((stop - start) / step)) + 1 if stop >= start else 0
        if count > limit:
            raise ValueError(f"{value!r} gives {count} values; use a larger step")
        return [round(start + i * step, 6) for i in range(count)]
    values = value if isinstance(value, list) else [value]
    if not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values):
        raise ValueError("expected numbers or \"start:stop:step\"")
    if not all(math.isfinite(v) for v in values):
        raise ValueError("every value must be finite (no nan or inf)")
    return [float(v) for v in values]


def parse_ratio(value: Any, low: float = 0.0, high: float = 16.0) -> list[float]:
    """``"1/16"``, ``0.0625`` or a list of them -> floats in (low, high]."""
    out = []
    for v in value if isinstance(value, list) else [value]:
        if isinstance(v, str) and v.count("/") == 1:
            num, den = (p.strip() for p in v.split("/"))
            if not (num.isdigit() and den.isdigit()):
                raise ValueError(f"{v!r} is not a ratio like \"1/16\"")
            if int(den) == 0:
                raise ValueError(f"{v!r} divides by zero")
            out.append(int(num) / int(den))
        elif isinstance(v, str) and re.fullmatch(r"\s*\d+(\.\d*)?\s*", v):
            out.append(float(v))
        elif isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v):
            out.append(float(v))
        else:
            raise ValueError(f"{v!r} is not a ratio like \"1/16\" or a number")
    if any(not low < c <= high for c in out):
        raise ValueError(f"every value must be in ({low:g}, {high:g}]")
    return out


def parse_counts(value: Any, low: int = 1, high: int = 100_000) -> list[float]:
    """``8``, ``[15, 20]`` or ``"15:50:5"`` -> whole numbers in [low, high] (as floats)."""
    values = parse_range(value)
    if not all(v == int(v) and low <= v <= high for v in values):
        raise ValueError(f"expected whole numbers in [{low}, {high}]")
    return values


def check_channel_uses(uses: float, axis: str, value: float, per: str) -> None:
    """A transmission needs at least one channel use: an error naming the bandwidth axis
    ``axis`` (``err.key``) when ``uses`` (at ``axis = value``, per ``per``) rounds below 1."""
    if round(uses) < 1:
        raise keyed(axis, f"{axis} = {value:g} gives {uses:.3g} channel uses per "
                          f"{per}; at least one is needed: raise {axis}")


def ratio_label(value: float) -> str:
    """1/16 for 0.0625: the fraction people write for a bandwidth ratio."""
    f = Fraction(value).limit_denominator(1000)
    return str(f.numerator) if f.denominator == 1 else f"{f.numerator}/{f.denominator}"


@dataclass(frozen=True)
class Axis:
    """One sweep axis of a task.

    :ivar name: the ``[sweep]`` key and the record's ``axes`` key (e.g. ``"snr_db"``).
    :ivar unit: e.g. ``"dB"``; :ivar label: the plot label (e.g. ``"SNR (dB)"``).
    :ivar parse: TOML value -> list of floats; raises ``ValueError`` with the fix.
    :ivar default: values when the scenario omits the key (``None``: required).
    :ivar role: ``"snr"`` (given to the channel), ``"bandwidth"`` (given to the system's
        constructor and to the draws' seed) or ``"other"`` (given to the system's
        constructor only).
    :ivar format: value -> text for tables and titles.
    """

    name: str
    unit: str
    label: str
    parse: Callable[[Any], list[float]] = parse_range
    default: tuple[float, ...] | None = None
    role: str = "other"
    format: Callable[[float], str] = field(default=lambda v: f"{v:g}")

    def __post_init__(self) -> None:
        if self.role not in ROLES:
            raise ValueError(f"axis {self.name}: role must be one of {ROLES}")


#: the SNRs a link can have, in dB: beyond them the noise power (10^(-SNR/10) of the
#: signal's) is no longer a number a receiver works with (at -1e9 dB every metric is nan)
SNR_RANGE_DB = (-100.0, 100.0)


def parse_snr_db(value: Any) -> list[float]:
    """SNRs in dB (as :func:`parse_range`) inside :data:`SNR_RANGE_DB`."""
    values = parse_range(value)
    lo, hi = SNR_RANGE_DB
    outside = [v for v in values if not lo <= v <= hi]
    if outside:
        raise ValueError(f"{outside[0]:g} dB is outside [{lo:g}, {hi:g}] dB; sweep SNRs a "
                         "link can have")
    return values


SNR_AXIS = Axis("snr_db", "dB", "SNR (dB)", parse_snr_db, None, "snr")


def ratio_axis(name: str, label: str) -> Axis:
    """A bandwidth axis of ratios (``"1/16"`` or 0.0625), e.g. channel uses per source value."""
    return Axis(name, "", label, parse_ratio, None, "bandwidth", ratio_label)


@dataclass(frozen=True)
class NoTrainOptions:
    """The training options of a task that has none beyond the loop's."""


@dataclass
class Item:
    """One source item: a name (file, sentence id, drop) and its data."""

    name: str
    data: Any


class Task:
    """Base class of tasks; subclasses set the class attributes and implement :meth:`load`."""

    name: ClassVar[str] = ""
    axes: ClassVar[tuple[Axis, ...]] = ()
    default_dataset: ClassVar[str] = ""
    default_metrics: ClassVar[tuple[str, ...]] = ()
    #: whether grid points need a ``[[channels]]`` entry
    needs_channel: ClassVar[bool] = True
    #: the task of scenarios and commands that name none (one registered task says so)
    is_default: ClassVar[bool] = False

    def axis(self, name: str) -> Axis:
        for a in self.axes:
            if a.name == name:
                return a
        raise LinksimError(f"task {self.name!r} has no axis {name!r}; axes: "
                           f"{', '.join(a.name for a in self.axes)}")

    @property
    def snr_axis(self) -> Axis | None:
        return next((a for a in self.axes if a.role == "snr"), None)

    def build_kwargs(self, axes: dict[str, float]) -> dict[str, float]:
        """The axis values a system's constructor takes (every non-SNR axis)."""
        return {a.name: axes[a.name] for a in self.axes if a.role != "snr"}

    def draw_key(self, axes: dict[str, float]) -> tuple[float, ...]:
        """The axis values the channel draws depend on (the bandwidth axes)."""
        return tuple(axes[a.name] for a in self.axes if a.role == "bandwidth")

    # --- source ----------------------------------------------------------------------
    def load(self, dataset: Any) -> list[Item]:
        """The items of a constructed data set (the runner builds it from ``[source]``)."""
        return [Item(name, dataset[i]) for i, name in enumerate(dataset.names)]

    def batches(self, items: Sequence[Item], size: int) -> Iterator[list[int]]:
        """Index groups of at most ``size`` consecutive items that can be stacked."""
        for start in range(0, len(items), size):
            yield list(range(start, min(start + size, len(items))))

    def collate(self, items: Sequence[Item]) -> Any:
        """Stack items into one batch (default: ``torch.stack`` of the data)."""
        import torch  # here, not at module level: a scenario is checked before torch loads

        return torch.stack([it.data for it in items])

    def to(self, batch: Any, device: torch.device) -> Any:
        return batch.to(device)

    def channel_shape(self, batch: Any, axes: dict[str, float]) -> tuple[int, ...]:
        """Channel-use budget of one transmission of ``batch`` at ``axes`` (e.g. ``(n,)``)."""
        raise NotImplementedError

    def example_batch(self, size: int, batch: int = 1) -> Any:
        """A synthetic batch for ``linksim bench`` (``size``: the task's natural size knob)."""
        raise NotImplementedError

    #: ``linksim bench``: the axis values a system is built and timed at, and the channel
    #: (registered name, or ``None``: none) its pass goes through
    bench_axes: ClassVar[dict[str, float]] = {}
    bench_channel: ClassVar[str | None] = None

    # --- training hooks (``linksim train``) ---------------------------------------------
    #: the dataclass of the training options only this task reads (``TrainConfig.options``)
    train_options: ClassVar[type] = NoTrainOptions
    #: the metric of validation curves and model cards
    val_metric: ClassVar[str] = ""
    #: the training loss of ``linksim train`` when ``--loss`` is not given
    default_loss: ClassVar[str] = "mse"

    def train_sampler(self, cfg: Any) -> Any:
        """Training data for a :class:`~linksim.training.config.TrainConfig`: an object with
        ``sample(batch, generator) -> batch`` and ``len()`` (the number of source items)."""
        raise LinksimError(f"task {self.name!r} has no training data hook yet")

    def validation_batch(self, cfg: Any) -> Any | None:
        """The fixed validation batch of a training run (``None``: no validation)."""
        return None

    def train_build_kwargs(self, cfg: Any) -> dict[str, Any]:
        """The bandwidth arguments a training run builds its system with: the value of each
        bandwidth axis among the task's training options (e.g. an image model's CBR)."""
        return {a.name: getattr(cfg.options, a.name) for a in self.axes
                if a.role == "bandwidth" and hasattr(cfg.options, a.name)}

    def train_card(self, cfg: Any, train_items: int, val_items: int) -> dict[str, Any]:
        """The model card's task-specific fields: the bandwidth trained for and the data
        (``train_items`` source items, ``val_items`` validation items)."""
        return {"data": {"train": cfg.data, "train_items": train_items, "val": cfg.val,
                         "val_items": val_items}}

    def train_flags(self, cfg: Any) -> dict[str, Any]:
        """The ``linksim train`` options of ``cfg`` that only this task reads (flag name
        without ``--`` -> value), for the command line a model card keeps."""
        return {}

    def train_link_shape(self, batch: Any, system: Any) -> tuple[int, ...] | None:
        """The channel-use budget of a training transmission (``None``: drawn for whatever
        the system sends; e.g. ``(K, M)`` fading gains of a MISO downlink)."""
        return None


def default_task_name() -> str:
    """The task of a scenario or command that names none: the one registered task that
    declares ``is_default = True``."""
    from linksim.base.registry import TASKS

    names = [name for name, cls in TASKS.items() if getattr(cls, "is_default", False)]
    if len(names) != 1:
        raise LinksimError(f"no single default task ({', '.join(names) or 'none'} declare "
                           "is_default); name the task (task = \"...\" or --task)")
    return names[0]


def get_task(name: str) -> Task:
    from linksim.base.registry import TASKS

    return TASKS.get(name)()
