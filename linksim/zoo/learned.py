"""What every system with trained weights shares, whatever its task.

A learned system is built from a named configuration (``configs``) plus overrides, or
from a checkpoint id in the zoo (then the configuration comes from its model card). A
scenario must say which: ``checkpoint = "<id>"`` or ``random_weights = true``; the
checkpoint's content hash is part of every grid point's id, so a retrained checkpoint
is never mistaken for the old one.

Use it as the first base of a task's learned system class::

    class LearnedTextSystem(LearnedWeights, TextSystem): ...
"""
from __future__ import annotations

from typing import Any, ClassVar

from linksim.errors import LinksimError
from linksim.zoo import store


def _keyed(key: str, message: str) -> LinksimError:
    err = LinksimError(message)
    err.key = key
    return err


class LearnedWeights:
    """Mixin: named configs, checkpoint loading and the scenario interface of learned systems.

    Class attributes: ``configs`` (name -> config dict), ``default_config`` (the name used
    without ``config`` and checkpoint), ``axis_keys`` (config keys a sweep axis sets, which a
    scenario entry may therefore not).
    """

    learned: ClassVar[bool] = True
    configs: ClassVar[dict[str, dict[str, Any]]] = {}
    default_config: ClassVar[str] = "small"
    axis_keys: ClassVar[frozenset[str]] = frozenset()
    _checkpoint_id: str | None = None

    @classmethod
    def config_keys(cls) -> set[str]:
        """Every key any named config has."""
        return {k for cfg in cls.configs.values() for k in cfg}

    @classmethod
    def named_config(cls, config: str | dict[str, Any] | None, overrides: dict[str, Any],
                     checkpoint: str | None = None) -> dict[str, Any]:
        """``configs[config]`` (or a config dict) updated by ``overrides``; without
        ``config``: the config ``checkpoint`` was trained with, else ``default_config``."""
        if config is None and checkpoint is not None:
            config = store.read_card(checkpoint)["config"]
        config = cls.default_config if config is None else config
        if isinstance(config, str):
            if config not in cls.configs:
                raise LinksimError(f"config={config!r}: unknown; choose one of "
                                   f"{', '.join(sorted(cls.configs))}")
            config = cls.configs[config]
        unknown = sorted(set(overrides) - cls.config_keys())
        if unknown:
            raise LinksimError(f"config key {unknown[0]!r}: unknown; keys: "
                               f"{', '.join(sorted(cls.config_keys()))}")
        return {**config, **overrides}

    def load_checkpoint(self, checkpoint: str, **axes: float) -> None:
        """Load the zoo checkpoint ``checkpoint`` into this (already built) system; ``axes``:
        the axis values the system was built at (the task's ``build_kwargs``), which the
        card must agree with."""
        store.load_into(self, checkpoint, axes)
        self._checkpoint_id = checkpoint

    @property
    def checkpoint_id(self) -> str | None:
        return self._checkpoint_id

    # --- the scenario interface ------------------------------------------------------
    @classmethod
    def scenario_keys(cls) -> list[str]:
        """Keys a scenario's ``[[systems]]`` entry may set: the checkpoint or the wish for
        untrained weights, a named config, and any config key as an override."""
        return ["checkpoint", "random_weights", "config"] + sorted(cls.config_keys()
                                                                   - cls.axis_keys)

    @classmethod
    def check_params(cls, params: dict[str, Any]) -> None:
        """A scenario names a checkpoint, or says it wants untrained weights."""
        if "checkpoint" not in params and params.get("random_weights") is not True:
            raise _keyed("checkpoint", "a learned system needs checkpoint = \"<id>\" (see "
                         "'linksim list') or random_weights = true for an untrained model")
        if not isinstance(params.get("random_weights", False), bool):
            raise _keyed("random_weights", f"random_weights={params['random_weights']!r}: "
                         "expected true or false")

    @classmethod
    def identity(cls, params: dict[str, Any]) -> dict[str, Any]:
        """The content hash of the checkpoint's weights (a retrained id is recomputed)."""
        if not isinstance(params.get("checkpoint"), str):
            return {}
        return {"checkpoint_sha256": store.content_hash(params["checkpoint"])}
