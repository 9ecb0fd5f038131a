"""Checkpoint store: trained weights plus a model card, found by id.

A checkpoint ``<id>`` is two files side by side:

- ``<id>.pt``: the system's ``state_dict`` (``torch.save``; loaded with ``weights_only=True``);
- ``<id>.json``: the model card, a flat JSON object written by :mod:`linksim.training`
  (system, config, CBR, SNR range, channel, data, steps, crop, batch, wall time,
  device, versions, validation PSNR per SNR, ...).

Search path, first match wins: every folder in ``$LINKSIM_ZOO`` (``os.pathsep``
separated), the repository's ``zoo/`` (next to the ``linksim`` package), then
``~/.cache/linksim/zoo``.

A learned system built with ``checkpoint=<id>`` takes its configuration from the
card; :func:`load_into` refuses a system whose name, any axis value it was built at (the
task's ``build_kwargs``, e.g. an image model's CBR) or any configuration key differs from
the card, naming the key and both values. A card is located and read once per process
(again only when its file changes).
"""
from __future__ import annotations

import functools
import hashlib
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from linksim.base.paths import zoo_dirs
from linksim.errors import LinksimError

if TYPE_CHECKING:  # torch is imported where weights are read or written, so that listing
    import torch   # cards (``linksim list``) stays fast

CARD_SUFFIX = ".json"
WEIGHTS_SUFFIX = ".pt"
#: tolerance of axis values (floats) between a card and a system
AXIS_TOL = 1e-9


def search_path() -> list[Path]:
    """Folders searched for checkpoints, in order (existing or not)."""
    return zoo_dirs()


def weights_path(out: str | Path) -> Path:
    """``<out>.pt`` (``out`` is a path without suffix, its name is the checkpoint id)."""
    return Path(f"{out}{WEIGHTS_SUFFIX}")


def card_path(out: str | Path) -> Path:
    """``<out>.json``."""
    return Path(f"{out}{CARD_SUFFIX}")


def _ids_in(folder: Path) -> list[str]:
    if not folder.is_dir():
        return []
    return sorted(p.name[: -len(CARD_SUFFIX)] for p in folder.glob(f"*{CARD_SUFFIX}")
                  if weights_path(p.with_name(p.name[: -len(CARD_SUFFIX)])).is_file())


def locate(checkpoint_id: str) -> Path:
    """Path ``<folder>/<id>`` (no suffix) of the first folder holding both files."""
    found = _locate(checkpoint_id, tuple(search_path()))
    if not (card_path(found).is_file() and weights_path(found).is_file()):  # removed since
        _locate.cache_clear()
        found = _locate(checkpoint_id, tuple(search_path()))
    return found


@functools.lru_cache(maxsize=None)
def _locate(checkpoint_id: str, path: tuple[Path, ...]) -> Path:
    for folder in path:
        if checkpoint_id in _ids_in(folder):
            return folder / checkpoint_id
    known = sorted({c["id"] for c in list_checkpoints()})
    raise LinksimError(f"checkpoint {checkpoint_id!r}: not found in "
                       f"{', '.join(str(p) for p in search_path())}; known ids: "
                       f"{', '.join(known) or 'none'} (train one with 'linksim train' "
                       "or set $LINKSIM_ZOO)")


def read_card(checkpoint_id: str) -> dict[str, Any]:
    """The model card of ``checkpoint_id`` with ``id`` and ``path`` (weights file) added."""
    base = locate(checkpoint_id)
    try:
        card = _read_json(card_path(base), card_path(base).stat().st_mtime_ns)
    except (OSError, json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise LinksimError(f"{card_path(base)}: unreadable model card ({exc}); "
                           "re-save the checkpoint") from None
    return {**json.loads(card), "id": checkpoint_id, "path": str(weights_path(base))}


@functools.lru_cache(maxsize=None)
def _read_json(path: Path, mtime_ns: int) -> str:
    """The card's JSON text, checked (cached by file and modification time)."""
    text = path.read_text(encoding="utf-8")
    json.loads(text)
    return text


def content_hash(checkpoint_id: str) -> str:
    """First 16 hex digits of the SHA-256 of the checkpoint's weights file: a retrained
    checkpoint under the same id gets a new hash (and its grid points are recomputed)."""
    path = Path(read_card(checkpoint_id)["path"])
    stat = path.stat()
    return _file_hash(str(path), stat.st_size, stat.st_mtime_ns)


@functools.lru_cache(maxsize=None)
def _file_hash(path: str, size: int, mtime_ns: int) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()[:16]


def list_checkpoints() -> list[dict[str, Any]]:
    """Every checkpoint on the search path as its card dict (first id wins), sorted by id."""
    seen: dict[str, dict[str, Any]] = {}
    for folder in search_path():
        for cid in _ids_in(folder):
            if cid not in seen:
                try:
                    card = json.loads(card_path(folder / cid).read_text())
                except (OSError, json.JSONDecodeError):
                    card = {"system": "?", "error": "unreadable card"}
                seen[cid] = {**card, "id": cid, "path": str(weights_path(folder / cid))}
    return [seen[k] for k in sorted(seen)]


def save(out: str | Path, state_dict: dict[str, torch.Tensor], card: dict[str, Any]) -> Path:
    """Write ``<out>.pt`` and ``<out>.json`` (id ``Path(out).name``); returns the card path."""
    import torch

    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    torch.save({k: v.detach().cpu().clone() for k, v in state_dict.items()}, weights_path(out))
    card = {"id": out.name, **{k: v for k, v in card.items() if k not in ("id", "path")}}
    card_path(out).write_text(json.dumps(card, indent=2, sort_keys=False) + "\n")
    return card_path(out)


def registered_name(system_cls: type) -> str:
    """Name under which ``system_cls`` is registered in ``SYSTEMS``."""
    from linksim.base.registry import SYSTEMS

    for name, cls in SYSTEMS.items():
        if cls is system_cls:
            return name
    raise LinksimError(f"{system_cls.__name__}: not registered in SYSTEMS; "
                       "decorate it with @SYSTEMS.register(name)")


def canonical(value: Any) -> Any:
    """The value as the JSON card stores it (tuples become lists)."""
    return json.loads(json.dumps(value))


def check_card(card: dict[str, Any], system_name: str, axes: dict[str, float],
               config: dict[str, Any]) -> None:
    """Raise :class:`LinksimError` naming the first key where the card and the system differ.

    :param axes: the axis values the system was built at (its task's ``build_kwargs``),
        each compared with the card's value under the same key.
    """
    cid = card.get("id", "?")
    if card.get("system") != system_name:
        raise LinksimError(f"checkpoint {cid!r}: key 'system' expected {system_name!r}, found "
                           f"{card.get('system')!r}; pick a {system_name} checkpoint "
                           "('linksim list')")
    for key, value in axes.items():
        found = card.get(key)
        if not isinstance(found, (int, float)) or abs(float(found) - value) > AXIS_TOL:
            label = card.get(f"{key}_label")
            raise LinksimError(f"checkpoint {cid!r}: key {key!r} expected {value:g} (the "
                               f"scenario's), found {found!r}"
                               + (f" ({label})" if label else "")
                               + f"; run it at the checkpoint's {key} or pick another "
                               "checkpoint")
    have, want = canonical(config), card.get("config", {})
    for key in sorted(set(have) | set(want)):
        if have.get(key, "<missing>") != want.get(key, "<missing>"):
            raise LinksimError(f"checkpoint {cid!r}: config key {key!r} expected "
                               f"{want.get(key, '<missing>')!r} (the checkpoint's), found "
                               f"{have.get(key, '<missing>')!r} in the system; drop that "
                               "override or pick a matching checkpoint")


def read_weights(path: str | Path, what: str) -> dict[str, Any]:
    """``torch.load`` of a weights or resume file (tensors only); a truncated, empty or
    foreign file is a one-line error naming ``what`` and the file."""
    import torch

    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except OSError as exc:
        raise LinksimError(f"{path}: {what}: cannot read ({exc.strerror})") from None
    except Exception as exc:  # noqa: BLE001 - torch raises several types for a bad file
        first = (str(exc).splitlines() or [""])[0][:120]
        raise LinksimError(f"{path}: {what}: not a readable torch.save file (truncated, empty "
                           f"or another format: {type(exc).__name__}: {first}); restore the "
                           "file or train it again") from None
    if not isinstance(state, dict):
        raise LinksimError(f"{path}: {what}: holds a {type(state).__name__}, not a state "
                           "dict; restore the file or train it again")
    return state


def load_into(system: Any, checkpoint_id: str, axes: dict[str, float] | None = None) -> None:
    """Check ``system`` against the card of ``checkpoint_id`` and load its weights in place.

    :param system: a learned system (``config``, ``load_state_dict``).
    :param axes: the axis values ``system`` was built at (checked against the card).
    :raises LinksimError: unknown id, or a mismatching system name, axis value, config key
        or tensor.
    """
    card = read_card(checkpoint_id)
    check_card(card, registered_name(type(system)), axes or {}, system.config)
    state = read_weights(card["path"], f"checkpoint {checkpoint_id!r}")
    own = system.state_dict()
    for key in sorted(set(own) | set(state)):
        if key not in state or key not in own or own[key].shape != state[key].shape:
            found = tuple(state[key].shape) if key in state else "<missing>"
            expected = tuple(own[key].shape) if key in own else "<missing>"
            raise LinksimError(f"checkpoint {checkpoint_id!r}: tensor {key!r} expected shape "
                               f"{expected}, found {found}; the code changed since training: "
                               "retrain the checkpoint")
    system.load_state_dict(state)
