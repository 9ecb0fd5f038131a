"""Base class of systems with trained weights (MambaJSCC, DeepJSCC, ...).

A learned system is built from a named configuration (``configs``) plus
overrides, or from a checkpoint id in the zoo (then the configuration and CBR
come from the checkpoint's model card and must agree with the scenario).
"""
from __future__ import annotations

from typing import Any, ClassVar

from linksim.errors import LinksimError
from linksim.systems.base import System


class LearnedSystem(System):
    """Subclasses set ``configs`` and implement :meth:`build`, :meth:`encode`, :meth:`decode`."""

    learned: ClassVar[bool] = True
    configs: ClassVar[dict[str, dict[str, Any]]] = {}

    def __init__(self, cbr: float, config: str | dict[str, Any] | None = None,
                 checkpoint: str | None = None, **overrides: Any) -> None:
        super().__init__(cbr)
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

    def build(self, **config: Any) -> None:
        """Create the layers for ``config`` at ``self.cbr``."""
        raise NotImplementedError

    @property
    def checkpoint_id(self) -> str | None:
        return self._checkpoint_id
