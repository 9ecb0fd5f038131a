"""The scenario pre-check against the catalog: it refuses no valid scenario, and leaves to
the full validation what the catalog cannot vouch for (a stale snapshot, a changed module,
a name a plugin may add)."""
from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

from linksim.core import catalog
from linksim.scenario.parse import ScenarioError, load_scenario, precheck
from linksim.scenario.reading import read_toml
from scenario_texts import GOOD  # tests/scenario/scenario_texts.py

ROOT = Path(__file__).resolve().parents[2]
BAD_KEY = GOOD.replace('name = "uncoded"', 'name = "uncoded"\ncolour = "red"')
BAD_AXIS = GOOD.replace('cbr = "1/2"', 'cbr = "1/2"\nsnr = [1]')
BAD_NAME = GOOD.replace('name = "uncoded"', 'name = "uncodd"')
BAD_CHANNEL_KEY = GOOD.replace('name = "awgn"', 'name = "awgn"\nfading = "fast"')


@pytest.fixture
def closed(fresh_catalog, monkeypatch) -> Path:
    """No installed plugin, and a catalog current for the working tree."""
    monkeypatch.setenv("LINKSIM_DISABLE_PLUGIN_AUTOLOAD", "1")
    monkeypatch.setenv("LINKSIM_CACHE", str(fresh_catalog))
    return fresh_catalog


def check(text: str) -> bool:
    """:func:`precheck` of a scenario text; returns whether it found the catalog stale."""
    import tomllib

    return precheck(tomllib.loads(text), "t.toml", text)


def only_snapshot(monkeypatch, tmp_path: Path, snap: dict | None) -> None:
    """Make ``snap`` the shipped snapshot and leave the user's cache empty."""
    shipped = tmp_path / "shipped.json"
    shipped.write_text(json.dumps(snap or {"digest": "old", "registries": {}}))
    monkeypatch.setattr(catalog, "SHIPPED", shipped)
    monkeypatch.setenv("LINKSIM_CACHE", str(tmp_path / "cache"))


@pytest.mark.parametrize("path", sorted((ROOT / "scenarios").rglob("*.toml")),
                         ids=lambda p: str(p.relative_to(ROOT / "scenarios")))
def test_refuses_no_shipped_scenario(path, closed):
    raw, text = read_toml(path)
    assert precheck(raw, path, text) is False  # nothing refused, nothing left as stale


def test_refuses_what_the_catalog_vouches_for(closed):
    with pytest.raises(ScenarioError, match="t.toml:13: systems.0.colour: unknown key"):
        check(BAD_KEY)
    with pytest.raises(ScenarioError, match="t.toml:9: sweep.snr: unknown key"):
        check(BAD_AXIS)
    assert check(GOOD) is False


def test_a_stale_stamp_leaves_everything_to_the_full_validation(closed, monkeypatch, tmp_path):
    only_snapshot(monkeypatch, tmp_path, None)
    for text in (BAD_KEY, BAD_AXIS, BAD_NAME):
        assert check(text) is True
    with pytest.raises(ScenarioError, match="bogus: unknown key"):
        check("bogus = 1\n" + GOOD)  # the scenario's own keys need no catalog


def test_a_changed_module_leaves_its_parts_to_the_full_validation(closed, fresh_catalog,
                                                                  monkeypatch, tmp_path):
    snap = json.loads((fresh_catalog / "catalog" / "catalog.json").read_text())
    changed = copy.deepcopy(snap)
    module = snap["schema"]["systems"]["uncoded"]["image"]["module"]
    changed["fingerprints"][module] = "0" * 40  # as if uncoded's __init__ had been edited
    only_snapshot(monkeypatch, tmp_path, changed)
    assert check(BAD_KEY) is True
    assert check(BAD_NAME) is True  # the names of the image systems may have changed too
    with pytest.raises(ScenarioError, match="sweep.snr: unknown key"):
        check(BAD_AXIS)  # the task's module did not change


def test_a_new_module_leaves_unknown_names_to_the_full_validation(closed, fresh_catalog,
                                                                  monkeypatch, tmp_path):
    changed = json.loads((fresh_catalog / "catalog" / "catalog.json").read_text())
    changed["layout"] = "0" * 40  # a file added since: it may register anything
    only_snapshot(monkeypatch, tmp_path, changed)
    assert check(BAD_NAME) is True
    with pytest.raises(ScenarioError, match="systems.0.colour: unknown key"):
        check(BAD_KEY)


@pytest.mark.parametrize("plugins", ["scenario", "installed"])
def test_plugins_may_add_names_but_replace_no_part(plugins, closed, monkeypatch):
    """With plugins an unknown name and a shared part (a plugin's part of the task would
    win over it) are left to the full validation; a task's own part is still checked."""
    if plugins == "installed":
        monkeypatch.setattr("linksim.base.registry.plugin_entry_points", lambda: ["x"])
    prefix = 'plugins = ["my_models"]\n' if plugins == "scenario" else ""
    assert check(prefix + BAD_NAME) is False
    assert check(prefix + BAD_CHANNEL_KEY) is False
    with pytest.raises(ScenarioError, match="systems.0.colour: unknown key"):
        check(prefix + BAD_KEY)


def test_the_full_validation_refreshes_a_stale_cache(closed, monkeypatch, tmp_path):
    only_snapshot(monkeypatch, tmp_path, None)
    (tmp_path / "t.toml").write_text(BAD_KEY)
    assert check(BAD_KEY) is True
    with pytest.raises(ScenarioError, match="systems.0.colour"):
        load_scenario(tmp_path / "t.toml")  # refused by the full validation; cache rebuilt
    assert json.loads((tmp_path / "cache" / "catalog" / "catalog.json").read_text()
                      )["digest"] == catalog.source_digest()
    with pytest.raises(ScenarioError, match="systems.0.colour"):
        check(BAD_KEY)
