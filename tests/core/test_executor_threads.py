"""One PyTorch thread per point by default, one worker per core by default: the serial
executor, local processes and Ray give bit-identical records of shipped checkpoints."""
from __future__ import annotations

import json
import os
from dataclasses import asdict

import pytest
import torch

from linksim.core.executors import default_workers, make_executor
from linksim.core.executors.base import THREADS
from linksim.core.runner import Runner
from linksim.errors import LinksimError
from linksim.scenario import load_scenario

# the quick start in miniature: shipped checkpoints (an SNR-adaptive one, a per-SNR list
# whose encoders are reused) and uncoded, over AWGN and Rayleigh block fading
MINI_QUICKSTART = """
name = "mini-quickstart"
seed = 0
[source]
dataset = "samples"
crop = 48
count = 2
[sweep]
snr_db = [0, 10]
cbr = ["1/16"]
[[channels]]
name = "awgn"
equalizer = "mmse"
[[channels]]
name = "rayleigh"
fading = "block"
equalizer = "mmse"
[[systems]]
name = "mambajscc"
checkpoint = "mambajscc-small-cbr1_16-rayleigh-snr0_20"
[[systems]]
name = "deepjscc"
checkpoint = ["deepjscc-small-cbr1_16-rayleigh-snr0", "deepjscc-small-cbr1_16-rayleigh-snr10"]
[[systems]]
name = "uncoded"
[metrics]
names = ["psnr", "ms_ssim"]
[stop]
batch_size = 2
"""
VOLATILE = ("wall_time_s", "host")


def stable(records):
    return [json.dumps({k: v for k, v in asdict(r).items() if k not in VOLATILE},
                       sort_keys=True) for r in records]


class ThreadsSeen:
    """A reporter that notes PyTorch's thread count when each point finishes."""

    def __init__(self):
        self.threads = []

    def start(self, total, done): pass
    def point_started(self, point, items, worker=""): pass
    def advance(self, point, items): pass
    def point_failed(self, point, error): pass

    def point_finished(self, point, record):
        self.threads.append(torch.get_num_threads())


def test_serial_runs_on_one_thread_and_restores_the_setting(tmp_path):
    (tmp_path / "g.toml").write_text('task = "gaussian"\nname = "g"\n[source]\ncount = 2\n'
                                     'length = 64\n[sweep]\nsnr_db = [0, 5]\ncbr = ["1"]\n'
                                     '[[channels]]\nname = "awgn"\n[[systems]]\nname = "uncoded"\n')
    sc = load_scenario(tmp_path / "g.toml")
    before = torch.get_num_threads()
    torch.set_num_threads(2)
    try:
        seen = ThreadsSeen()
        Runner(sc, output=tmp_path / "out", reporter=seen).run()
        assert seen.threads == [THREADS, THREADS] == [1, 1]
        assert torch.get_num_threads() == 2
        seen = ThreadsSeen()
        Runner(sc, output=tmp_path / "out2", reporter=seen,
               executor=make_executor(threads=2)).run()
        assert seen.threads == [2, 2]
    finally:
        torch.set_num_threads(before)


def test_workers_fork_from_the_driver_only_on_one_thread():
    """A process forked from one whose OpenMP pool runs hangs in its first parallel region:
    workers with more threads start from the fork server."""
    from linksim.core.executors.processes import START_METHOD

    assert make_executor(workers=2)._ctx.get_start_method() == START_METHOD
    assert make_executor(workers=2, threads=2)._ctx.get_start_method() == "forkserver"


def test_threads_must_be_positive():
    with pytest.raises(LinksimError, match="--threads 0: must be at least 1"):
        make_executor(threads=0)


def test_default_workers_one_per_usable_core(monkeypatch):
    monkeypatch.delenv("LINKSIM_WORKERS", raising=False)
    assert default_workers() == len(os.sched_getaffinity(0))
    monkeypatch.setenv("LINKSIM_WORKERS", "3")
    assert default_workers() == 3


@pytest.mark.slow
def test_serial_processes_and_ray_give_identical_records(tmp_path):
    (tmp_path / "q.toml").write_text(MINI_QUICKSTART)
    sc = load_scenario(tmp_path / "q.toml")
    before = torch.get_num_threads()
    torch.set_num_threads(2)  # the driver's own setting does not leak into the records
    try:
        serial = Runner(sc, output=tmp_path / "serial").run()
    finally:
        torch.set_num_threads(before)
    assert len(serial) == 2 * 2 * 3
    runs = {"processes": Runner(sc, output=tmp_path / "w2",
                                executor=make_executor(workers=2)).run()}
    try:
        import ray
    except ImportError:
        ray = None
    if ray is not None:
        ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
        try:
            runs["ray"] = Runner(sc, output=tmp_path / "ray",
                                 executor=make_executor("ray", workers=2)).run()
        finally:
            ray.shutdown()
    for name, records in runs.items():
        assert stable(records) == stable(serial), name
        assert [r.values for r in records] == [r.values for r in serial], name
    if ray is None:
        pytest.skip("Ray is not installed: serial and processes compared only")


@pytest.mark.slow
def test_two_thread_workers_give_the_two_thread_serial_records(tmp_path):
    """More threads per point: the workers start (no hang) and match a serial run at the
    same thread count."""
    (tmp_path / "q.toml").write_text(MINI_QUICKSTART.replace('names = ["psnr", "ms_ssim"]',
                                                             'names = ["psnr"]'))
    sc = load_scenario(tmp_path / "q.toml")
    serial = Runner(sc, output=tmp_path / "serial", executor=make_executor(threads=2)).run()
    parallel = Runner(sc, output=tmp_path / "w2",
                      executor=make_executor(workers=2, threads=2)).run()
    assert len(serial) == 12 and stable(parallel) == stable(serial)
