"""The Triton scan backend on CPU through Triton's interpreter (``TRITON_INTERPRET=1``):
values and every gradient against the sequential reference, with and without CSI-ReST, both
modes, odd lengths, half-precision inputs and GSSM scan orders through index maps.

The interpreter must be switched on before Triton is imported and must not leak into the
other tests, so the cases (tests/triton_interpret_cases.py) run once in a subprocess and each
case is asserted here. Skipped when Triton is not installed (``pip install -e ".[test]"``
installs it).
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("triton")

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from triton_interpret_cases import CASES  # noqa: E402  (imports nothing from Triton)

sys.path.remove(str(HERE))

#: largest relative error (max |got - ref| / max |ref|) of the output and of each gradient
TOLERANCE = {"float32": 2e-5, "bfloat16": 3e-2, "float16": 4e-3}

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def results():
    env = {**os.environ, "TRITON_INTERPRET": "1", "PYTHONPATH": str(HERE.parent)}
    out = subprocess.run([sys.executable, str(HERE / "triton_interpret_cases.py")], capture_output=True,
                         text=True, env=env, cwd=HERE.parent, timeout=600)
    assert out.returncode == 0, out.stderr[-3000:]
    return json.loads(out.stdout.strip().splitlines()[-1])


@pytest.mark.slow
@pytest.mark.parametrize("name", list(CASES))
def test_triton_matches_reference(results, name):
    _, case = CASES[name]
    tol = TOLERANCE[str(case.get("dtype", "torch.float32")).removeprefix("torch.")]
    errors = results[name]
    # the output, the gradients of u, delta, A, B, C at least, and of snr_db when CSI-ReST is on
    assert {"y", "du", "ddelta", "dA", "dB", "dC"} <= set(errors)
    assert ("dsnr_db" in errors) == (case["csi"] is not None)
    bad = {k: v for k, v in errors.items() if not v <= tol}
    assert not bad, f"{name}: relative errors above {tol}: {bad}"


def test_self_check_on_a_gpu_that_fails_warns_once_and_declines(monkeypatch):
    """auto must not pick a Triton kernel that cannot run on the device it was given."""
    from linksim.mamba import scan_triton

    monkeypatch.setattr(scan_triton, "_checked", {})
    with pytest.warns(RuntimeWarning, match="failed its check on cuda:7"):
        assert scan_triton._self_check("cuda:7") is False  # no such device here: the check fails
    assert scan_triton._checked == {"cuda:7": False}
    assert scan_triton._self_check("cuda:7") is False  # cached: no second warning


def test_self_check_passes_in_the_interpreter():
    code = ("import torch; from linksim.mamba import scan_triton as s; "
            "torch.set_grad_enabled(False); print(s._self_check('cpu'), torch.is_grad_enabled())")
    env = {**os.environ, "TRITON_INTERPRET": "1", "PYTHONPATH": str(HERE.parent)}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=300)
    assert out.stdout.split() == ["True", "False"], out.stderr[-2000:]
