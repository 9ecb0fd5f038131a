"""Stopping a command from outside the terminal the way Ctrl-C stops it.

A session or scheduler ends a job with SIGTERM, and a shell script that starts a job in
the background (``linksim run ... &``) starts it with SIGINT ignored. Inside
:func:`stop_like_ctrl_c` both signals raise :class:`KeyboardInterrupt`, so a command
saves what it has (records, tables and figures; a training run's resume file) as after
Ctrl-C; the previous handlers are restored on exit.
"""
from __future__ import annotations

import contextlib
import signal
import threading
from typing import Iterator

STOPS = (signal.SIGINT, signal.SIGTERM)


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


@contextlib.contextmanager
def stop_like_ctrl_c() -> Iterator[None]:
    """SIGINT (even when inherited as ignored) and SIGTERM raise KeyboardInterrupt inside
    the block (only the main thread can set handlers; elsewhere nothing changes)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {sig: signal.signal(sig, _interrupt) for sig in STOPS}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
