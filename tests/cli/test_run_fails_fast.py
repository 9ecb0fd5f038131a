"""A scenario file that cannot be read fails before torch, Sionna or any part is imported."""
from __future__ import annotations

import subprocess
import sys

import pytest

CODE = ("import sys\nfrom linksim.cli import main\nrc = main(['run', sys.argv[1]])\n"
        "print(rc, sorted(m for m in ('torch', 'sionna', 'numpy') if m in sys.modules), "
        "file=sys.stderr)")


@pytest.mark.parametrize("content,message", [
    (None, "cannot read scenario"),
    (b"name = \xff\n", "not UTF-8 text"),
    (b"name = [\n", "invalid TOML"),
])
def test_unreadable_scenario_fails_before_heavy_imports(tmp_path, content, message):
    path = tmp_path / "s.toml"
    if content is not None:
        path.write_bytes(content)
    out = subprocess.run([sys.executable, "-c", CODE, str(path)], capture_output=True,
                         text=True, timeout=60)
    *lines, last = out.stderr.strip().splitlines()
    assert last == "2 []", out.stderr
    assert message in "\n".join(lines) and "Traceback" not in out.stderr
