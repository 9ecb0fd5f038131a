"""The committed scenarios run as they are: a short version of the quick start with the
shipped checkpoints, checked against the record schema."""
from __future__ import annotations

from pathlib import Path

import pytest

from linksim.core.record import read_records
from linksim.core.runner import Runner
from linksim.scenario import load_scenario
from linksim.zoo import list_checkpoints

ROOT = Path(__file__).resolve().parents[2]
SCHEMA = {"point_id": str, "task": str, "system": str, "label": str, "params": dict,
          "channel": str, "channel_label": str, "axes": dict, "metrics": dict, "values": dict,
          "extra": dict, "count": int, "seed": int, "repeats": int, "identity": dict,
          "scenario": str, "scenario_hash": str, "version": str, "device": str,
          "wall_time_s": float}


def named_checkpoints(scenario) -> set[str]:
    """Every checkpoint id a scenario names (a system's ``checkpoint`` is an id or a list)."""
    ids: set[str] = set()
    for system in scenario.systems:
        value = system.params.get("checkpoint")
        ids.update([value] if isinstance(value, str) else value or [])
    return ids


@pytest.mark.parametrize("path", sorted((ROOT / "scenarios").glob("*/*.toml")), ids=lambda p: p.stem)
def test_committed_scenarios_parse_and_name_shipped_checkpoints(path):
    shipped = {c["id"] for c in list_checkpoints()}
    assert named_checkpoints(load_scenario(path)) <= shipped


def test_quickstart_short_run_has_the_record_schema(tmp_path):
    scenario = load_scenario(ROOT / "scenarios" / "image" / "quickstart.toml",
                             ["source.count=1", "source.crop=64", "sweep.snr_db=[5]",
                              "metrics.names=[\"psnr\"]"])
    missing = named_checkpoints(scenario) - {c["id"] for c in list_checkpoints()}
    if missing:
        pytest.skip(f"checkpoints not shipped: {sorted(missing)}")
    records = Runner(scenario, output=tmp_path).run()
    assert len(records) == len(scenario.systems) * len(scenario.channels)
    for rec in records:
        for key, kind in SCHEMA.items():
            assert isinstance(getattr(rec, key), kind), (key, getattr(rec, key))
        assert set(rec.axes) == {"snr_db", "cbr"} and rec.task == "image"
        assert rec.metrics["psnr"]["count"] == 1 and rec.count == 1
        assert 5 < rec.metrics["psnr"]["sum"] < 60 and len(rec.values["psnr"]) == 1
        learned = rec.system != "uncoded"
        assert (rec.checkpoint_id is not None) == learned
        assert ("checkpoint_sha256" in rec.identity) == learned
    assert read_records(tmp_path) == records
