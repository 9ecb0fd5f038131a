"""Fetching standard data sets from their official sources into a cache folder.

The cache is ``$LINKSIM_DATA`` or ``~/.cache/linksim/data``. Downloads go
through ``pooch`` with a checksum; where the publisher gives none (DIV2K),
the SHA-256 of the first download is recorded beside it and checked on every
later use (trust on first use).
"""
from __future__ import annotations

import hashlib
import json
import tarfile
import tempfile
import zipfile
from pathlib import Path

from linksim.base.paths import data_dir
from linksim.errors import LinksimError


def cache_dir() -> Path:
    return data_dir()


def sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def fetch(url: str, dest: Path, known_hash: str | None, what: str) -> Path:
    """Download ``url`` to ``dest`` (once) and verify it; LinksimError when offline."""
    import pooch

    dest.parent.mkdir(parents=True, exist_ok=True)
    record = dest.parent / "checksums.json"
    seen = json.loads(record.read_text()) if record.exists() else {}
    expected = known_hash or (f"sha256:{seen[dest.name]}" if dest.name in seen else None)
    try:
        path = Path(pooch.retrieve(url, known_hash=expected, fname=dest.name,
                                   path=dest.parent, progressbar=True))
    except Exception as exc:  # network errors come in many types
        if "hash" in str(exc).lower():
            raise LinksimError(f"{what}: the file downloaded from {url} does not match its "
                               f"checksum ({expected}); the source changed or the transfer was "
                               f"corrupted: retry, or pass a verified copy with [source] path"
                               ) from None
        reason = str(exc).splitlines()[0][:120] if str(exc) else ""
        raise LinksimError(f"{what}: no local copy and download from {url} failed "
                           f"({type(exc).__name__}{': ' + reason if reason else ''}); pass the "
                           f"folder with [source] path or put the files in {dest.parent}"
                           ) from None
    if dest.name not in seen:
        seen[dest.name] = sha256(path)
        record.write_text(json.dumps(seen, indent=1))
    return path


def fetch_archive(url: str, archive: str, folder: str, known_hash: str | None, what: str) -> Path:
    """``cache_dir()/folder``, downloading and unpacking ``archive`` (zip or tar) if missing."""
    path = cache_dir() / folder
    if not path.is_dir():
        file = fetch(url, cache_dir() / archive, known_hash, what)
        with tempfile.TemporaryDirectory(dir=cache_dir(), prefix=".unpack-") as tmp:
            try:
                if archive.endswith(".zip"):
                    with zipfile.ZipFile(file) as zf:
                        zf.extractall(tmp)
                else:
                    with tarfile.open(file) as tf:
                        tf.extractall(tmp, filter="data")
            except (zipfile.BadZipFile, tarfile.TarError, EOFError) as exc:
                file.unlink(missing_ok=True)
                raise LinksimError(f"{what}: {file.name} is not a complete archive ({exc}); "
                                   "it was removed, run again to download it anew") from None
            if not (Path(tmp) / folder).is_dir():
                raise LinksimError(f"{what}: {file.name} holds no folder {folder!r}; pass the "
                                   "data with [source] path")
            (Path(tmp) / folder).rename(path)  # appears whole or not at all
    return path
