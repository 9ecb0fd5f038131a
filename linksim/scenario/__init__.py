"""Scenario files: TOML -> typed, validated configuration.

The package imports its parts lazily: reading a file (:mod:`~linksim.scenario.reading`) needs
no torch, validating it (:mod:`~linksim.scenario.parse`) imports the registries."""
from __future__ import annotations

import importlib
from typing import Any

from linksim.scenario.reading import ScenarioError

_LAZY = {"Scenario": "linksim.core.scenario", "load_scenario": "linksim.scenario.parse"}
__all__ = ["Scenario", "ScenarioError", "load_scenario"]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'linksim.scenario' has no attribute {name!r}")
