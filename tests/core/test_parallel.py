"""Parallel grid points: local processes and Ray give the records of a serial run.

Every comparison is field by field on whole records (all fields but wall time and host),
in file order, so neither the numbers nor the order may depend on the executor, the
number of workers or the order in which points finished.
"""
from __future__ import annotations

import json
import os
import signal
from dataclasses import asdict

import pytest

from linksim.cli import main
from linksim.core.executors import make_executor
from linksim.core.record import read_records
from linksim.core.runner import Runner, SilentReporter
from linksim.scenario import load_scenario

VOLATILE = ("wall_time_s", "host")
# points at 400 dB fail deterministically at run time (uncoded: NaN estimate; OPTA: -inf
# distortion); validation refuses such an SNR, so `failing` adds it to a validated grid
FAILING_DB = 400.0
GAUSSIAN = """
name = "par-gauss"
task = "gaussian"
seed = 11
[source]
count = 6
length = 256
[sweep]
snr_db = [0, 10]
cbr = ["1/2", "1"]
[[channels]]
name = "awgn"
[[channels]]
name = "rayleigh"
fading = "fast"
[[systems]]
name = "uncoded"
[[systems]]
name = "opta"
[stop]
batch_size = 4
repeats = 2
"""
IMAGE = """
name = "par-image"
seed = 4
[source]
dataset = "samples"
crop = 64
count = 2
[sweep]
snr_db = [0, 10]
cbr = ["1/8"]
[[channels]]
name = "rayleigh"
fading = "fast"
[[systems]]
name = "uncoded"
[[systems]]
name = "deepjscc"
random_weights = true
[stop]
batch_size = 1
"""
# long enough points (several batches) to kill a worker in the middle of one
SLOW = (GAUSSIAN.replace("snr_db = [0, 10]", "snr_db = [5]")
        .replace("length = 256", "length = 4096")
        .replace("batch_size = 4\nrepeats = 2", "batch_size = 1\nrepeats = 20"))
ONE_CHANNEL = GAUSSIAN.replace('[[channels]]\nname = "rayleigh"\nfading = "fast"\n', "")


def stable(records):
    return [json.dumps({k: v for k, v in asdict(r).items() if k not in VOLATILE},
                       sort_keys=True) for r in records]


def scenario(tmp_path, text, name, failing=False):
    path = tmp_path / f"{name}.toml"
    path.write_text(text)
    return with_failing_points(load_scenario(path)) if failing else load_scenario(path)


def with_failing_points(sc):
    """``sc`` with :data:`FAILING_DB` added to its SNRs (past validation)."""
    sc.sweep["snr_db"].append(FAILING_DB)
    return sc


def run(sc, out, executor=None, reporter=None):
    runner = Runner(sc, output=out, executor=executor, reporter=reporter)
    records = runner.run()
    return runner, records


@pytest.fixture(scope="module")
def gaussian_serial(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("serial")
    sc = scenario(tmp, GAUSSIAN, "g", failing=True)
    runner, records = run(sc, tmp / "out")
    assert len(records) == 16 and len(runner.failed) == 8  # 24 points, the 400 dB ones fail
    return sc, records, [(p.describe(runner.task), e) for p, e in runner.failed]


@pytest.mark.slow
def test_two_workers_give_the_serial_records(gaussian_serial, tmp_path):
    sc, serial, failed = gaussian_serial
    runner, records = run(sc, tmp_path / "w2", make_executor(workers=2))
    assert stable(records) == stable(serial) == stable(read_records(tmp_path / "w2"))
    assert [(p.describe(runner.task), e) for p, e in runner.failed] == failed
    assert {r.host for r in records} and runner.retried == 0


@pytest.mark.slow
def test_ray_gives_the_serial_records(gaussian_serial, tmp_path):
    ray = pytest.importorskip("ray")
    sc, serial, failed = gaussian_serial
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    try:
        runner, records = run(sc, tmp_path / "ray", make_executor("ray"))
    finally:
        ray.shutdown()
    assert stable(records) == stable(serial)
    assert [(p.describe(runner.task), e) for p, e in runner.failed] == failed


@pytest.mark.slow
def test_image_task_with_random_weights_matches_serial(tmp_path):
    """Randomly initialised weights are seeded per variant, so a worker that builds the
    model on its own gets the serial run's weights."""
    sc = scenario(tmp_path, IMAGE, "i")
    _, serial = run(sc, tmp_path / "serial")
    _, parallel = run(sc, tmp_path / "w2", make_executor(workers=2))
    assert len(serial) == 4 and stable(parallel) == stable(serial)


class KillOneWorker(SilentReporter):
    """Kills (SIGKILL) the worker of the first point that reports progress mid-point."""

    def __init__(self):
        self.workers, self.killed = {}, None

    def point_started(self, point, items, worker=""):
        self.workers[id(point)] = int(worker.rsplit(":", 1)[1])

    def advance(self, point, items):
        pid = self.workers[id(point)]
        if self.killed is None and pid != os.getpid():
            os.kill(pid, signal.SIGKILL)
            self.killed = pid


@pytest.mark.slow
def test_a_killed_worker_loses_and_duplicates_nothing(tmp_path):
    sc = scenario(tmp_path, SLOW, "slow")
    _, serial = run(sc, tmp_path / "serial")
    killer = KillOneWorker()
    runner, records = run(sc, tmp_path / "killed", make_executor(workers=2), killer)
    assert killer.killed is not None and runner.retried >= 1 and not runner.failed
    ids = [r.point_id for r in read_records(tmp_path / "killed")]
    assert len(ids) == len(set(ids)) == 8
    assert stable(records) == stable(serial)


class StopAfter(SilentReporter):
    """The driver dies (KeyboardInterrupt) when its ``n``-th point finishes."""

    def __init__(self, n):
        self.n = n

    def point_finished(self, point, record):
        self.n -= 1
        if self.n == 0:
            raise KeyboardInterrupt


@pytest.mark.slow
def test_interrupted_parallel_run_resumes(gaussian_serial, tmp_path):
    sc, serial, _ = gaussian_serial
    with pytest.raises(KeyboardInterrupt):
        run(sc, tmp_path / "r", make_executor(workers=2), StopAfter(5))
    assert len(read_records(tmp_path / "r")) == 4
    runner, records = run(sc, tmp_path / "r", make_executor(workers=2))
    assert runner.reused == 4 and stable(records) == stable(serial)


@pytest.mark.slow
def test_cli_reports_each_failed_point_once_and_exits_1(tmp_path, capsys, monkeypatch):
    import linksim.scenario

    validated = linksim.scenario.load_scenario
    monkeypatch.setattr(linksim.scenario, "load_scenario",
                        lambda *a, **k: with_failing_points(validated(*a, **k)))
    path = tmp_path / "g.toml"
    path.write_text(ONE_CHANNEL)
    out = tmp_path / "cli"
    args = ["run", str(path), "--out", str(out), "--no-plots", "--workers", "2",
            "--set", "sweep.cbr=\"1/2\""]
    code = main(args)
    captured = capsys.readouterr()
    rows = [r for r in captured.out.splitlines() if "FAILED" in r]
    assert code == 1 and len(rows) == 2 and all(" 400 " in r for r in rows)
    listed = [line for line in captured.err.splitlines() if line.startswith("  ")]
    assert "2 grid points failed" in captured.err and len(listed) == 2
    assert "uncoded | awgn | snr_db 400 | cbr 1/2: a metric value is nan" in listed[0]
    assert len(read_records(out)) == 4


@pytest.mark.parametrize("args, words", [
    (["--executor", "serial", "--workers", "2"], "runs one point at a time"),
    (["--workers", "2", "--address", "auto"], "only --executor ray takes an address"),
    (["--workers", "0"], "must be at least 1"),
    (["--executor", "nope"], "unknown executor 'nope'"),
])
def test_bad_executor_options_are_one_line_errors(args, words, tmp_path, capsys):
    path = tmp_path / "g.toml"
    path.write_text(GAUSSIAN)
    assert main(["run", str(path), "--out", str(tmp_path / "o")] + args) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and words in err[0], err
