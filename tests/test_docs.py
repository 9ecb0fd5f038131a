"""The README and the guide: short, every results table generated from records (the README's
regenerate identically; the guide's are filled at build time, docs/hooks.py), and a scenario
reference that lists every key the parser accepts."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from linksim.base.registry import CHANNELS, DATASETS, SYSTEMS, TASKS
from linksim.core.catalog import entry_keys
from linksim.scenario import parse
from linksim.scenario.reference import MEANINGS, PART_KEYS, markdown
from linksim.tables import expand_blocks

ROOT = Path(__file__).resolve().parents[1]
PAGES = [ROOT / "README.md"] + sorted((ROOT / "docs").rglob("*.md"))


def _outside_blocks(text: str) -> list[str]:
    """Lines outside ``<!-- table -->`` blocks and code fences."""
    out, block, fence = [], False, False
    for line in text.splitlines():
        if line.startswith("```"):
            fence = not fence
        elif not fence and line.startswith("<!-- table:"):
            block = True
        elif not fence and line.startswith("<!-- /table"):
            block = False
        elif not (block or fence):
            out.append(line)
    return out


def test_readme_is_short():
    assert len((ROOT / "README.md").read_text().splitlines()) < 200


@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(ROOT)))
def test_no_hand_written_markdown_table(page):
    hand = [l for l in _outside_blocks(page.read_text()) if l.lstrip().startswith("|")]
    assert not hand, f"{page}: a table not written by a generator: {hand[:2]}"


def test_readme_tables_regenerate_identically():
    """After changing records, run: linksim table --readme README.md"""
    text = (ROOT / "README.md").read_text()
    new, count = expand_blocks(text, ROOT)
    assert count >= 1
    assert new == text, "README tables are stale: run linksim table --readme README.md"


def test_guide_blocks_name_existing_results():
    for page in sorted((ROOT / "docs").rglob("*.md")):
        fence = False
        for line in page.read_text().splitlines():
            fence = fence != line.startswith("```")
            m = re.match(r"<!-- (?:table|figures): (\S+)", line)
            if m and not fence:
                assert (page.parent / m.group(1)).is_dir(), f"{page}: {m.group(1)} absent"


def _valid_keys_message(raw: dict, table: str) -> list[str]:
    """The valid keys the parser names for an unknown key in ``table`` of ``raw``."""
    with pytest.raises(parse.ScenarioError) as exc:
        parse.validate(raw, "t.toml", "")
    message = str(exc.value)
    assert "unknown key" in message, message
    return message.split("valid keys: ", 1)[1].split(", ")


def test_scenario_reference_lists_every_key_the_parser_accepts():
    text = markdown()
    documented_top = set(MEANINGS[""])
    assert documented_top == set(parse.TOP_KEYS)
    assert set(MEANINGS["stop"]) == set(parse.STOP_KEYS)
    assert set(MEANINGS["metrics"]) == set(parse.METRIC_KEYS)
    for key in [*parse.TOP_KEYS, *parse.STOP_KEYS, *parse.METRIC_KEYS]:
        assert f"`{key}`" in text, key
    # the keys every [[systems]] / [[channels]] entry has, as the parser names them
    base = {"task": "gaussian", "source": {"count": 1, "length": 4},
            "sweep": {"snr_db": [0], "cbr": [0.5]}, "channels": [{"name": "awgn"}],
            "systems": [{"name": "uncoded"}]}
    system_keys = _valid_keys_message({**base, "systems": [{"name": "opta", "zz": 1}]}, "")
    assert set(PART_KEYS["systems"]) <= set(system_keys)
    assert set(system_keys) - set(PART_KEYS["systems"]) == set(
        parse.accepted_params(SYSTEMS.get("opta", "gaussian"), ("self", "cbr"))[0])
    channel_keys = _valid_keys_message({**base, "channels": [{"name": "awgn", "zz": 1}]}, "")
    assert set(PART_KEYS["channels"]) <= set(channel_keys)
    for key in PART_KEYS["systems"]:
        assert f"`{key}`" in text
    # every task's axes, every data set's, channel's and system's own keys
    for name, cls in TASKS.items():
        task = cls()
        assert f"### Task `{name}`" in text
        for axis in task.axes:
            assert f"`{axis.name}`" in text
    for kind, registry in (("dataset", DATASETS), ("name", CHANNELS), ("name", SYSTEMS)):
        for name, factory in registry.items():
            task = getattr(factory, "task", "")
            where = f" (task `{task}`)" if isinstance(task, str) and task else ""
            heading = f"`{kind} = \"{name}\"`{where}\n"
            assert heading in text, heading
            section = text.split(heading, 1)[1].split("\n### ", 1)[0]
            skip = ("self",)
            if registry is SYSTEMS and task:
                t = TASKS.get(task)()
                skip += tuple(t.build_kwargs({a.name: 0.0 for a in t.axes}))
            names = entry_keys(factory, skip)[0]
            for key in names:
                assert f"`{key}`" in section, (name, key)
