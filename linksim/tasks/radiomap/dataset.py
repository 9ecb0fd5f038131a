"""The ``radiomap`` data set: (building map, transmitter map) -> path-gain map, from disk.

Items are :class:`RadioItem` (uint8, compact); :func:`collate` stacks them into a
:class:`RadioBatch` of float tensors, the batch every radio-map system, metric and loss
takes. The default data set is the committed CPU reference,
``results/radiomap/data/procedural-128`` (128 x 128 cells of 2 m; see its ``card.json``).
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, ClassVar, Sequence

import numpy as np
import torch

from linksim.base.paths import REPO
from linksim.base.registry import DATASETS
from linksim.core.source import first
from linksim.errors import LinksimError
from linksim.tasks.radiomap import storage

DEFAULT_ROOT = REPO / "results" / "radiomap" / "data" / "procedural-128"
#: train, val, test (procedural layouts) and test_city (every tile of a held-out real city)
SPLITS = ("train", "val", "test", "test_city")


@dataclass
class RadioItem:
    """One map: ``heights`` [H, W] uint8 building height in m (0: open), ``gain`` [H, W]
    uint8 normalized path gain, ``tx`` (column, row) of the transmitter cell, the cell side
    in m and the carrier in Hz."""

    heights: np.ndarray
    gain: np.ndarray
    tx: tuple[int, int]
    cell_m: float
    frequency_hz: float


@dataclass
class RadioBatch:
    """A batch of maps (row = y index from the south, column = x index from the west).

    :ivar inputs: [B, 2, H, W] float32: building map (1 inside a building) and transmitter
        map (1 at the transmitter's cell), the inputs of RadioUNet and RadioMamba.
    :ivar target: [B, 1, H, W] float32 normalized path gain :math:`P` in [0, 1] (:mod:`.units`).
    :ivar tx: [B, 2] int64 (column, row) of the transmitter.
    :ivar cell_m: cell side in m; :ivar frequency_hz: carrier (the physics baselines).
    """

    inputs: torch.Tensor
    target: torch.Tensor
    tx: torch.Tensor
    cell_m: float
    frequency_hz: float

    @property
    def buildings(self) -> torch.Tensor:
        """[B, H, W] bool, inside a building."""
        return self.inputs[:, 0] > 0.5

    @property
    def device(self) -> torch.device:
        return self.inputs.device

    @property
    def shape(self) -> torch.Size:
        """The shape of ``inputs`` (what ``linksim bench`` reads of an example batch)."""
        return self.inputs.shape

    def to(self, device: torch.device | str) -> "RadioBatch":
        return replace(self, inputs=self.inputs.to(device), target=self.target.to(device),
                       tx=self.tx.to(device))

    def __len__(self) -> int:
        return len(self.inputs)

    def __getitem__(self, index: slice) -> "RadioBatch":
        return replace(self, inputs=self.inputs[index], target=self.target[index],
                       tx=self.tx[index])


def check_transmitter(heights: np.ndarray, tx: tuple[int, int], where: str) -> None:
    """Refuse a transmitter (column, row) outside the map or inside a building: the
    generator places every transmitter on an open street cell, and the models and
    baselines assume it is outdoors."""
    h, w = heights.shape
    col, row = tx
    if not (0 <= col < w and 0 <= row < h):
        raise LinksimError(f"{where}: transmitter at cell (column {col}, row {row}) is outside "
                           f"the {h}x{w} map")
    if heights[row, col] > 0:
        raise LinksimError(f"{where}: transmitter at cell (column {col}, row {row}) is inside "
                           f"a building ({int(heights[row, col])} m high); place it on an "
                           "open cell (linksim radiomap generate does)")


def collate(items: Sequence[RadioItem]) -> RadioBatch:
    """Stack items into a :class:`RadioBatch` (all of one map size, cell and carrier)."""
    heights = torch.from_numpy(np.stack([it.heights for it in items]))
    b, h, w = heights.shape
    txmap = torch.zeros(b, h, w)
    tx = torch.tensor([it.tx for it in items], dtype=torch.int64).reshape(b, 2)
    txmap[torch.arange(b), tx[:, 1], tx[:, 0]] = 1.0
    inputs = torch.stack([(heights > 0).float(), txmap], dim=1)
    target = torch.from_numpy(np.stack([it.gain for it in items])).float().div_(255.0)
    return RadioBatch(inputs, target[:, None], tx, items[0].cell_m, items[0].frequency_hz)


@DATASETS.register("radiomap")
class RadioMapSet:
    """The maps of one split of a data set written by ``linksim radiomap generate``.

    :param root: the data-set folder (``~`` expands to the home folder; default: the committed
        CPU reference).
    :param split: ``"train"``, ``"val"``, ``"test"`` or ``"test_city"`` (disjoint layouts;
        ``test_city``: the tiles of a real city held out whole).
    :param count: the first ``count`` maps (sorted by id) or all.
    """

    task: ClassVar[str] = "radiomap"

    def __init__(self, root: str | None = None, split: str = "test", count: int | None = None
                 ) -> None:
        self.check_params({"split": split, "count": count})
        self.root = Path(root).expanduser() if root else DEFAULT_ROOT
        if not (self.root / storage.CARD).is_file():
            raise LinksimError(f"root={str(self.root)!r}: no radio-map data set there; generate "
                               f"it with linksim radiomap generate --out {self.root}")
        self.card = storage.read_card(self.root)
        self.entries = first(storage.entries(self.root, split), count, f"maps in split {split!r}")
        if not self.entries:
            raise LinksimError(f"root={str(self.root)!r}: split {split!r} has no maps yet; "
                               "finish the generation (run the same generate command again)")
        self.cell_m = float(self.card["config"]["cell_m"])
        self.frequency_hz = float(self.card["config"]["frequency_hz"])
        self._heights: dict[str, np.ndarray] = {}

    @staticmethod
    def check_params(params: dict[str, Any]) -> None:
        split = params.get("split", "test")
        if split not in SPLITS:
            err = LinksimError(f"split={split!r}: choose one of {', '.join(SPLITS)}")
            err.key = "split"
            raise err
        count = params.get("count")
        if count is not None and (isinstance(count, bool) or not isinstance(count, int)
                                  or count < 1):
            err = LinksimError(f"count={count!r}: expected a whole number >= 1")
            err.key = "count"
            raise err
        root = params.get("root")
        if root is not None and not isinstance(root, str):
            err = LinksimError(f"root={root!r}: expected a folder path (text)")
            err.key = "root"
            raise err

    @property
    def names(self) -> list[str]:
        return [e["id"] for e in self.entries]

    def __len__(self) -> int:
        return len(self.entries)

    def heights(self, city: str) -> np.ndarray:
        if city not in self._heights:
            self._heights[city] = storage.read_png(self.root / "cities" / city / "buildings.png")
        return self._heights[city]

    def __getitem__(self, i: int) -> RadioItem:
        e = self.entries[i]
        heights = self.heights(e["city"])
        tx = (int(e["tx"][0]), int(e["tx"][1]))
        check_transmitter(heights, tx, f"{self.root}: map {e['id']!r}")
        gain = storage.read_png(self.root / e["file"])
        if gain.shape != heights.shape:
            raise LinksimError(f"{self.root}: map {e['id']!r} has {gain.shape[0]}x"
                               f"{gain.shape[1]} cells but its city {heights.shape[0]}x"
                               f"{heights.shape[1]}; regenerate the data set")
        return RadioItem(heights, gain, tx, self.cell_m, self.frequency_hz)

    def batch(self) -> RadioBatch:
        """Every map of the split as one batch."""
        return collate([self[i] for i in range(len(self))])
