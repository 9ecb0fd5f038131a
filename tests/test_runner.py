"""Runner: determinism, resume after an interruption, and the record schema."""
from __future__ import annotations

import json

import pytest

from linksim.cli import main
from linksim.core.records import read_records
from linksim.core.runner import Runner, SilentReporter
from linksim.scenario import load_scenario

SCENARIO = """
name = "tiny"
seed = 5
[source]
dataset = "samples"
crop = 48
count = 3
[sweep]
snr_db = "0:10:10"
cbr = ["1/2", "1/8"]
[[channels]]
name = "awgn"
[[channels]]
name = "rayleigh"
fading = "fast"
[[systems]]
name = "uncoded"
[metrics]
names = ["psnr", "ms_ssim"]
[stop]
max_items = 3
batch_size = 2
"""
VOLATILE = ("wall_time_s", "host")
RECORD_FIELDS = {"point_id", "system", "label", "params", "checkpoint_id", "channel", "snr_db",
                 "cbr", "metrics", "count", "seed", "point_seed", "scenario_hash", "version",
                 "device", "wall_time_s"}


def stable(records):
    return sorted((json.dumps({k: v for k, v in r.items() if k not in VOLATILE}, sort_keys=True)
                   for r in records))


@pytest.fixture
def scenario_file(tmp_path):
    path = tmp_path / "tiny.toml"
    path.write_text(SCENARIO)
    return path


class StopAfter(SilentReporter):
    """Simulates a kill in the middle of point number ``n``."""

    def __init__(self, n):
        self.n = n

    def point_finished(self, point, record):
        self.n -= 1
        if self.n == 0:
            raise KeyboardInterrupt


def test_interrupted_run_resumes_to_identical_records(scenario_file, tmp_path):
    scenario = load_scenario(scenario_file)
    full = Runner(scenario, output=tmp_path / "full").run()
    assert len(full) == 8

    with pytest.raises(KeyboardInterrupt):
        Runner(scenario, output=tmp_path / "resumed", reporter=StopAfter(4)).run()
    assert len(read_records(tmp_path / "resumed")) == 3  # the 4th point was cut short
    resumed = Runner(scenario, output=tmp_path / "resumed").run()
    assert stable(resumed) == stable(full)
    assert Runner(scenario, output=tmp_path / "resumed").pending()[0] == []


def test_same_seed_same_numbers_other_seed_other_numbers(scenario_file, tmp_path):
    a = Runner(load_scenario(scenario_file), output=tmp_path / "a").run()
    b = Runner(load_scenario(scenario_file), output=tmp_path / "b").run()
    c = Runner(load_scenario(scenario_file, ["seed=6"]), output=tmp_path / "c").run()
    assert stable(a) == stable(b)
    assert [r["metrics"] for r in a] != [r["metrics"] for r in c]


def test_cli_run_writes_records_csv_and_plots(scenario_file, tmp_path, capsys):
    out = tmp_path / "cli"
    assert main(["run", str(scenario_file), "--out", str(out), "--set", "sweep.cbr=\"1/2\""]) == 0
    rows = capsys.readouterr().out.strip().splitlines()
    assert rows[0].split()[:5] == ["system", "channel", "cbr", "snr_db", "n"]
    assert len(rows) == 1 + 4
    records = read_records(out)
    assert len(records) == 4 and all(RECORD_FIELDS <= set(r) for r in records)
    for r in records:
        assert r["metrics"]["psnr"]["count"] == 3 and r["cbr_label"] == "1/2"
    header = (out / "results.csv").read_text().splitlines()[0].split(",")
    assert header[:6] == ["system", "channel", "cbr", "snr_db", "count", "psnr"]
    pngs = sorted(p.name for p in out.glob("*.png"))
    assert pngs == ["ms_ssim_awgn_cbr1-2.png", "ms_ssim_rayleigh-fast_cbr1-2.png",
                    "psnr_awgn_cbr1-2.png", "psnr_rayleigh-fast_cbr1-2.png"]
    for p in pngs:
        (out / p).unlink()
    assert main(["plot", str(out)]) == 0
    assert len(list(out.glob("*.png"))) == 4


def test_target_ci_stops_early(scenario_file, tmp_path):
    sc = load_scenario(scenario_file, ["stop.target_ci=100.0", "stop.min_items=2",
                                       "stop.batch_size=1", "sweep.cbr=0.5"])
    records = Runner(sc, output=tmp_path / "ci").run()
    assert {r["count"] for r in records} == {2}
