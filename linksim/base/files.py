"""Files that several processes may write at once: atomic replacement and a file lock.

- :func:`atomic_write` writes to a unique temporary file in the target's folder, syncs it
  and moves it into place with ``os.replace``: a reader (on this host or another host of a
  shared file system) sees the old file or the new one, never a part of either.
- :func:`file_lock` holds an exclusive ``fcntl.flock`` on a companion ``.lock`` file, for
  read-modify-write updates (a cache of several entries in one file) that must not lose
  another writer's entry. ``flock`` is honoured across hosts on NFSv4 and Lustre/GPFS
  mounts with locking enabled.
"""
from __future__ import annotations

import contextlib
import fcntl
import os
import tempfile
from pathlib import Path
from typing import Iterator

_UMASK = os.umask(0o022)   # read the process's umask (and put it back at once)
os.umask(_UMASK)


def atomic_write(path: Path, data: str | bytes) -> None:
    """Replace ``path`` by ``data`` (text or bytes) in one step; parents are created."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        os.chmod(tmp, 0o666 & ~_UMASK)   # mkstemp makes 0600; keep the usual mode
        with os.fdopen(fd, "wb" if isinstance(data, bytes) else "w") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


@contextlib.contextmanager
def file_lock(path: Path) -> Iterator[None]:
    """Block until this process holds the exclusive lock ``<path>.lock``, then yield."""
    lock = Path(path).with_name(Path(path).name + ".lock")
    lock.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(lock, os.O_CREAT | os.O_RDWR, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)
