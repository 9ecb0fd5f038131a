"""Runner: determinism, resume after an interruption, and the record schema."""
from __future__ import annotations

import json
from dataclasses import asdict

import pytest

from linksim.cli import main
from linksim.core.record import read_records
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
GAUSSIAN = """
name = "tiny-gauss"
task = "gaussian"
seed = 3
[source]
count = 6
length = 64
[sweep]
snr_db = [0, 10]
cbr = ["1/2", "1"]
[[channels]]
name = "rayleigh"
fading = "block"
[[systems]]
name = "uncoded"
[[systems]]
name = "opta"
[stop]
batch_size = 4
repeats = 2
"""
VOLATILE = ("wall_time_s", "host")
RECORD_FIELDS = {"point_id", "task", "system", "label", "params", "checkpoint_id", "channel",
                 "axes", "metrics", "values", "count", "seed", "repeats", "scenario_hash",
                 "version", "device", "wall_time_s"}


def stable(records):
    return sorted(json.dumps({k: v for k, v in asdict(r).items() if k not in VOLATILE},
                             sort_keys=True) for r in records)


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


@pytest.mark.parametrize("text, points", [(SCENARIO, 8), (GAUSSIAN, 8)], ids=["image", "gaussian"])
def test_interrupted_run_resumes_to_identical_records(text, points, tmp_path):
    scenario_file = tmp_path / "s.toml"
    scenario_file.write_text(text)
    scenario = load_scenario(scenario_file)
    full = Runner(scenario, output=tmp_path / "full").run()
    assert len(full) == points

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
    assert [r.metrics for r in a] != [r.metrics for r in c]


def test_cli_run_writes_records_csv_and_plots(scenario_file, tmp_path, capsys):
    out = tmp_path / "cli"
    assert main(["run", str(scenario_file), "--out", str(out), "--set", "sweep.cbr=\"1/2\""]) == 0
    rows = capsys.readouterr().out.strip().splitlines()
    assert rows[0].split()[:5] == ["system", "channel", "snr_db", "cbr", "n"]
    assert len(rows) == 1 + 4
    records = read_records(out)
    assert len(records) == 4 and all(RECORD_FIELDS <= set(asdict(r)) for r in records)
    for r in records:
        assert r.metrics["psnr"]["count"] == 3 and r.axes["cbr"] == 0.5
        assert len(r.values["psnr"]) == 3
    header = (out / "results.csv").read_text().splitlines()[0].split(",")
    assert header[:6] == ["system", "channel", "snr_db", "cbr", "count", "psnr"]
    assert (out / "results.csv").read_text().splitlines()[1].split(",")[3] == "1/2"
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
    assert {r.count for r in records} == {2}


def test_batch_size_changes_neither_ids_nor_numbers(scenario_file, tmp_path):
    a = Runner(load_scenario(scenario_file), output=tmp_path / "a").run()
    b = Runner(load_scenario(scenario_file, ["stop.batch_size=3"]), output=tmp_path / "b").run()
    assert [r.point_id for r in a] == [r.point_id for r in b]
    for ra, rb in zip(a, b):
        assert ra.values["psnr"] == pytest.approx(rb.values["psnr"], abs=1e-4)


def test_systems_and_snrs_share_channel_draws(tmp_path):
    """Common random numbers: the same fade per item for every system and every SNR."""
    from linksim.channels.base import Link
    from linksim.base.registry import CHANNELS

    sc = tmp_path / "g.toml"
    sc.write_text(GAUSSIAN)
    runner = Runner(load_scenario(sc), output=tmp_path / "g")
    p0, p1 = runner.points()[0], runner.points()[-1]
    assert runner.transmission_seeds(p0, [0, 1], 0) != runner.transmission_seeds(p0, [0, 1], 1)
    same_cbr = [p for p in runner.points() if p.axes["cbr"] == p0.axes["cbr"]]
    seeds = {tuple(runner.transmission_seeds(p, [0, 1, 2], 1)) for p in same_cbr}
    assert len(same_cbr) == 4 and len(seeds) == 1   # 2 systems x 2 SNRs, one set of draws
    assert runner.transmission_seeds(p1, [0], 0) != runner.transmission_seeds(p0, [0], 0)
    channel = CHANNELS.get("rayleigh")(fading="block")
    s = runner.transmission_seeds(p0, [0, 1], 0)
    lo, hi = Link(channel, 0.0, 2, s, (8,)), Link(channel, 20.0, 2, s, (8,))
    assert (lo.realization(8).h == hi.realization(8).h).all()
    assert (lo.state(8).sinr / hi.state(8).sinr).sub(0.01).abs().max() < 1e-6


def test_records_pair_up_and_compare_reports_intervals(tmp_path, capsys):
    sc = tmp_path / "g.toml"
    sc.write_text(GAUSSIAN)
    out = tmp_path / "g"
    assert main(["run", str(sc), "--out", str(out), "--no-plots"]) == 0
    assert main(["compare", str(out), "uncoded", "opta"]) == 0
    rows = [r for r in capsys.readouterr().out.splitlines() if r.startswith("rayleigh")]
    assert len(rows) == 4 and all(len(r.split(" | ")) == 6 for r in rows)
    assert main(["compare", str(out), "uncoded", "nope"]) == 2


def test_compare_pairs_a_system_across_two_runs_of_one_scenario(tmp_path, capsys):
    """--b-from: a second run with another equalizer but the same channel label has the
    same draws; uncoded LMMSE decodes from the CSI, so the paired difference is zero."""
    labelled = GAUSSIAN.replace('fading = "block"', 'fading = "block"\nlabel = "rayleigh"')
    outs = []
    for name, text in (("mmse", labelled),
                       ("zf", labelled.replace('label =', 'equalizer = "zf"\nlabel =')),
                       ("seed4", labelled.replace("seed = 3", "seed = 4"))):
        (tmp_path / f"{name}.toml").write_text(text)
        outs.append(tmp_path / name)
        assert main(["run", str(tmp_path / f"{name}.toml"), "--out", str(outs[-1]),
                     "--no-plots"]) == 0
    capsys.readouterr()
    assert main(["compare", str(outs[0]), "uncoded", "uncoded", "--b-from", str(outs[1])]) == 0
    rows = [r.split(" | ") for r in capsys.readouterr().out.splitlines()
            if r.startswith("rayleigh")]
    assert len(rows) == 4 and all(abs(float(r[3])) < 1e-4 and r[5] == "12" for r in rows)
    assert main(["compare", str(outs[0]), "opta", "uncoded", "--b-from", str(outs[1])]) == 0
    assert main(["compare", str(outs[0]), "uncoded", "uncoded", "--b-from", str(outs[2])]) == 2
    assert "differ in seed" in capsys.readouterr().err


def test_a_second_run_reuses_records_and_fresh_recomputes(scenario_file, tmp_path, capsys):
    out = tmp_path / "r"
    assert main(["run", str(scenario_file), "--out", str(out), "--no-plots"]) == 0
    capsys.readouterr()
    assert main(["run", str(scenario_file), "--out", str(out), "--no-plots"]) == 0
    assert "8 of 8 points reused" in capsys.readouterr().err
    assert main(["run", str(scenario_file), "--out", str(out), "--no-plots", "--fresh"]) == 0
    assert "reused" not in capsys.readouterr().err
    assert len(read_records(out)) == 8


@pytest.mark.slow
def test_two_concurrent_runs_into_one_folder_lose_and_duplicate_nothing(scenario_file, tmp_path):
    """The second run waits for the folder lock, then reuses what the first computed."""
    import subprocess
    import sys

    out = tmp_path / "shared"
    cmd = [sys.executable, "-m", "linksim", "run", str(scenario_file), "--out", str(out),
           "--no-plots", "--wait"]
    procs = [subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
             for _ in range(2)]
    errs = [p.communicate(timeout=300)[1] for p in procs]
    assert [p.returncode for p in procs] == [0, 0], errs
    ids = [r.point_id for r in read_records(out)]
    assert len(ids) == 8 and len(set(ids)) == 8
    assert any("8 of 8 points reused" in e for e in errs)


def test_table_prints_markdown_from_records(scenario_file, tmp_path, capsys):
    out = tmp_path / "t"
    assert main(["run", str(scenario_file), "--out", str(out), "--no-plots"]) == 0
    capsys.readouterr()
    assert main(["table", str(out), "--metric", "psnr"]) == 0
    text = capsys.readouterr().out
    assert text.count("| system | 0 dB | 10 dB |") == 4 and "| uncoded |" in text


def test_table_readme_rewrites_marked_blocks(scenario_file, tmp_path, capsys):
    out = tmp_path / "t"
    assert main(["run", str(scenario_file), "--out", str(out), "--no-plots"]) == 0
    readme = tmp_path / "README.md"
    readme.write_text("intro\n<!-- table: t --metric psnr -->\nstale\n<!-- /table -->\nend\n")
    capsys.readouterr()
    assert main(["table", "--readme", str(readme)]) == 0
    text = readme.read_text()
    assert "stale" not in text and text.startswith("intro\n") and text.endswith("<!-- /table -->\nend\n")
    assert text.count("| system | 0 dB | 10 dB |") == 4
    assert main(["table", "--readme", str(readme)]) == 0          # idempotent
    assert readme.read_text() == text


def test_a_renamed_system_reuses_its_points_under_the_new_label(scenario_file, tmp_path, capsys):
    out = tmp_path / "r"
    assert main(["run", str(scenario_file), "--out", str(out), "--no-plots"]) == 0
    before = read_records(out)
    renamed = tmp_path / "renamed.toml"
    renamed.write_text(scenario_file.read_text().replace('name = "uncoded"',
                                                         'name = "uncoded"\nlabel = "Uncoded, renamed"'))
    capsys.readouterr()
    assert main(["run", str(renamed), "--out", str(out), "--no-plots"]) == 0
    assert "8 of 8 points reused" in capsys.readouterr().err
    after = read_records(out)
    assert {r.label for r in after} == {"Uncoded, renamed"}
    assert [r.metrics for r in after] == [r.metrics for r in before]
