"""Running one grid point from the scenario and the point alone.

:class:`PointWorker` is the unit every executor (:mod:`linksim.core.executors`) runs, in
the driver (serial) or in another process or host (local processes, Ray): it builds each
channel and system variant once, loads the source items once, and turns a
:class:`~linksim.core.grid.Point` into a :class:`~linksim.core.record.Record`. Nothing it
computes depends on which points ran before in the same process or on their order:

- channel draws come from the common random numbers
  ``derive_seed(seed, "draws", channel, bandwidth axes, item, repeat)``;
- every generator (Python, NumPy, PyTorch, Sionna) is reset to ``derive_seed(seed,
  point_id)`` before a point, for systems with private randomness;
- a system variant is built with every generator reset to ``derive_seed(seed, "system",
  variant)``, so randomly initialised weights are the same in every process;
- a system that declares the axes its transmitter depends on
  (:meth:`~linksim.core.system.System.transmitter_axes`) sends each batch once per value
  of those axes; the other points of its curve reuse the signal
  (:class:`~linksim.core.reuse.SentCache`) and draw the same channel as ever, since the
  draws never depended on the transmitter.
"""
from __future__ import annotations

import math
import platform
import time
from typing import Any, Protocol

import torch

from linksim import __version__
from linksim.channels.base import Link
from linksim.core.grid import Point
from linksim.core.metric import get_metric
from linksim.core.record import Record, rounded
from linksim.core.reuse import SentCache
from linksim.base.allocator import reuse_freed_memory
from linksim.base.registry import CHANNELS, DATASETS, SYSTEMS
from linksim.base.seeding import derive_seed, seed_everything
from linksim.base.stats import Accumulator
from linksim.core.task import Item, Task, get_task
from linksim.errors import LinksimError
from linksim.base.hashing import stable_hash
from linksim.core.scenario import Scenario


class Progress(Protocol):
    """How a running point tells its executor about itself (items of the point)."""

    def started(self, items: int) -> None: ...
    def advanced(self, items: int) -> None: ...


class NoProgress:
    def started(self, items: int) -> None: pass
    def advanced(self, items: int) -> None: pass


def resolve_device(name: str) -> torch.device:
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if name == "cuda" and not torch.cuda.is_available():
        raise LinksimError("device=\"cuda\": this PyTorch build sees no CUDA GPU; use "
                           "device = \"cpu\" or \"auto\"")
    return torch.device(name)


def load_items(scenario: Scenario, task: Task) -> list[Item]:
    """Build the ``[source]`` data set and read its items once (random crops are seeded
    by the scenario seed)."""
    seed_everything(scenario.seed)
    try:
        data = DATASETS.get(scenario.source.dataset, task.name)(**scenario.source.dataset_kwargs())
        items = task.load(data)
    except LinksimError as exc:
        key = getattr(exc, "key", None)
        raise LinksimError(f"{scenario.where(f'source.{key}' if key else 'source')}: "
                           f"{exc}") from None
    if not items:
        raise LinksimError(f"{scenario.where('source')}: the data set has no items")
    return items


def finite(name: str, values: list[float]) -> list[float]:
    """``values`` of the extra quantity ``name``, or a one-line error if one is not finite
    (records hold finite numbers only)."""
    for v in values:
        if not math.isfinite(v):
            raise LinksimError(f"the system's extra value {name!r} is {v}; it produced a "
                               "non-finite result (check its inputs)")
    return values


class PointWorker:
    """Builds a scenario's parts on first use and runs its grid points one at a time.

    :param reuse: reuse sent signals across points where systems allow it (records are the
        same either way; ``False`` recomputes every transmission).
    """

    def __init__(self, scenario: Scenario, reuse: bool = True) -> None:
        self.scenario = scenario
        self.reuse = reuse
        reuse_freed_memory()  # page faults were a third of full-size inference (bit-identical)
        self.sent = SentCache(None if reuse else 0)
        scenario.load_plugins()  # parts of the scenario's plugins, also in worker processes
        self.task = get_task(scenario.task)
        self.device = resolve_device(scenario.device)
        self.metrics = [get_metric(m) for m in scenario.metrics]
        self._systems: dict[str, Any] = {}
        self._channels: dict[str, Any] = {}
        self._items: list[Item] | None = None

    # --- identity ---------------------------------------------------------------------
    def identity(self, p: Point) -> dict[str, Any]:
        """What beyond the params determines the point's result (a checkpoint's hash)."""
        try:
            return SYSTEMS.get(p.system.name, self.task.name).identity(p.params)
        except LinksimError as exc:
            raise LinksimError(f"{self.scenario.file}:{p.system.line}: [[systems]] "
                               f"{p.system.label!r}: {exc}") from None

    def point_id(self, p: Point, identity: dict[str, Any] | None = None) -> str:
        identity = self.identity(p) if identity is None else identity
        return stable_hash(self.scenario.point_key(p.system, p.params, identity, p.channel,
                                                   p.axes))

    def transmission_seeds(self, p: Point, indices: list[int], repeat: int) -> list[int]:
        """Seeds of the common random numbers: item and repeat, not system or SNR."""
        channel = p.channel.label if p.channel else None
        draw_key = self.task.draw_key(p.axes)
        return [derive_seed(self.scenario.seed, "draws", channel, draw_key, i, repeat)
                for i in indices]

    # --- parts, built once ------------------------------------------------------------
    def items(self) -> list[Item]:
        if self._items is None:
            self._items = load_items(self.scenario, self.task)
        return self._items

    def system_key(self, p: Point) -> str:
        """The system variant of ``p``: name, resolved params and constructor axes."""
        return stable_hash([p.system.name, p.params, self.task.build_kwargs(p.axes)])

    def system(self, p: Point):
        build = self.task.build_kwargs(p.axes)
        key = self.system_key(p)
        if key not in self._systems:
            seed_everything(derive_seed(self.scenario.seed, "system", key))
            try:
                system = SYSTEMS.get(p.system.name, self.task.name)(**p.params, **build)
            except LinksimError as exc:
                raise LinksimError(f"{self.scenario.file}:{p.system.line}: [[systems]] "
                                   f"{p.system.label!r}: {exc}") from None
            except TypeError as exc:
                raise LinksimError(f"{self.scenario.file}:{p.system.line}: [[systems]] "
                                   f"{p.system.label!r}: bad parameters ({exc})") from None
            self._systems[key] = system.to(self.device).eval()
        return self._systems[key]

    def check_items(self, p: Point) -> None:
        """The system of ``p`` against the scenario's items, named like a build error."""
        items = self.items()  # its errors name the [source] key
        try:
            self.system(p).check_items(items)
        except LinksimError as exc:
            raise LinksimError(f"{self.scenario.file}:{p.system.line}: [[systems]] "
                               f"{p.system.label!r}: {exc}") from None

    def check_channel_uses(self, points: list[Point]) -> None:
        """Every transmission of every point gets at least one channel use: the task's
        :meth:`~linksim.core.task.Task.channel_shape` of each batch the run will send, at
        each point's axes, before any work. A task's error naming an axis (``err.key``) is
        placed at that ``[sweep]`` key."""
        sc, task = self.scenario, self.task
        grid = {tuple(p.axes.items()): p.axes for p in points if p.channel is not None}
        if not grid:
            return
        items = self.items()
        limit = min(len(items), sc.stop.max_items or len(items))
        for group in task.batches(items[:limit], sc.stop.batch_size):
            x = task.collate([items[i] for i in group])
            for axes in grid.values():
                at = ", ".join(f"{a.name} = {axes[a.name]:g}" for a in task.axes)
                try:
                    shape = tuple(task.channel_shape(x, axes))
                except LinksimError as exc:
                    key = getattr(exc, "key", None)
                    where = sc.where(f"sweep.{key}" if key in axes else "sweep")
                    raise LinksimError(f"{where}: {exc} (at {at})") from None
                if any(n < 1 for n in shape):
                    raise LinksimError(f"{sc.where('sweep')}: at {at} a transmission of "
                                       f"{items[group[0]].name!r} gets {shape} channel uses; "
                                       "every point needs at least one: change the sweep")

    def channel(self, p: Point):
        if p.channel is None:
            return None
        key = p.channel.label
        if key not in self._channels:
            try:
                channel = CHANNELS.get(p.channel.name)(**p.channel.params)
            except (LinksimError, TypeError) as exc:
                raise LinksimError(f"{self.scenario.file}:{p.channel.line}: [[channels]] "
                                   f"{p.channel.label!r}: {exc}") from None
            self._channels[key] = channel.to(self.device)
        return self._channels[key]

    def reused_key(self, p: Point, system: Any) -> tuple | None:
        """What the signals ``system`` sends at ``p`` are kept under (its variant and the
        values of the axes it declares), or ``None`` when they are not reused."""
        axes = system.transmitter_axes() if self.reuse else None
        if axes is None:
            return None
        unknown = [a for a in axes if a not in p.axes]
        if unknown:
            raise LinksimError(f"{type(system).__name__}.transmitter_axes names "
                               f"{unknown[0]!r}, not an axis of task {self.task.name!r} "
                               f"({', '.join(p.axes)})")
        return (self.system_key(p), str(self.device),
                tuple((a, p.axes[a]) for a in sorted(set(axes))))

    # --- one point --------------------------------------------------------------------
    def run(self, p: Point, progress: Progress | None = None) -> Record:
        """Simulate grid point ``p``: every batch of items, ``repeats`` times each, until
        the stop rule; the values of every metric in (item, repeat) order."""
        sc, task, progress = self.scenario, self.task, progress or NoProgress()
        items = self.items()
        system, channel = self.system(p), self.channel(p)
        identity = self.identity(p)
        pid = self.point_id(p, identity)
        seed_everything(derive_seed(sc.seed, pid))  # for systems with private randomness
        limit = min(len(items), sc.stop.max_items or len(items))
        progress.started(limit)
        accs = {m.name: Accumulator() for m in self.metrics}
        values: dict[str, list[float]] = {m.name: [] for m in self.metrics}
        order: list[tuple[int, int]] = []  # (item, repeat) of each value, as computed
        lengths = getattr(task, "channel_lengths", None)  # per-item budgets (e.g. sentences)
        extra: dict[str, Accumulator] = {}
        first, items_done = accs[self.metrics[0].name], 0
        snr_axis = task.snr_axis
        reuse = self.reused_key(p, system)
        t0 = time.perf_counter()
        with torch.no_grad():
            for group in task.batches(items[:limit], sc.stop.batch_size):
                x = task.to(task.collate([items[i] for i in group]), self.device)
                sent = None
                for r in range(sc.stop.repeats):
                    link = None if channel is None else Link(
                        channel, p.axes[snr_axis.name] if snr_axis else 0.0, len(group),
                        self.transmission_seeds(p, group, r), task.channel_shape(x, p.axes),
                        self.device, None if lengths is None else lengths(x, p.axes))
                    if reuse is None:
                        x_hat, more = system.transmit(x, link)
                    else:
                        if sent is None:
                            sent = self.sent.get((*reuse, tuple(group)),
                                                 lambda: system.send(x, link))
                        x_hat, more = system.receive(sent, link)
                    for m in self.metrics:
                        v = rounded(m(x, x_hat).cpu().tolist())
                        accs[m.name].add(v)
                        values[m.name] += v
                    for name, t in more.items():
                        extra.setdefault(name, Accumulator()).add(finite(name, t.cpu().tolist()))
                    order += [(i, r) for i in group]
                items_done += len(group)
                progress.advanced(len(group))
                if (sc.stop.target_ci is not None and items_done >= sc.stop.min_items
                        and first.ci95 <= sc.stop.target_ci):
                    break
        if order != sorted(order):  # values and sums in (item, repeat) order
            perm = sorted(range(len(order)), key=order.__getitem__)
            values = {k: [v[j] for j in perm] for k, v in values.items()}
            accs = {k: Accumulator() for k in values}
            for k, v in values.items():
                accs[k].add(v)
            first = accs[self.metrics[0].name]
        return Record(
            point_id=pid, task=task.name, scenario=sc.name, scenario_hash=sc.digest(),
            system=p.system.name, label=p.system.label, params=p.params,
            envelope=type(system).envelope, checkpoint_id=system.checkpoint_id,
            identity=identity,
            channel=p.channel.name if p.channel else None,
            channel_label=p.channel.label if p.channel else None,
            channel_params=dict(p.channel.params) if p.channel else {},
            axes=dict(p.axes), count=first.count,
            metrics={m: a.as_dict() for m, a in accs.items()}, values=values,
            extra={m: a.as_dict() for m, a in extra.items()},
            seed=sc.seed, source=sc.source.dataset, repeats=sc.stop.repeats,
            version=__version__, torch=torch.__version__, device=str(self.device),
            host=platform.node(), provenance=system.provenance(),
            wall_time_s=round(time.perf_counter() - t0, 4))
