"""The output folder of a run: checked before any work and locked while a run writes.

- A path that is a file, or a folder that cannot be written, is a one-line error before
  anything is computed.
- :class:`FolderLock` holds an exclusive ``fcntl`` lock on ``<folder>/.linksim.lock``:
  a second run into the same folder is refused (or waits, ``wait=True``), so two runs
  never append the same point twice.
"""
from __future__ import annotations

import fcntl
import os
import tempfile
from pathlib import Path

from linksim.errors import LinksimError

LOCK = ".linksim.lock"


def check_writable(folder: Path) -> None:
    """Create ``folder`` if needed and prove it is writable; else a one-line error."""
    if folder.exists() and not folder.is_dir():
        raise LinksimError(f"{folder}: is a file, not a folder; name a results folder "
                           "(the scenario's output or --out)")
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=folder):
            pass
    except OSError as exc:
        raise LinksimError(f"{folder}: cannot write results ({exc.strerror}); choose another "
                           "folder with --out") from None


class FolderLock:
    """Exclusive lock on a results folder for the duration of a ``with`` block."""

    def __init__(self, folder: Path, wait: bool = False) -> None:
        self.path, self.wait, self._fd = Path(folder) / LOCK, wait, None

    def __enter__(self) -> "FolderLock":
        self._fd = os.open(self.path, os.O_CREAT | os.O_RDWR, 0o644)
        try:
            fcntl.flock(self._fd, fcntl.LOCK_EX | (0 if self.wait else fcntl.LOCK_NB))
        except BlockingIOError:
            os.close(self._fd)
            raise LinksimError(f"{self.path.parent}: another linksim run is writing here; "
                               "wait for it (or pass --wait), or use another --out") from None
        return self

    def __exit__(self, *exc) -> None:
        fcntl.flock(self._fd, fcntl.LOCK_UN)
        os.close(self._fd)
