"""Plugins: an installed package registers parts through the entry-point group
linksim.plugins, a scenario may import local modules (plugins = [...]), and linksim list
shows where each part comes from. No plugin name appears in linksim's code."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

import linksim

ROOT = Path(__file__).resolve().parents[2]
PLUGIN = '''
import linksim
from linksim.tasks.gaussian.systems import GaussianUncoded

@linksim.SYSTEMS.register("{name}")
class Mine(GaussianUncoded):
    """A test plugin's system: uncoded Gaussian transmission under another name."""
'''


def _installed_plugin(tmp: Path) -> Path:
    """A package ``ep_plugin`` with an entry point, installed by a .dist-info folder."""
    (tmp / "ep_plugin.py").write_text(PLUGIN.format(name="ep_system"))
    info = tmp / "ep_plugin-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: ep-plugin\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text("[linksim.plugins]\nmine = ep_plugin\n")
    return tmp


@pytest.mark.slow
def test_entry_point_plugin_is_listed_with_its_origin_and_runs(tmp_path):
    path = _installed_plugin(tmp_path)
    env = {**os.environ, "PYTHONPATH": f"{path}{os.pathsep}{ROOT}",
           "LINKSIM_CACHE": str(tmp_path / "cache")}
    out = subprocess.run([sys.executable, "-m", "linksim", "list"], capture_output=True,
                         text=True, env=env, timeout=300)
    assert out.returncode == 0, out.stderr
    line = next(l for l in out.stdout.splitlines() if "ep_system" in l)
    assert "[gaussian]" in line and "<entry point mine (ep-plugin)>" in line
    code = ("import linksim\nr = linksim.run({'task': 'gaussian', 'source': {'count': 2, "
            "'length': 8}, 'sweep': {'snr_db': [5], 'cbr': [0.5]}, 'channels': [{'name': "
            "'awgn'}], 'systems': [{'name': 'ep_system'}]}, output=%r)\n"
            "print(r.records[0].system, linksim.origin('systems', 'ep_system'))"
            % str(tmp_path / "out"))
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env,
                         timeout=300)
    assert out.stdout.split("\n")[0] == "ep_system entry point mine (ep-plugin)", out.stderr


def test_scenario_plugins_key_imports_a_module_beside_the_scenario(tmp_path):
    (tmp_path / "local_parts.py").write_text(PLUGIN.format(name="local_system"))
    scenario = tmp_path / "s.toml"
    scenario.write_text('task = "gaussian"\nplugins = ["local_parts"]\n[source]\ncount = 2\n'
                        'length = 8\n[sweep]\nsnr_db = [5]\ncbr = [0.5]\n[[channels]]\n'
                        'name = "awgn"\n[[systems]]\nname = "local_system"\n')
    results = linksim.run(scenario, output=tmp_path / "out")
    assert results.records[0].system == "local_system"
    assert linksim.origin("systems", "local_system") == "module local_parts"


def test_a_missing_plugin_module_is_a_located_error(tmp_path):
    scenario = tmp_path / "s.toml"
    scenario.write_text('task = "gaussian"\nplugins = ["no_such_module_xyz"]\n')
    with pytest.raises(linksim.LinksimError, match=r"s.toml:2: plugins: cannot load plugin "
                                                   r"module 'no_such_module_xyz'"):
        linksim.load_scenario(scenario)


def test_no_plugin_name_in_linksims_code():
    names = ("tinyjscc", "own_model")
    hits = [p for p in (ROOT / "linksim").rglob("*.py")
            if any(n in p.read_text().lower() for n in names)]
    assert not hits
