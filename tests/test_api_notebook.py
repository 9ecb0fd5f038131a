"""examples/api_notebook.py at test size: a model defined and registered in a script, trained
with linksim.train, run beside MambaJSCC, the separated chain and uncoded with linksim.run,
compared and reported, through the Python API only."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[1] / "examples" / "api_notebook.py"


@pytest.mark.slow
def test_api_notebook_at_tiny_size(tmp_path):
    env = {**os.environ, "TINY": "1", "OUT": str(tmp_path), "OMP_NUM_THREADS": "1"}
    out = subprocess.run([sys.executable, str(SCRIPT)], capture_output=True, text=True,
                         env=env, timeout=1200, cwd=tmp_path)
    assert out.returncode == 0, out.stderr[-3000:]
    assert "module __main__" in out.stdout                     # registered by the script
    assert (tmp_path / "zoo" / "notebook_jscc-cbr1_16-awgn.pt").is_file()
    records = (tmp_path / "results" / "results.jsonl").read_text().splitlines()
    assert len(records) == 8 and sum('"system": "notebook_jscc"' in r for r in records) == 2
    assert (tmp_path / "results" / "report.html").is_file()
