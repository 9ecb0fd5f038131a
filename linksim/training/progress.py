"""Progress display of a training run: a rich bar on a terminal, log lines otherwise.

``val`` is the task's validation metric (``val_label``: for example ``val_psnr`` with unit
``dB``, or ``val_bleu1`` without one) at the middle validation SNR."""
from __future__ import annotations

import sys
import time
from typing import Protocol


class Progress(Protocol):
    def start(self, total: int, done: int) -> None: ...
    def update(self, step: int, loss: float, lr: float, val: float | None) -> None: ...
    def close(self) -> None: ...


class LogProgress:
    """One line on stderr every ``every`` steps (for logs of background runs)."""

    def __init__(self, every: int = 25, val_label: str = "val", val_unit: str = "") -> None:
        self.every, self.val_label, self.val_unit = every, val_label, val_unit
        self.total = 0
        self._t0 = time.perf_counter()
        self._done0 = 0

    def start(self, total: int, done: int) -> None:
        self.total, self._done0, self._t0 = total, done, time.perf_counter()

    def update(self, step: int, loss: float, lr: float, val: float | None) -> None:
        if step % self.every and step != self.total:
            return
        rate = (step - self._done0) / max(1e-9, time.perf_counter() - self._t0)
        eta = (self.total - step) / max(rate, 1e-9)
        val = "-" if val is None else f"{val:.4g}"
        print(f"step {step}/{self.total} loss {loss:.5f} lr {lr:.2e} {self.val_label} {val}"
              f"{' ' + self.val_unit if self.val_unit else ''} "
              f"{rate:.2f} it/s eta {eta / 60:.1f} min", file=sys.stderr, flush=True)

    def close(self) -> None:
        pass


class RichProgress:
    """A live ``rich`` progress bar with loss, learning rate and the validation metric."""

    def __init__(self, val_label: str = "val", val_unit: str = "") -> None:
        self.val_label, self.val_unit = val_label, val_unit
        from rich.progress import (BarColumn, MofNCompleteColumn, Progress, TextColumn,
                                   TimeElapsedColumn, TimeRemainingColumn)

        self._bar = Progress(TextColumn("train"), BarColumn(), MofNCompleteColumn(),
                             TimeElapsedColumn(), TimeRemainingColumn(),
                             TextColumn("{task.fields[info]}"), transient=False)
        self._task = None

    def start(self, total: int, done: int) -> None:
        self._bar.start()
        self._task = self._bar.add_task("train", total=total, completed=done, info="")

    def update(self, step: int, loss: float, lr: float, val: float | None) -> None:
        val = "" if val is None else f" {self.val_label} {val:.4g} {self.val_unit}".rstrip()
        self._bar.update(self._task, completed=step, info=f"loss {loss:.5f} lr {lr:.1e}{val}")

    def close(self) -> None:
        self._bar.stop()


def default_progress(log_every: int, val_label: str = "val", val_unit: str = "") -> Progress:
    """A rich bar when stderr is a terminal, else :class:`LogProgress`."""
    if sys.stderr.isatty():
        return RichProgress(val_label, val_unit)
    return LogProgress(log_every, val_label, val_unit)
