"""The beamforming task: items are user drops, a system returns a :class:`Downlink`.

Axes (every one is given to the system's constructor): ``num_users`` K, ``p_max_dbm``
(dBm), ``num_antennas`` M, ``r_min`` (per-user minimum rate, bit/s/Hz; 0: none; the
reference solves the constrained problem, :mod:`.qos`) and ``csi_error`` (error variance
of the LMMSE channel estimate every system designs on, :mod:`linksim.channels.estimation`;
0: perfect CSI; systems are scored on the true channel). None is a bandwidth axis, so the fading of drop i is drawn
from the same seed at every K, M and :math:`P_{\\max}` (nested: the first K users' fades
do not depend on K). The scenario's channel must be ``rayleigh`` with ``fading = "fast"``
(i.i.d. CN(0, 1) gains per user and antenna).
"""
from __future__ import annotations

from typing import Any, Sequence

from linksim.base.registry import TASKS
from linksim.core.task import Axis, Item, Task, parse_counts, parse_range
from linksim.errors import keyed
from linksim.tasks.beamforming.cell import Cell
from linksim.tasks.beamforming.drops import Drops
from linksim.tasks.beamforming.system import P_MAX_RANGE_DBM


def parse_r_min(value: Any) -> list[float]:
    """Per-user minimum rates in bit/s/Hz, >= 0 (0: no QoS constraint)."""
    values = parse_range(value)
    if not all(0.0 <= v <= 20.0 for v in values):
        raise ValueError("r_min is a per-user minimum rate in bit/s/Hz in [0, 20] (0: none)")
    return values


def parse_csi_error(value: Any) -> list[float]:
    """CSI error variances (NMSE of the LMMSE estimate) in [0, 1) (0: perfect CSI)."""
    values = parse_range(value)
    if not all(0.0 <= v < 1.0 for v in values):
        raise ValueError("csi_error is the normalized error variance of the LMMSE channel "
                         "estimate, in [0, 1) (0: perfect CSI; 0.1 is a 9.5 dB pilot SNR)")
    return values


def parse_p_max(value: Any) -> list[float]:
    """Power budgets in dBm inside :data:`P_MAX_RANGE_DBM`."""
    values = parse_range(value)
    lo, hi = P_MAX_RANGE_DBM
    if not all(lo <= v <= hi for v in values):
        raise ValueError(f"P_max is in dBm and must be in [{lo:g}, {hi:g}] (30 dBm = 1 W)")
    return values


@TASKS.register("beamforming")
class BeamformingTask(Task):
    """Energy-efficient multi-user MISO downlink beamforming."""

    name = "beamforming"
    axes = (Axis("num_users", "", "users K", parse_counts, (30.0,)),
            Axis("p_max_dbm", "dBm", "P_max (dBm)", parse_p_max, (30.0,)),
            Axis("num_antennas", "", "BS antennas M", parse_counts, (64.0,)),
            Axis("r_min", "bit/s/Hz", "per-user minimum rate (bit/s/Hz)", parse_r_min, (0.0,)),
            Axis("csi_error", "", "CSI error variance (LMMSE NMSE)", parse_csi_error, (0.0,)))
    bench_channel = "awgn"
    default_dataset = "drops"
    default_metrics = ("ee", "ee_ratio", "sum_rate", "tx_power", "violation", "time_ms")
    val_metric = "ee"

    def collate(self, items: Sequence[Item]) -> Drops:
        return Drops.stack([it.data for it in items])

    def channel_shape(self, batch: Drops, axes: dict[str, float]) -> tuple[int, ...]:
        """(K_max, M): one i.i.d. fade per antenna for every user the drops hold (their
        ``max_users``), of which a point at K uses the first K rows, so the fades are nested
        in K (drawing (K, M) would not be: the imaginary parts follow all real parts)."""
        k = int(axes["num_users"])
        if k > batch.num_users:
            raise keyed("num_users", f"num_users = {k}: the drops hold {batch.num_users} "
                                     "users; raise [source] max_users")
        return (batch.num_users, int(axes["num_antennas"]))

    def example_batch(self, size: int, batch: int = 1) -> Drops:
        """``batch`` drops of ``size`` users in the default cell (for ``linksim bench``)."""
        distance, gain = Cell().drop(batch, size)
        return Drops(distance, gain, Cell())

    # --- training hooks ------------------------------------------------------------------
    def train_sampler(self, cfg: Any) -> Any:
        from linksim.tasks.beamforming.training_data import DropSampler

        return DropSampler.from_spec(cfg.data)

    def train_build_kwargs(self, cfg: Any) -> dict[str, Any]:
        """Learned beamformers train on the drops' K and P_max (no scenario axes)."""
        return {}

    def train_link_shape(self, batch: Drops, system: Any) -> tuple[int, ...]:
        return (batch.num_users, system.num_antennas)
