"""A dying worker loses nothing, with local processes (--workers 2) and with Ray.

A worker process is killed (SIGKILL) in the middle of a point. Killed once, the point is
run again elsewhere and the sweep finishes with the records of a serial run. Killed on
every attempt, the point is reported as failed after its tries, every finished point is
kept, nothing is recorded twice, and a rerun completes the folder with the serial run's
records.
"""
from __future__ import annotations

import json
import os
import signal
from dataclasses import asdict

import pytest

from linksim.core.executors import make_executor
from linksim.core.executors.base import ATTEMPTS
from linksim.core.record import read_records
from linksim.core.runner import Runner, SilentReporter
from linksim.scenario import load_scenario

# points of several batches (an advance per item), so a worker dies inside one
SCENARIO = """
name = "kill"
task = "gaussian"
seed = 5
[source]
count = 16
length = 8192
[sweep]
snr_db = [5]
cbr = ["1/2", "1"]
[[channels]]
name = "awgn"
[[systems]]
name = "uncoded"
[[systems]]
name = "opta"
[stop]
batch_size = 1
repeats = 30
"""
VOLATILE = ("wall_time_s", "host")


def stable(records):
    return sorted(json.dumps({k: v for k, v in asdict(r).items() if k not in VOLATILE},
                             sort_keys=True) for r in records)


class Killer(SilentReporter):
    """SIGKILLs the worker process running the first point that reports progress, in the
    middle of that point, on its first ``times`` attempts."""

    def __init__(self, times: int = 1):
        self.times, self.target, self.pids, self.killed = times, None, {}, []

    def point_started(self, point, items, worker=""):
        self.pids[id(point)] = int(worker.rsplit(":", 1)[1])

    def advance(self, point, items):
        pid = self.pids.get(id(point))
        if pid is None or pid == os.getpid() or len(self.killed) >= self.times:
            return
        if self.target is None:
            self.target = point
        if point is self.target and pid not in self.killed:
            self.killed.append(pid)
            os.kill(pid, signal.SIGKILL)


@pytest.fixture(scope="module")
def serial(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("serial")
    (tmp / "kill.toml").write_text(SCENARIO)
    sc = load_scenario(tmp / "kill.toml")
    records = Runner(sc, output=tmp / "out").run()
    assert len(records) == 4
    return sc, records


@pytest.fixture(scope="module")
def ray_instance():
    ray = pytest.importorskip("ray")
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    yield
    ray.shutdown()


def executor(kind):
    return make_executor(workers=2) if kind == "processes" else make_executor("ray", workers=2)


def killed_once(kind, serial, tmp_path):
    sc, reference = serial
    killer = Killer(times=1)
    runner = Runner(sc, output=tmp_path / "once", executor=executor(kind), reporter=killer)
    records = runner.run()
    assert len(killer.killed) == 1 and runner.retried >= 1 and not runner.failed
    ids = [r.point_id for r in read_records(tmp_path / "once")]
    assert len(ids) == len(set(ids)) == 4
    assert stable(records) == stable(reference)


def killed_every_time(kind, serial, tmp_path):
    sc, reference = serial
    out = tmp_path / "always"
    killer = Killer(times=ATTEMPTS)
    runner = Runner(sc, output=out, executor=executor(kind), reporter=killer)
    kept = runner.run()
    failed = [point for point, _ in runner.failed]
    # only the point whose worker died every time fails (not the one beside it)
    assert len(killer.killed) == ATTEMPTS and len(failed) == 1 and failed[0] is killer.target
    assert f"{ATTEMPTS} times" in runner.failed[0][1]
    # every point that finished is kept, once, with the serial run's numbers
    assert len(kept) == 3 and len({r.point_id for r in kept}) == 3
    assert set(stable(kept)) <= set(stable(reference))
    rerun = Runner(sc, output=out, executor=executor(kind))
    records = rerun.run()
    assert rerun.reused == len(kept) and not rerun.failed
    assert stable(records) == stable(reference)


@pytest.mark.slow
def test_processes_a_killed_worker_is_retried(serial, tmp_path):
    killed_once("processes", serial, tmp_path)


@pytest.mark.slow
def test_processes_a_point_killed_every_time_fails_and_a_rerun_completes(serial, tmp_path):
    killed_every_time("processes", serial, tmp_path)


@pytest.mark.slow
def test_ray_a_killed_worker_is_retried(serial, ray_instance, tmp_path):
    killed_once("ray", serial, tmp_path)


@pytest.mark.slow
def test_ray_a_point_killed_every_time_fails_and_a_rerun_completes(serial, ray_instance,
                                                                  tmp_path):
    killed_every_time("ray", serial, tmp_path)
