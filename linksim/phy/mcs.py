r"""Modulation and coding schemes (MCS) of the separated chain.

A small table in the spirit of 3GPP TS 38.214 table 5.1.3.1-1 ("MCS table 1"):
QPSK, 16-QAM and 64-QAM with 5G NR LDPC code rates :math:`R` from 1/3 to 5/6.
The spectral efficiency of an entry is :math:`\eta = m R` information bits per
complex channel use, with :math:`m` = ``num_bits_per_symbol``.

A scenario selects an entry by index (``mcs = 3``), by name (``mcs = "16qam-1/2"``)
or asks for the envelope over all of them (``mcs = "best"``).
"""
from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

from linksim.errors import LinksimError

MODULATION = {2: "qpsk", 4: "16qam", 6: "64qam"}


@dataclass(frozen=True)
class MCS:
    """One table entry.

    :ivar index: position in :data:`MCS_TABLE`.
    :ivar num_bits_per_symbol: :math:`m`, bits per QAM symbol (2, 4 or 6).
    :ivar rate: :math:`R`, LDPC code rate (information bits / coded bits).
    """

    index: int
    num_bits_per_symbol: int
    rate: Fraction

    @property
    def name(self) -> str:
        """E.g. ``"16qam-1/2"``."""
        return f"{MODULATION[self.num_bits_per_symbol]}-{self.rate}"

    @property
    def efficiency(self) -> float:
        r""":math:`\eta = m R` in bit per complex channel use."""
        return self.num_bits_per_symbol * float(self.rate)


MCS_TABLE: tuple[MCS, ...] = tuple(
    MCS(i, m, Fraction(r)) for i, (m, r) in enumerate([
        (2, "1/3"), (2, "1/2"), (2, "3/4"),
        (4, "1/2"), (4, "2/3"), (4, "3/4"),
        (6, "2/3"), (6, "3/4"), (6, "5/6"),
    ]))


def get_mcs(key: int | str) -> MCS:
    """Look up an entry by index or name; :class:`LinksimError` names the choices."""
    if isinstance(key, bool):
        key = str(key)
    if isinstance(key, int) and 0 <= key < len(MCS_TABLE):
        return MCS_TABLE[key]
    for entry in MCS_TABLE:
        if str(key).lower() == entry.name:
            return entry
    raise LinksimError(f"mcs={key!r}: choose an index 0-{len(MCS_TABLE) - 1}, \"best\" or one of "
                       f"{', '.join(e.name for e in MCS_TABLE)}")
