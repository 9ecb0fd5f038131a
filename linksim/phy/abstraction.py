r"""Physical-layer abstraction: BLER tables and effective-SNR mapping.

A :class:`BlerTable` holds the block error rate of one (MCS, k, n) code block
versus :math:`E_s/N_0` on AWGN, measured once with the bit-true chain
(:func:`simulate_table`) and cached as JSON: first the tables shipped in
``linksim/phy/data/bler_tables.json``, then
``$LINKSIM_CACHE/bler`` (default ``~/.cache/linksim/bler``), else simulated and added to
that cache under a file lock (several workers of a parallel run may add tables at once).

For a code block whose symbols see different SINRs :math:`\gamma_i` (fast
fading), the effective SNR is the mutual-information mapping (MIESM)

.. math:: \gamma_{\mathrm{eff}} = I_m^{-1}\Big(\frac{1}{N}\sum_i I_m(\gamma_i)\Big)

with :math:`I_m(\gamma)` the BICM mutual information of Gray-labelled
:math:`2^m`-QAM (bits per symbol), computed once by Monte Carlo with Sionna's
demapper. On AWGN and block fading all :math:`\gamma_i` are equal and
:math:`\gamma_{\mathrm{eff}} = \gamma`.
"""
from __future__ import annotations

import contextlib
import functools
import json
import math
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import torch

from linksim.base.files import atomic_write, file_lock
from linksim.base.paths import cache_dir
from linksim.phy.mcs import MCS_TABLE
from linksim.phy.bicm import BitTrueLink, CodeBlocks

PACKAGED = Path(__file__).with_name("data") / "bler_tables.json"
MI_SNR_DB = np.arange(-20.0, 40.01, 0.5)


@dataclass
class BlerTable:
    """BLER of one code block vs. SNR, with the raw counts.

    :ivar mcs: MCS index. :ivar k: information bits incl. CRC. :ivar n: coded bits.
    :ivar snr_db: SNR points (increasing). :ivar errors: block errors per point.
    :ivar blocks: blocks simulated per point.
    """

    mcs: int
    k: int
    n: int
    snr_db: list[float]
    errors: list[int]
    blocks: list[int]

    @property
    def key(self) -> str:
        return table_key(self.mcs, self.k, self.n)

    @property
    def bler(self) -> np.ndarray:
        return np.asarray(self.errors, float) / np.maximum(np.asarray(self.blocks, float), 1)

    def __call__(self, snr_db: np.ndarray) -> np.ndarray:
        """BLER at ``snr_db`` (any shape): log-linear interpolation; 1 below the
        first point's BLER region, 0 above the last point (which has no errors)."""
        snr = np.asarray(snr_db, float)
        floor = 0.5 / max(self.blocks)
        logb = np.log10(np.maximum(self.bler, floor))
        out = 10.0 ** np.interp(snr, self.snr_db, logb, left=logb[0], right=logb[-1])
        out[out <= floor * 1.0001] = 0.0
        return np.where(snr < self.snr_db[0], 1.0, out)


def table_key(mcs: int, k: int, n: int) -> str:
    return f"mcs{mcs}-k{k}-n{n}"


def cache_file() -> Path:
    return cache_dir("bler") / "bler_tables.json"


def _read(path: Path) -> dict[str, BlerTable]:
    if not path.is_file():
        return {}
    return {k: BlerTable(**v) for k, v in json.loads(path.read_text()).items()}


def write_tables(path: Path, tables: dict[str, BlerTable]) -> None:
    """Replace ``path`` by ``tables`` atomically (readers never see a partial file)."""
    atomic_write(path, json.dumps({k: asdict(t) for k, t in sorted(tables.items())}, indent=0))


def add_table(path: Path, table: BlerTable) -> None:
    """Add ``table`` to the cache file ``path``, keeping what other processes (workers of a
    parallel run, on this host or another host of a shared file system) added meanwhile:
    the read-merge-write holds ``path``'s file lock."""
    with file_lock(path):
        tables = _read(path)
        tables[table.key] = table
        write_tables(path, tables)


@contextlib.contextmanager
def isolated_rng(seed: int):
    """Seed torch's and Sionna's generators for a side computation, then restore them,
    so that a table computed on the fly does not change a grid point's random stream."""
    from sionna.phy.config import config as sionna_config

    gen = sionna_config.torch_rng("cpu")
    saved = torch.get_rng_state(), gen.get_state()
    torch.manual_seed(seed)
    gen.manual_seed(seed)
    try:
        yield
    finally:
        torch.set_rng_state(saved[0])
        gen.set_state(saved[1])


def shannon_snr_db(efficiency: float) -> float:
    r"""AWGN Shannon limit :math:`10\log_{10}(2^\eta - 1)` for :math:`\eta` bit/channel use."""
    return 10.0 * math.log10(2.0 ** efficiency - 1.0)


def simulate_table(mcs: int, k: int, n: int, step_db: float = 0.25, target_errors: int = 10,
                   max_blocks: int = 100, batch: int = 10, seed: int = 0) -> BlerTable:
    """Bit-true BLER of one (MCS, k, n) code block over AWGN (CRC-24A, 20 BP iterations).

    A coarse scan in 0.5 dB steps from the Shannon limit of the code's rate
    :math:`m k / n` (10 blocks a point) finds the first SNR where not every block
    fails; from 0.5 dB below it a fine scan in ``step_db`` steps runs each point
    until ``target_errors`` block errors or ``max_blocks`` blocks, and stops at
    the first point without errors (BLER resolution ``1/max_blocks``).
    """
    from linksim.channels.awgn import AWGN

    entry = MCS_TABLE[mcs]
    m = entry.num_bits_per_symbol
    link = BitTrueLink(CodeBlocks(entry, n // m, 1, k, n))
    channel = AWGN()
    points: dict[float, tuple[int, int]] = {}

    def run(snr: float, errors_goal: int, blocks_cap: int, size: int) -> tuple[int, int]:
        e = c = 0
        while e < errors_goal and c < blocks_cap:
            bits = torch.randint(0, 2, (size, 1, k - 24)).float()
            y, csi = channel(link.modulate(bits), snr)
            e += int((~link.receive(y, csi)[1]).sum())
            c += size
        points[round(snr, 4)] = (e, c)
        return e, c

    with isolated_rng(seed), torch.no_grad():
        snr = math.floor(shannon_snr_db(m * k / n) / 0.5) * 0.5
        while run(snr, 10, 10, 10)[0] == 10:
            snr += 0.5
        snr -= 0.5
        while run(snr, target_errors, max_blocks, batch)[0] > 0:
            snr += step_db
    snrs = sorted(points)
    return BlerTable(mcs, k, n, snrs, [points[s][0] for s in snrs], [points[s][1] for s in snrs])


class TableStore:
    """BLER tables by (MCS, k, n): shipped, else cached, else simulated and cached."""

    def __init__(self) -> None:
        self._tables: dict[str, BlerTable] = {**_read(cache_file()), **_read(PACKAGED)}

    def get(self, mcs: int, k: int, n: int) -> BlerTable:
        key = table_key(mcs, k, n)
        if key not in self._tables:
            table = simulate_table(mcs, k, n)
            add_table(cache_file(), table)
            self._tables[key] = table
        return self._tables[key]


@functools.lru_cache(maxsize=None)
def table_store() -> TableStore:
    return TableStore()


@functools.lru_cache(maxsize=None)
def bicm_mi(num_bits_per_symbol: int, samples: int = 4000) -> np.ndarray:
    r""":math:`I_m(\gamma)` in bit per symbol on :data:`MI_SNR_DB` (Monte Carlo, fixed seed)."""
    from sionna.phy.mapping import Demapper, Mapper

    m = num_bits_per_symbol
    g = torch.Generator().manual_seed(7)
    bits = torch.randint(0, 2, (samples * m,), generator=g).float()
    x = Mapper("qam", m)(bits)
    noise = torch.complex(torch.randn(x.shape, generator=g), torch.randn(x.shape, generator=g))
    sign = 2.0 * bits - 1.0
    no = torch.from_numpy(10.0 ** (-MI_SNR_DB / 10.0)).float()[:, None]       # [S, 1]
    llr = Demapper("app", "qam", m)(x + noise * torch.sqrt(no / 2), no)        # [S, samples*m]
    mi = m * (1.0 - torch.nn.functional.softplus(-sign * llr).mean(dim=1) / math.log(2))
    return np.maximum.accumulate(np.clip(mi.double().numpy(), 0.0, m))


def effective_snr_db(sinr: np.ndarray, num_bits_per_symbol: int) -> np.ndarray:
    """MIESM: [..., N] linear SINRs of one block's symbols -> [...] effective SNR in dB.

    Blocks whose SINRs are all equal (AWGN, block fading) map to that SINR exactly.
    """
    snr_db = 10.0 * np.log10(np.maximum(sinr, 1e-30))
    out = snr_db[..., 0].copy()
    varying = np.ptp(snr_db, axis=-1) > 1e-6
    if varying.any():
        mi_curve = bicm_mi(num_bits_per_symbol)
        mean_mi = np.interp(snr_db[varying], MI_SNR_DB, mi_curve).mean(axis=-1)
        # invert on the strictly increasing part of the curve
        idx = np.concatenate([[0], np.nonzero(np.diff(mi_curve) > 1e-9)[0] + 1])
        out[varying] = np.interp(mean_mi, mi_curve[idx], MI_SNR_DB[idx])
    return out
