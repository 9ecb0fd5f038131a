"""Typed training configuration (``linksim train`` flags after validation).

:class:`TrainConfig` holds the generic loop's settings; what only one task reads (an image
model's CBR and crop sides, ...) is the task's own dataclass,
:attr:`~linksim.core.task.Task.train_options`, kept in ``TrainConfig.options``. Every field
of both is recorded, flat, in the model card and in the resume file; a resumed run must have
the same values for every field but :data:`FREE_ON_RESUME`.
"""
from __future__ import annotations

from dataclasses import MISSING, asdict, dataclass, field, fields
from typing import Any, Iterator, Sequence

from linksim.errors import LinksimError
from linksim.scenario.parse import parse_value

#: Fields that may differ between an interrupted run and its resumption.
FREE_ON_RESUME = ("threads", "resume", "log_every", "max_minutes", "device")


@dataclass
class SnrSpec:
    """Training SNR in dB, drawn once per batch.

    ``"lo:hi"``: uniform in [lo, hi]; ``"a,b,c"`` or ``"a"``: uniformly one of the values.
    """

    low: float | None = None
    high: float | None = None
    values: tuple[float, ...] = ()

    @classmethod
    def parse(cls, text: str) -> "SnrSpec":
        try:
            if ":" in text:
                lo, hi = (float(v) for v in text.split(":"))
                if hi < lo:
                    raise ValueError
                return cls(low=lo, high=hi)
            return cls(values=tuple(float(v) for v in text.split(",")))
        except ValueError:
            raise LinksimError(f"--snr {text!r}: expected a range 'lo:hi' (e.g. 0:20) "
                               "or a list 'a,b,c' (e.g. 1,4,7) in dB") from None

    def __str__(self) -> str:
        if self.values:
            return ",".join(f"{v:g}" for v in self.values)
        return f"{self.low:g}:{self.high:g}"


def parse_cbr_flag(text: str) -> float:
    """``--cbr 1/16`` (or ``0.0625``) -> 0.0625; errors name the flag."""
    from linksim.scenario.parse import parse_cbr

    try:
        (cbr,) = parse_cbr(text if "/" in text else float(text))
    except ValueError as exc:
        raise LinksimError(f"--cbr {text!r}: {exc} (e.g. --cbr 1/16)") from None
    return cbr


def parse_sets(items: Sequence[str], flag: str = "--set") -> dict[str, Any]:
    """``["depth=4", "adaptation=none"]`` -> ``{"depth": 4, "adaptation": "none"}``."""
    out: dict[str, Any] = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise LinksimError(f"{flag} {item!r}: expected key=value (e.g. {flag} depth=4)")
        out[key.strip()] = parse_value(value.strip())
    return out


@dataclass
class TrainConfig:
    """Everything the training loop reads, whatever the task.

    :ivar system: registered learned system name (e.g. ``"mambajscc"``) of ``task``.
    :ivar task: the registered task (``None``: the default task).
    :ivar data: training data (folder or file); :ivar val: validation data (or None).
    :ivar snr: training SNR spec (:class:`SnrSpec` text).
    :ivar config: named model config; :ivar overrides: model config overrides (``--set``).
    :ivar channel: registered channel name; :ivar channel_params: its parameters.
    :ivar steps: optimizer steps; :ivar batch: items per step.
    :ivar lr: peak learning rate of AdamW; :ivar weight_decay: AdamW decoupled decay.
    :ivar warmup: linear warm-up steps, then cosine decay to ``lr * min_lr_ratio``.
    :ivar clip: gradient-norm clip (<= 0: off); :ivar loss: a registered loss.
    :ivar val_count: how many validation items.
    :ivar val_snrs: SNRs (dB) of the final validation written to the card.
    :ivar val_every: steps between progress validations (at the middle val SNR).
    :ivar save_every: steps between resume-file saves.
    :ivar max_minutes: wall-clock cap; training stops early (and says so in the card)
        when the run has taken this long (None: no cap).
    :ivar options: the task's training options (an instance of its ``train_options``
        dataclass; ``None``: its defaults).
    """

    system: str
    data: str
    out: str
    task: str | None = None
    val: str | None = None
    snr: str = "0:20"
    config: str = "small"
    overrides: dict[str, Any] = field(default_factory=dict)
    channel: str = "awgn"
    channel_params: dict[str, Any] = field(default_factory=dict)
    steps: int = 1000
    batch: int = 8
    lr: float = 1e-4
    weight_decay: float = 1e-4
    warmup: int = 100
    min_lr_ratio: float = 0.01
    clip: float = 1.0
    loss: str = "mse"
    seed: int = 0
    val_count: int | None = None
    val_snrs: tuple[float, ...] = (0.0, 5.0, 10.0, 15.0, 20.0)
    val_every: int = 500
    save_every: int = 100
    log_every: int = 25
    threads: int | None = None
    max_minutes: float | None = None
    device: str = "cpu"
    resume: bool = False
    options: Any = None

    def __post_init__(self) -> None:
        from linksim.core.task import default_task_name, get_task

        self.task = self.task or default_task_name()
        if self.options is None:
            self.options = get_task(self.task).train_options()
        SnrSpec.parse(self.snr)
        for key in ("steps", "batch", "val_every", "save_every", "log_every"):
            if int(getattr(self, key)) < 1:
                raise LinksimError(f"{key}={getattr(self, key)}: must be a positive integer")
        if self.warmup < 0 or self.lr <= 0:
            raise LinksimError("warmup must be >= 0 and lr > 0")
        self.val_snrs = tuple(float(s) for s in self.val_snrs)

    def command(self) -> str:
        """The ``linksim train`` command line that reproduces this run (model cards keep it)."""
        import json
        import shlex

        from linksim.core.task import get_task

        def value(v: Any) -> str:
            return v if isinstance(v, str) else json.dumps(v)

        parts = ["linksim", "train", self.system, "--task", self.task, "--data", self.data,
                 "--out", self.out, "--snr", self.snr,
                 "--channel", self.channel, "--config", self.config]
        for k, v in self.channel_params.items():
            parts += ["--channel-set", f"{k}={value(v)}"]
        for k, v in self.overrides.items():
            parts += ["--set", f"{k}={value(v)}"]
        for flag in ("steps", "batch", "lr", "weight_decay", "warmup", "clip", "loss", "seed",
                     "val_every"):
            parts += [f"--{flag.replace('_', '-')}", str(getattr(self, flag))]
        for flag, v in get_task(self.task).train_flags(self).items():
            parts += [f"--{flag}", str(v)]
        if self.val:
            parts += ["--val", self.val]
        if self.val_count is not None:
            parts += ["--val-count", str(self.val_count)]
        return shlex.join(parts)

    @classmethod
    def from_flat(cls, **values: Any) -> "TrainConfig":
        """A config from one flat set of keywords: the loop's fields, and the task's
        options (e.g. ``cbr``, ``crop`` of the image task) by their names."""
        from linksim.core.task import default_task_name, get_task

        task = values.get("task") or default_task_name()
        options = get_task(task).train_options
        own = {f.name for f in fields(cls)} - {"options"}
        theirs = {f.name for f in fields(options)}
        unknown = sorted(set(values) - own - theirs)
        if unknown:
            raise LinksimError(f"{unknown[0]}: not a training option of task {task!r}; its "
                               f"options: {', '.join(sorted(theirs)) or 'none'}")
        return cls(**{k: v for k, v in values.items() if k in own},
                   options=options(**{k: v for k, v in values.items() if k in theirs}))

    def _fields(self) -> Iterator[tuple[str, Any]]:
        """(name, default) of every flat field: the loop's, then the task options'."""
        for f in (*fields(self), *fields(self.options)):
            if f.name != "options":
                yield f.name, (f.default_factory() if f.default_factory is not MISSING
                               else f.default)

    def as_dict(self) -> dict[str, Any]:
        """Every field, flat (the task's options beside the loop's)."""
        d = {k: v for k, v in asdict(self).items() if k != "options"}
        d.update(asdict(self.options))
        d["val_snrs"] = list(self.val_snrs)
        return d

    def check_resumable(self, saved: dict[str, Any]) -> None:
        """Raise naming the first field that differs from the interrupted run's."""
        mine = self.as_dict()
        for name, default in self._fields():
            if name in FREE_ON_RESUME or (name not in saved and mine[name] == default):
                continue  # free, or a field added since the run started, at its default
            if saved.get(name) != mine[name]:
                raise LinksimError(f"--resume: {name} is {mine[name]!r} but the interrupted "
                                   f"run used {saved.get(name)!r}; use the same value or "
                                   "start afresh without --resume")
