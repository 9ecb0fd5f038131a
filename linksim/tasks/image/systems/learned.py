"""Base class of systems with trained weights (MambaJSCC, DeepJSCC, ...).

A learned system is built from a named configuration (``configs``) plus
overrides, or from a checkpoint id in the zoo (then the configuration and CBR
come from the checkpoint's model card and must agree with the scenario).

A scenario may also give a *list* of checkpoint ids: every (SNR, CBR) point then
uses the checkpoints trained at its CBR; if several are, they must each be trained
at one SNR (systems without channel adaptation, trained per SNR as in DeepJSCC)
and the one trained nearest to the point's SNR is used (ties go to the lower
training SNR, the more robust model). Records name the checkpoint used.
"""
from __future__ import annotations

from typing import Any, ClassVar

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


class LearnedSystem(ImageSystem):
    """Subclasses set ``configs`` and implement :meth:`build`, :meth:`encode`, :meth:`decode`."""

    learned: ClassVar[bool] = True
    configs: ClassVar[dict[str, dict[str, Any]]] = {}

    def __init__(self, cbr: float, config: str | dict[str, Any] | None = None,
                 checkpoint: str | None = None, random_weights: bool = False,
                 **overrides: Any) -> None:
        super().__init__(cbr)
        if isinstance(checkpoint, list):
            raise LinksimError(f"checkpoint={checkpoint!r}: a list is resolved per grid point "
                               f"(use {type(self).__name__}.at_point); build with one id")
        if config is None:  # "small", or the configuration the checkpoint was trained with
            from linksim import zoo  # the zoo imports systems; keep the import local
            config = "small" if checkpoint is None else zoo.read_card(checkpoint)["config"]
        if isinstance(config, str):
            if config not in self.configs:
                raise LinksimError(f"config={config!r}: unknown; choose one of "
                                   f"{', '.join(sorted(self.configs))}")
            config = self.configs[config]
        self.config: dict[str, Any] = {**config, **overrides}
        self.build(**self.config)
        self._checkpoint_id: str | None = None
        if checkpoint is not None:
            from linksim import zoo
            zoo.load_into(self, checkpoint)
            self._checkpoint_id = checkpoint

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
        at_cbr = [c for c in cards if abs(float(c.get("cbr", -1.0)) - cbr) <= zoo.CBR_TOL]
        if not at_cbr:
            raise LinksimError(f"checkpoint={ids!r}: none is trained at CBR {cbr_label(cbr)}; "
                               "add one, or restrict the system with cbr = [...]")
        if len(at_cbr) == 1:
            return {**params, "checkpoint": at_cbr[0]["id"]}
        trained = sorted((trained_snr_db(c), c["id"]) for c in at_cbr)
        best = min(trained, key=lambda t: abs(t[0] - snr_db))  # first minimum: lower SNR
        return {**params, "checkpoint": best[1]}

    @classmethod
    def scenario_keys(cls) -> list[str]:
        """Keys a scenario's ``[[systems]]`` entry may set: the checkpoint or the wish for
        untrained weights, a named config, and any config key as an override."""
        keys = {k for cfg in cls.configs.values() for k in cfg}
        return ["checkpoint", "random_weights", "config"] + sorted(keys)

    @classmethod
    def check_params(cls, params: dict[str, Any]) -> None:
        """A scenario names a checkpoint, or says it wants untrained weights."""
        if "checkpoint" not in params and params.get("random_weights") is not True:
            err = LinksimError("a learned system needs checkpoint = \"<id>\" (see 'linksim "
                               "list') or random_weights = true for an untrained model")
            err.key = "checkpoint"
            raise err
        if "random_weights" in params and not isinstance(params["random_weights"], bool):
            err = LinksimError(f"random_weights={params['random_weights']!r}: expected true "
                               "or false")
            err.key = "random_weights"
            raise err

    @classmethod
    def identity(cls, params: dict[str, Any]) -> dict[str, Any]:
        """The content hash of the checkpoint's weights (a retrained id is recomputed)."""
        if not isinstance(params.get("checkpoint"), str):
            return {}
        from linksim import zoo

        return {"checkpoint_sha256": zoo.content_hash(params["checkpoint"])}

    def build(self, **config: Any) -> None:
        """Create the layers for ``config`` at ``self.cbr``."""
        raise NotImplementedError

    @property
    def checkpoint_id(self) -> str | None:
        return self._checkpoint_id
