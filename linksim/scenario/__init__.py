"""Scenario files: TOML -> typed, validated configuration."""
from linksim.scenario.config import Scenario, cbr_label
from linksim.scenario.parse import ScenarioError, load_scenario

__all__ = ["Scenario", "ScenarioError", "cbr_label", "load_scenario"]
