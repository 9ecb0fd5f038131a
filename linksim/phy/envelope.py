"""The MCS envelope of a separated chain: one variant per MCS of the table, reported by
the best mean metric at every point (``mcs = "best"``, the default).

Any task's separated chain takes it as a mixin before its system base::

    class SeparatedText(McsEnvelope, TextSystem): ...
"""
from __future__ import annotations

from typing import Any, ClassVar

from linksim.errors import LinksimError
from linksim.phy.mcs import MCS, MCS_TABLE, get_mcs


class McsEnvelope:
    """``param_grid`` expands ``mcs = "best"`` (or no ``mcs``) into every MCS index of
    :data:`~linksim.phy.mcs.MCS_TABLE`; the runner reduces over ``envelope = "mcs"``."""

    envelope: ClassVar[str | None] = "mcs"

    @classmethod
    def param_grid(cls, params: dict[str, Any]) -> list[dict[str, Any]]:
        """``mcs="best"`` (or absent) -> one params dict per MCS of the table."""
        if params.get("mcs", "best") != "best":
            return [params]
        return [{**params, "mcs": entry.index} for entry in MCS_TABLE]

    @staticmethod
    def one_mcs(mcs: int | str) -> MCS:
        """The table entry of a built system (``"best"`` is the runner's to expand)."""
        if mcs == "best":
            raise LinksimError("mcs=\"best\" is expanded by the runner (param_grid); build the "
                               "system with one MCS index or name")
        return get_mcs(mcs)
