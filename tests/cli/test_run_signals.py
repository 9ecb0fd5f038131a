"""linksim run stopped from outside: SIGTERM (a session or scheduler ending the job), and
SIGINT sent to a run that a script started in the background (SIGINT inherited as ignored),
stop it like Ctrl-C: every finished point kept, results.csv and the figures written, exit
code 130; the next run resumes."""
from __future__ import annotations

import signal
import subprocess
import sys
import time

import pytest

from linksim.core.record import read_records

SLOW = """
name = "signals"
task = "gaussian"
[source]
count = 32
length = 4096
[sweep]
snr_db = "0:20:1"
cbr = ["1/2", "1"]
[[channels]]
name = "awgn"
[[systems]]
name = "uncoded"
[stop]
batch_size = 1
repeats = 8
"""


def ignore_sigint() -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)   # as `cmd &` in a non-interactive shell


@pytest.mark.slow
@pytest.mark.parametrize("sig", ["SIGTERM", "SIGINT"])
def test_signal_keeps_records_and_writes_table_and_figures(sig, tmp_path):
    path, out = tmp_path / "s.toml", tmp_path / "out"
    path.write_text(SLOW)
    proc = subprocess.Popen([sys.executable, "-m", "linksim", "run", str(path), "--out",
                             str(out)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            text=True, preexec_fn=ignore_sigint if sig == "SIGINT" else None)
    deadline = time.monotonic() + 240
    while not (out / "results.jsonl").is_file() and time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"the run ended before a point finished: {proc.stderr.read()}")
        time.sleep(0.2)
    proc.send_signal(getattr(signal, sig))
    err = proc.communicate(timeout=240)[1]
    assert proc.returncode == 130, err
    assert "interrupted; every finished point is kept" in err and "Traceback" not in err
    kept = read_records(out)
    assert 1 <= len(kept) < 42
    assert len((out / "results.csv").read_text().splitlines()) == 1 + len(kept)
    assert sorted(p.name for p in out.glob("*.png"))  # the finished points' figures
