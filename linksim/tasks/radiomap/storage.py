"""The on-disk layout of a radio-map data set (what ``linksim radiomap generate`` writes).

::

    <root>/card.json                    the data-set card (config, counts, versions, wall time)
    <root>/index.jsonl                  one line per finished map (appended when it is done)
    <root>/cities/<city>/scene.xml      the city as a Sionna RT scene (+ meshes/*.ply)
    <root>/cities/<city>/buildings.png  8-bit building height in m at each cell (0: open)
    <root>/cities/<tile>/tile.json      a real-scene tile: its scene, centre and grid position
    <root>/maps/<city>_tx<k>.png        8-bit normalized path gain (:mod:`.units`)

Images are stored with row 0 = the smallest y (south), column 0 = the smallest x (west).
An index line is appended only after its PNG is in place (written to a temporary name
and renamed), and a map already in the index is never traced again, so a killed run
resumes without duplicates; a torn last line (killed mid-write) is ignored.

:func:`checksum` is the data set's content hash: SHA-256 over the sorted lines
``<id> <sha256 of the map's pixels>`` and ``<layout> <sha256 of its building map's
pixels>`` (decoded 8-bit pixels, so it does not depend on the PNG encoder).
"""
from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any, Iterator

import numpy as np
from PIL import Image

from linksim.errors import LinksimError

CARD, INDEX = "card.json", "index.jsonl"


def write_png(path: Path, image: np.ndarray) -> None:
    """Write an 8-bit gray PNG atomically (``image``: [H, W] uint8, row 0 = south)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    Image.fromarray(np.ascontiguousarray(image[::-1])).save(tmp, format="PNG", optimize=True)
    os.replace(tmp, path)


def array_sha256(image: np.ndarray) -> str:
    """SHA-256 of an image's shape and uint8 pixels (row 0 = south)."""
    image = np.ascontiguousarray(image, dtype=np.uint8)
    return hashlib.sha256(repr(image.shape).encode() + image.tobytes()).hexdigest()


def checksum(root: Path) -> str:
    """The content hash of every map and building map listed in the index (see above)."""
    root = Path(root)
    lines, cities = [], set()
    for e in entries(root):
        lines.append(f"{e['id']} {array_sha256(read_png(root / e['file']))}")
        cities.add(e["city"])
    for city in sorted(cities):
        lines.append(f"{city} {array_sha256(read_png(root / 'cities' / city / 'buildings.png'))}")
    return hashlib.sha256("\n".join(sorted(lines)).encode()).hexdigest()


def write_tile(folder: Path, tile: dict[str, Any]) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "tile.json").write_text(json.dumps(tile, sort_keys=True) + "\n")


def read_png(path: Path) -> np.ndarray:
    """[H, W] uint8, row 0 = south (the inverse of :func:`write_png`)."""
    try:
        with Image.open(path) as im:
            return np.asarray(im.convert("L"))[::-1].copy()
    except OSError as exc:
        raise LinksimError(f"{path}: cannot read the map ({exc}); regenerate the data set "
                           "with linksim radiomap generate --resume") from None


def read_index(root: Path) -> list[dict[str, Any]]:
    """The finished maps, in the order they were written (a torn last line is dropped)."""
    path = Path(root) / INDEX
    if not path.is_file():
        return []
    out = []
    for line in path.read_text().splitlines():
        try:
            out.append(json.loads(line))
        except json.JSONDecodeError:
            continue  # a line cut by a kill; its map is traced again
    return out


def append_index(root: Path, entry: dict[str, Any]) -> None:
    """Append one finished map (one JSON line, flushed to disk)."""
    path = Path(root) / INDEX
    text = path.read_text() if path.is_file() else ""
    with open(path, "a") as f:
        if text and not text.endswith("\n"):
            f.write("\n")  # a torn line from a kill stays on its own line
        f.write(json.dumps(entry, sort_keys=True) + "\n")
        f.flush()
        os.fsync(f.fileno())


def read_card(root: Path) -> dict[str, Any]:
    path = Path(root) / CARD
    if not path.is_file():
        raise LinksimError(f"{root}: no radio-map data set here (no {CARD}); generate one with "
                           "linksim radiomap generate --out " + str(root))
    return json.loads(path.read_text())


def write_card(root: Path, card: dict[str, Any]) -> None:
    path = Path(root) / CARD
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(CARD + ".tmp")
    tmp.write_text(json.dumps(card, indent=1, sort_keys=True) + "\n")
    os.replace(tmp, path)


def entries(root: Path, split: str | None = None) -> Iterator[dict[str, Any]]:
    """Index lines of one split (``None``: all), each map once, sorted by id."""
    seen = {e["id"]: e for e in read_index(root)}
    for key in sorted(seen):
        if split is None or seen[key]["split"] == split:
            yield seen[key]


def snapshot(root: Path, out: Path, splits: tuple[str, ...], ids: set[str] | None = None
             ) -> dict[str, Any]:
    """A fixed view of a data set still being generated: ``out`` gets the index lines of
    ``splits`` present now (or exactly the maps ``ids``), the card with their counts and
    checksum, and links to ``root``'s ``maps/`` and ``cities/`` (no copy). Training on the
    view sees the same maps however far the generation has gone since."""
    root, out = Path(root).resolve(), Path(out)
    have = {e["id"]: e for e in read_index(root)}
    if ids is not None:
        missing = sorted(ids - set(have))
        if missing:
            raise LinksimError(f"{root}: {len(missing)} maps of the snapshot are not generated "
                               f"yet (first {missing[0]}); resume the generation first")
        chosen = [have[i] for i in sorted(ids)]
    else:
        chosen = [e for k, e in sorted(have.items()) if e["split"] in splits]
    if (out / INDEX).exists():
        raise LinksimError(f"{out}: already holds a data set; choose another --out")
    out.mkdir(parents=True, exist_ok=True)
    for name in ("maps", "cities"):
        (out / name).symlink_to(root / name, target_is_directory=True)
    for e in chosen:
        append_index(out, e)
    card = read_card(root)
    counts: dict[str, int] = {}
    for e in chosen:
        counts[e["split"]] = counts.get(e["split"], 0) + 1
    card.update({"snapshot_of": str(root), "status": "snapshot", "maps": counts,
                 "cities": {s: len({e["city"] for e in chosen if e["split"] == s})
                            for s in counts},
                 "total_maps": len(chosen), "checksum": checksum(out)})
    write_card(out, card)
    return card
