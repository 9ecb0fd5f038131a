"""Base class of systems with trained weights (MambaJSCC, DeepJSCC, ...).

A learned system is built as :class:`~linksim.zoo.learned.LearnedWeights` describes
(the CBR of a checkpoint's model card must agree with the scenario).

A scenario may also give a *list* of checkpoint ids: every (SNR, CBR) point then
uses the checkpoints trained at its CBR; if several are, they must each be trained
at one SNR (systems without channel adaptation, trained per SNR as in DeepJSCC)
and the one trained nearest to the point's SNR is used (ties go to the lower
training SNR, the more robust model). Records name the checkpoint used.
"""
from __future__ import annotations

from typing import Any

from linksim.zoo.learned import LearnedWeights
from linksim.errors import LinksimError
from linksim.tasks.image.system import ImageSystem


def trained_snr_db(card: dict[str, Any]) -> float:
    """The single training SNR (dB) of a model card; error if it was trained over a range."""
    text = str(card.get("snr_db", ""))
    try:
        return float(text)
    except ValueError:
        raise LinksimError(f"checkpoint {card.get('id')!r}: trained at snr_db={text!r}, not one "
                           "SNR; several checkpoints of a list at one CBR must each be trained at one "
                           "SNR (linksim train --snr 10)") from None


class LearnedSystem(LearnedWeights, ImageSystem):
    """Subclasses set ``configs`` and implement :meth:`build`, :meth:`encode`, :meth:`decode`."""

    def __init__(self, cbr: float, config: str | dict[str, Any] | None = None,
                 checkpoint: str | None = None, random_weights: bool = False,
                 **overrides: Any) -> None:
        super().__init__(cbr)
        if isinstance(checkpoint, list):
            raise LinksimError(f"checkpoint={checkpoint!r}: a list is resolved per grid point "
                               f"(use {type(self).__name__}.at_point); build with one id")
        self.config: dict[str, Any] = self.named_config(config, overrides, checkpoint)
        self.build(**self.config)
        if checkpoint is not None:
            self.load_checkpoint(checkpoint, cbr=cbr)

    @classmethod
    def at_point(cls, params: dict[str, Any], axes: dict[str, float]) -> dict[str, Any]:
        """Resolve ``checkpoint = [id, ...]`` to the id for this CBR and SNR (module doc)."""
        snr_db, cbr = axes["snr_db"], axes["cbr"]
        ids = params.get("checkpoint")
        if not isinstance(ids, list):
            return params
        if not ids or not all(isinstance(i, str) for i in ids):
            raise LinksimError(f"checkpoint={ids!r}: expected an id or a non-empty list of ids")
        from linksim import zoo
        from linksim.core.task import ratio_label as cbr_label

        cards = [zoo.read_card(i) for i in ids]
        at_cbr = [c for c in cards if abs(float(c.get("cbr", -1.0)) - cbr) <= zoo.AXIS_TOL]
        if not at_cbr:
            raise LinksimError(f"checkpoint={ids!r}: none is trained at CBR {cbr_label(cbr)}; "
                               "add one, or restrict the system with only = {cbr = [...]}")
        if len(at_cbr) == 1:
            return {**params, "checkpoint": at_cbr[0]["id"]}
        trained = sorted((trained_snr_db(c), c["id"]) for c in at_cbr)
        best = min(trained, key=lambda t: abs(t[0] - snr_db))  # first minimum: lower SNR
        return {**params, "checkpoint": best[1]}

    def build(self, **config: Any) -> None:
        """Create the layers for ``config`` at ``self.cbr``."""
        raise NotImplementedError

