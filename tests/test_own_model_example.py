"""examples/own_model end to end at tiny size: the installed plugin package registers its
system by entry point (linksim list shows it), linksim train trains it, the scenario runs it
beside the shipped MambaJSCC, the separated chain and uncoded, linksim compare pairs it with
the separated chain and the report shows it. Skipped unless the example is installed
(pip install -e examples/own_model; CI installs it)."""
from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "own_model"


@pytest.mark.slow
@pytest.mark.skipif(importlib.util.find_spec("own_model") is None,
                    reason="examples/own_model is not installed")
@pytest.mark.slow
def test_own_model_example_end_to_end_at_tiny_size(tmp_path):
    for name in ("run.sh", "scenario.toml"):
        shutil.copy(EXAMPLE / name, tmp_path / name)
    env = {**os.environ, "TINY": "1", "LINKSIM_CACHE": os.environ.get(
        "LINKSIM_CACHE", str(Path.home() / ".cache" / "linksim"))}
    out = subprocess.run(["bash", str(tmp_path / "run.sh")], capture_output=True, text=True,
                         env=env, timeout=1200)
    assert out.returncode == 0, out.stderr[-3000:]
    listed = [l for l in out.stdout.splitlines() if l.lstrip().startswith("tinyjscc")]
    assert listed and "<entry point own_model (linksim-own-model)>" in listed[0]
    assert (tmp_path / "zoo" / "tinyjscc-tiny-cbr1_16-awgn-snr0_20.pt").is_file()
    records = (tmp_path / "results-tiny" / "results.jsonl").read_text()
    assert '"system": "tinyjscc"' in records and '"system": "mambajscc"' in records
    rows = [l for l in out.stdout.splitlines() if l.startswith("awgn-mmse | ")]
    assert len(rows) == 2                       # TinyJSCC - separated at 0 and 10 dB, paired
    report = (tmp_path / "results-tiny" / "report.html").read_text()
    assert "TinyJSCC (own model)" in report and "data:image/png;base64," in report
