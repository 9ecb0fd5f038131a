"""Scenario files: TOML -> typed, validated configuration."""
from linksim.core.scenario import Scenario
from linksim.scenario.parse import ScenarioError, load_scenario

__all__ = ["Scenario", "ScenarioError", "load_scenario"]
