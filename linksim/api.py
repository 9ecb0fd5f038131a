"""The Python API: everything ``linksim run``, ``table``, ``compare``, ``plot`` and
``report`` do, from a notebook or a script.

::

    import linksim

    scenario = linksim.load_scenario("scenarios/image/quickstart.toml",
                                     {"source.count": 1, "sweep.snr_db": [5]})
    results = linksim.run(scenario, output="my_results")   # records, resume, lock: as the CLI
    results.table()                      # pandas DataFrame (a list of dicts without pandas)
    results.compare("MambaJSCC (CSI-ReST)", "Uncoded (LMMSE)")   # paired, 95% intervals
    results.plot()                       # PNG figures; results.report() HTML + Markdown

    system = linksim.build_system("uncoded", task="image", cbr=1/16)
    link = linksim.build_channel("awgn")
    psnr = linksim.get_metric("psnr")    # psnr(x, x_hat) -> [B] tensor

Every function here is exported by :mod:`linksim` (``linksim.run`` ...) and loaded on first
use, so ``import linksim`` stays cheap (no torch).
"""
from __future__ import annotations

import copy
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable, Mapping, Sequence, Union

if TYPE_CHECKING:  # the heavy modules load when a function runs
    from linksim.core.compare import PairedDifference
    from linksim.core.metric import Metric
    from linksim.core.record import Record
    from linksim.core.scenario import Scenario

#: what the table, comparison, plot and report functions read: a results folder, a
#: :class:`Results`, or records
RecordSource = Union[str, Path, "Results", Sequence["Record"]]


def load_scenario(source: str | Path | Mapping[str, Any],
                  overrides: Mapping[str, Any] | Sequence[str] | None = None) -> "Scenario":
    """Read and validate a scenario.

    :param source: a TOML file, or a dict with the same keys as the file (``{"task":
        "image", "source": {...}, "systems": [{"name": "uncoded"}], ...}``; ``name``
        defaults to ``"scenario"``).
    :param overrides: ``{"stop.max_items": 4, "systems.0.label": "A"}`` (values as Python
        objects), or ``["stop.max_items=4"]`` as ``linksim run --set`` takes them.
    :returns: the typed :class:`~linksim.core.scenario.Scenario`; a bad key raises
        :class:`~linksim.errors.LinksimError` naming it and the fix.
    """
    from linksim.scenario.parse import (_apply_overrides, load_scenario as load_file, set_key,
                                        validate)

    if isinstance(source, Mapping):
        raw = copy.deepcopy(dict(source))
        raw.setdefault("name", "scenario")   # a file's default is its stem; a dict has none
        if isinstance(overrides, Mapping):
            done = [set_key(raw, k, copy.deepcopy(v)) for k, v in overrides.items()]
        else:
            done = _apply_overrides(raw, list(overrides or ()))
        return validate(raw, "<dict>", "", done)
    if isinstance(overrides, Mapping):
        import json

        # TOML/JSON text of each value, so the file's own line-numbered checks apply
        overrides = [f"{k}={json.dumps(v)}" for k, v in overrides.items()]
    return load_file(source, list(overrides or ()))


@dataclass
class Results:
    """The records of one run (or folder) and what can be computed from them.

    :ivar folder: the results folder (``results.jsonl`` inside).
    :ivar records: one :class:`~linksim.core.record.Record` per grid point.
    :ivar failed: ``(point description, error)`` of points that failed in this run.
    """

    folder: Path
    records: list["Record"]
    failed: list[tuple[str, str]] = field(default_factory=list)

    def table(self, metrics: Sequence[str] | None = None, envelopes: bool = True):
        """The records as a table (see :func:`table`)."""
        return table(self.records, metrics, envelopes)

    def compare(self, a: str, b: str, metric: str | None = None):
        """Paired differences ``a - b`` (see :func:`compare`)."""
        return compare(self.records, a, b, metric)

    def plot(self, out: str | Path | None = None, x: str | None = None) -> list[Path]:
        """Write the figures (see :func:`plot`), into the results folder by default."""
        return plot(self.records, out or self.folder, x)

    def report(self, out: str | Path | None = None, reference: str | None = None
               ) -> tuple[Path, Path]:
        """Write the HTML and Markdown report (see :func:`report`)."""
        return report(self.folder, out, reference)


def run(scenario: "Scenario | str | Path | Mapping[str, Any]", output: str | Path | None = None,
        *, fresh: bool = False, append: bool = False, wait: bool = False,
        workers: int | None = None, executor: str | None = None, address: str | None = None,
        reporter: Any = None) -> Results:
    """Run a scenario as ``linksim run`` does: the same records, the same resume (finished
    points are reused), the same folder lock.

    :param scenario: a :class:`~linksim.core.scenario.Scenario`, or what
        :func:`load_scenario` takes.
    :param output: results folder (default: the scenario's ``output``).
    :param fresh: recompute every point; ``append``: add to records of another seed or
        source; ``wait``: wait for another run writing to the folder instead of refusing.
    :param workers: run this many points at once (``executor``: ``serial``,
        ``processes`` or ``ray``; ``address``: a Ray cluster).
    :param reporter: an object with the :class:`~linksim.core.runner.Reporter` methods
        (default: silent).
    :returns: :class:`Results` with every record of the scenario (old and new).
    """
    from linksim.core.executors import make_executor
    from linksim.core.runner import Runner
    from linksim.core.scenario import Scenario

    if not isinstance(scenario, Scenario):
        scenario = load_scenario(scenario)
    runner = Runner(scenario, output=Path(output) if output else None, reporter=reporter,
                    fresh=fresh, append=append, wait=wait,
                    executor=make_executor(executor, workers, address))
    records = runner.run()
    return Results(runner.output, records,
                   [(p.describe(runner.task), e) for p, e in runner.failed])


def dry_run(scenario: "Scenario | str | Path | Mapping[str, Any]",
            output: str | Path | None = None, *, fresh: bool = False, append: bool = False):
    """What :func:`run` would do, computing nothing (``linksim run --dry-run``): a
    :class:`~linksim.core.plan.Plan` whose points are each ``reuse``, ``compute`` or
    ``refuse``, and ``refusal``, the one-line error the run would stop with (or ``None``).
    Reads the folder's records, not the scenario's data."""
    from linksim.core.runner import Runner
    from linksim.core.scenario import Scenario

    if not isinstance(scenario, Scenario):
        scenario = load_scenario(scenario)
    return Runner(scenario, output=Path(output) if output else None, fresh=fresh,
                  append=append).plan()


def records(source: RecordSource) -> list["Record"]:
    """The records of a results folder (or of a :class:`Results`, or records themselves)."""
    from linksim.core.record import load_records

    if isinstance(source, Results):
        return source.records
    if isinstance(source, (str, Path)):
        return load_records(Path(source))
    out = list(source)
    if not out:
        from linksim.errors import LinksimError

        raise LinksimError("no records given")
    return out


def table(source: RecordSource, metrics: Sequence[str] | None = None,
          envelopes: bool = True):
    """One row per grid point: ``system`` (label), ``name`` (registered system),
    ``channel``, every axis, ``count``, and per metric its mean and ``<metric>_ci95`` (the
    Student-t 95% half-width).

    :param envelopes: reduce systems with an envelope parameter (the separated chain's
        MCS) to their best variant per point, as the CLI's tables do; ``False`` keeps
        every variant (with its ``params``).
    :returns: a :class:`pandas.DataFrame` when pandas is installed, else a list of dicts.
    """
    from linksim.core.metric import get_metric
    from linksim.core.record import mean_ci, reduce_envelopes

    recs = records(source)
    names = list(metrics or dict.fromkeys(m for r in recs for m in r.metrics))
    if envelopes:
        first = get_metric(names[0])
        recs = reduce_envelopes(recs, first.name, first.higher_is_better)
    rows = []
    for rec in recs:
        row: dict[str, Any] = {"system": rec.label, "name": rec.system,
                               "channel": rec.channel_label, **rec.axes, "count": rec.count}
        for m in names:
            if m in rec.metrics:
                row[m], row[f"{m}_ci95"] = mean_ci(rec.metrics[m])
        if not envelopes or rec.envelope_winner:
            row["params"] = dict(rec.envelope_winner or rec.params)
        row["checkpoint"] = rec.checkpoint_id
        rows.append(row)
    try:
        import pandas
    except ImportError:
        return rows
    return pandas.DataFrame(rows)


def compare(source: RecordSource, a: str, b: str, metric: str | None = None):
    """Paired differences ``a - b`` of two systems (labels) at every shared grid point: the
    same items through the same channel draws, so the 95% interval is that of the
    per-transmission differences.

    :returns: a DataFrame (``channel``, axes, ``diff``, ``ci95``, ``pairs``) when pandas is
        installed, else a list of :class:`~linksim.core.compare.PairedDifference`.
    """
    from linksim.core.compare import paired_differences
    from linksim.core.metric import get_metric
    from linksim.core.record import default_metric

    recs = records(source)
    m = get_metric(metric or default_metric(recs))
    diffs = paired_differences(recs, a, b, m.name, m.higher_is_better)
    try:
        import pandas
    except ImportError:
        return diffs
    return pandas.DataFrame([{"channel": d.channel, **d.axes, "diff": d.mean, "ci95": d.ci95,
                              "pairs": d.count} for d in diffs])


def plot(source: RecordSource, out: str | Path | None = None, x: str | None = None
         ) -> list[Path]:
    """Draw every metric against ``x`` (default: the SNR axis), one PNG per channel and
    other-axis value, into ``out`` (default: the results folder); returns the paths."""
    from linksim.plots import plot_records

    recs = records(source)
    folder = out or (source.folder if isinstance(source, Results) else source)
    if not isinstance(folder, (str, Path)):
        from linksim.errors import LinksimError

        raise LinksimError("plot: give out= when plotting records without a folder")
    return plot_records(recs, Path(folder), recs[0].scenario, x)


def report(folder: str | Path, out: str | Path | None = None, reference: str | None = None
           ) -> tuple[Path, Path]:
    """Write ``report.html`` (self-contained) and ``report.md`` for a results folder, from
    its records alone (see :mod:`linksim.reports`); returns both paths."""
    from linksim.reports import write_report

    return write_report(Path(folder), Path(out) if out else None, reference)


def train(system: str, data: str | Path, out: str | Path, **options: Any) -> dict[str, Any]:
    """Train a registered learned system as ``linksim train`` does and write the checkpoint
    ``<out>.pt`` with its model card ``<out>.json`` (found by id ``Path(out).name`` when
    ``out``'s folder is on the zoo path: ``./zoo``, ``$LINKSIM_ZOO``).

    :param options: the fields of :class:`~linksim.training.config.TrainConfig` (``cbr``,
        ``snr="0:20"``, ``channel``, ``steps``, ``batch``, ``crop``, ``lr``, ``val``, ...);
        ``task`` defaults to the system's own.
    :returns: the model card (a dict).
    """
    from linksim.base.registry import SYSTEMS
    from linksim.training import TrainConfig
    from linksim.training import train as run_training

    if "task" not in options:
        tasks = {getattr(cls, "task", "") for n, cls in SYSTEMS.items() if n == system.lower()}
        options["task"] = tasks.pop() if len(tasks) == 1 else "image"
    if "loss" not in options:
        from linksim.core.task import get_task

        options["loss"] = get_task(options["task"]).default_loss
    return run_training(TrainConfig.from_flat(system=system, data=str(data), out=str(out),
                                              **options))


def build_system(name: str, task: str | None = None, **params: Any):
    """Build a registered system by name, e.g. ``build_system("mambajscc", task="image",
    cbr=1/16, checkpoint="mambajscc-small-cbr1_16-rayleigh-snr0_20")``. Call it as
    ``system.transmit(batch, link)`` with a link from :func:`make_link`."""
    from linksim.base.registry import SYSTEMS

    return SYSTEMS.get(name, task)(**params)


def build_channel(name: str, **params: Any):
    """Build a registered channel by name (``build_channel("rayleigh", fading="block")``)."""
    from linksim.base.registry import CHANNELS

    return CHANNELS.get(name)(**params)


def get_metric(name: str) -> "Metric":
    """A registered metric: ``metric(x, x_hat)`` gives one value per item (a [B] tensor);
    it carries ``unit``, ``label`` and ``higher_is_better``."""
    from linksim.core.metric import get_metric as get

    return get(name)


def make_link(channel: Any, snr_db: float, batch: int, seed: int = 0,
              shape: Iterable[int] | None = None):
    """A :class:`~linksim.channels.base.Link` over ``channel`` at ``snr_db`` for ``batch``
    transmissions, with one common-random-number seed per transmission (``seed + i``);
    ``shape``: the channel-use budget of one transmission (default: any)."""
    from linksim.channels.base import Link

    seeds = [seed + i for i in range(batch)]
    return Link(channel, snr_db, batch, seeds, tuple(shape) if shape is not None else None)


def names(kind: str = "systems", task: str | None = None) -> list[str]:
    """The registered names of one kind (``systems``, ``channels``, ``metrics``,
    ``datasets``, ``tasks``, ...), of one task's and the shared parts when ``task`` is
    given; installed plugins included."""
    from linksim.base.registry import ALL
    from linksim.errors import LinksimError

    if kind not in ALL:
        raise LinksimError(f"unknown kind {kind!r}; choose one of: {', '.join(ALL)}")
    return ALL[kind].names(task)


def origin(kind: str, name: str, task: str | None = None) -> str:
    """Where a registered part comes from: ``linksim``, ``entry point <name>
    (<distribution>)`` or ``module <name>``."""
    from linksim.base.registry import ALL

    return ALL[kind].origin(name, task)


def load_plugin(module: str) -> None:
    """Import a local module that registers parts (what a scenario's ``plugins = [...]``
    does); installed plugins (entry-point group ``linksim.plugins``) load by themselves."""
    from linksim.base.registry import load_plugin as load

    load(module)
