"""The command the project is known by works as users write it, and a mistyped scenario
path names the closest existing files."""
from __future__ import annotations

from pathlib import Path

import pytest

from linksim.cli import main
from linksim.core.runner import Runner
from linksim.scenario import load_scenario

ROOT = Path(__file__).resolve().parents[2]


def test_div2k_headline_scenario_reuses_every_committed_point(monkeypatch):
    monkeypatch.chdir(ROOT)
    scenario = load_scenario("scenarios/div2k_rayleigh.toml")
    assert scenario == load_scenario("scenarios/image/div2k_rayleigh.toml").__class__(
        **{**load_scenario("scenarios/image/div2k_rayleigh.toml").__dict__,
           "file": scenario.file})
    runner = Runner(scenario)
    if not (runner.output / "results.jsonl").exists():
        pytest.skip("committed DIV2K records absent")
    todo, done = runner.pending()
    assert not todo and done == len(runner.points())


def test_missing_scenario_names_the_closest_files(monkeypatch, capsys):
    monkeypatch.chdir(ROOT)
    assert main(["run", "scenarios/kodak_rayleig.toml"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("linksim: error: scenarios/kodak_rayleig.toml: cannot read scenario")
    assert "did you mean: scenarios/image/kodak_rayleigh.toml" in err
    assert len(err.splitlines()) == 1
