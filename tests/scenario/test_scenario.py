"""Scenario parsing: sweep syntax, overrides, shipped scenario files."""
from __future__ import annotations

from pathlib import Path

import pytest

from linksim.scenario.parse import ScenarioError
from linksim.scenario import load_scenario
from linksim.scenario.parse import parse_cbr, parse_snr

ROOT = Path(__file__).resolve().parents[2]


def test_sweep_syntax():
    assert parse_snr("0:20:5") == [0, 5, 10, 15, 20]
    assert parse_snr("1:19:3") == [1, 4, 7, 10, 13, 16, 19]
    assert parse_snr([1, 2.5]) == [1.0, 2.5] and parse_snr(7) == [7.0]
    assert parse_cbr(["1/16", "1/48", 0.5]) == [1 / 16, 1 / 48, 0.5]
    for bad in ("0:10", "a:b:c", "0:10:-1"):
        with pytest.raises(ValueError):
            parse_snr(bad)
    with pytest.raises(ValueError):
        parse_cbr("1/0")


@pytest.mark.parametrize("path", sorted((ROOT / "scenarios").glob("*.toml")), ids=lambda p: p.name)
def test_shipped_scenarios_parse(path):
    scenario = load_scenario(path)
    assert scenario.systems and scenario.channels and scenario.sweep["snr_db"]


def test_overrides_and_digest():
    base = load_scenario(ROOT / "scenarios" / "image" / "quickstart.toml")
    other = load_scenario(ROOT / "scenarios" / "image" / "quickstart.toml",
                          ["stop.max_items=2", "sweep.snr_db=\"0:4:2\"", "systems.1.label=ZF",
                           "output=elsewhere"])
    assert other.stop.max_items == 2 and other.sweep["snr_db"] == [0, 2, 4]
    assert other.systems[1].label == "ZF" and str(other.output) == "elsewhere"
    assert base.digest() != other.digest()


def test_system_axis_restriction(tmp_path):
    """``only = {axis = values}`` runs an entry at some values of an axis; naming the axis as
    a parameter is refused with that fix."""
    from linksim.core.grid import expand_points
    from linksim.core.task import get_task

    (tmp_path / "s.toml").write_text("""
[sweep]
snr_db = [0, 10]
cbr = ["1/2", "1/16"]
[[channels]]
name = "awgn"
[[systems]]
name = "uncoded"
label = "everywhere"
[[systems]]
name = "uncoded"
label = "only 1/16"
only = { cbr = "1/16" }
""")
    sc = load_scenario(tmp_path / "s.toml")
    points = list(expand_points(sc, get_task(sc.task)))
    assert {p.axes["cbr"] for p in points if p.system.label == "only 1/16"} == {1 / 16}
    assert {p.axes["cbr"] for p in points if p.system.label == "everywhere"} == {0.5, 1 / 16}
    assert all("cbr" not in p.params for p in points)
    text = (tmp_path / "s.toml").read_text()
    for bad, message in [('cbr = "1/16"', "'cbr' is a sweep axis; .* write only = {cbr"),
                         ('only = { snr = [0] }', "'snr' is not an axis of task 'image'"),
                         ('only = { cbr = "x" }', "only: cbr:")]:
        (tmp_path / "bad.toml").write_text(text.replace('only = { cbr = "1/16" }', bad))
        with pytest.raises(ScenarioError, match=message):
            load_scenario(tmp_path / "bad.toml")
