"""Bad input: one line naming file, key and fix; exit code 2; no traceback."""
from __future__ import annotations

import subprocess
import sys

import pytest

from linksim.cli import main

GOOD = """name = "t"
[source]
dataset = "samples"
crop = 32
count = 2
[sweep]
snr_db = [0, 10]
cbr = "1/2"
[[channels]]
name = "awgn"
[[systems]]
name = "uncoded"
[metrics]
names = ["psnr"]
"""

CASES = {
    "malformed": (GOOD.replace('name = "awgn"', 'name = "awgn'), ["t.toml:10:", "invalid TOML"]),
    "unknown_key": (GOOD.replace("count = 2", "count = 2\ncrops = 3"),
                    ["t.toml:6:", "source.crops", "unknown key", "valid keys: dataset"]),
    "unknown_system_param": (GOOD.replace('name = "uncoded"', 'name = "uncoded"\nlmse = true'),
                             ["t.toml:13:", "systems.0.lmse", "valid keys", "lmmse"]),
    "wrong_type": (GOOD.replace("count = 2", 'count = "two"'),
                   ["t.toml:5:", "source.count", "count='two': expected a whole number"]),
    "empty_sweep": (GOOD.replace("snr_db = [0, 10]", "snr_db = []"),
                    ["t.toml:7:", "sweep.snr_db", "empty sweep"]),
    "backwards_range": (GOOD.replace("snr_db = [0, 10]", 'snr_db = "10:0:2"'),
                        ["sweep.snr_db", "empty sweep"]),
    "unknown_system": (GOOD.replace('name = "uncoded"', 'name = "uncodd"'),
                       ["t.toml:12:", "systems.0.name", "unknown system 'uncodd'", "uncoded"]),
    "unknown_checkpoint_in_list": (
        GOOD.replace('name = "uncoded"', 'name = "deepjscc"\nlabel = "DJ"\n'
                     'checkpoint = ["no-such-checkpoint"]'),
        ["t.toml:11: [[systems]] 'DJ': checkpoint 'no-such-checkpoint': not found", "linksim train"]),
    "missing_folder": (GOOD.replace('dataset = "samples"', 'dataset = "folder"\npath = "nowhere"'),
                       ["t.toml: [source]:", "nowhere: image folder not found", "[source] path"]),
}


def run_cli(capsys, *argv):
    code = main(list(argv))
    err = capsys.readouterr().err.strip().splitlines()
    return code, err


@pytest.mark.parametrize("case", sorted(CASES))
def test_one_line_error_exit_2(case, tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    text, expected = CASES[case]
    (tmp_path / "t.toml").write_text(text)
    code, err = run_cli(capsys, "run", "t.toml")
    assert code == 2
    assert len(err) == 1 and err[0].startswith("linksim: error: "), err
    for part in expected:
        assert part in err[0], (part, err[0])


def test_unreadable_image(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "imgs").mkdir()
    (tmp_path / "imgs" / "broken.png").write_bytes(b"not a png at all")
    (tmp_path / "t.toml").write_text(GOOD.replace('dataset = "samples"',
                                                  'dataset = "folder"\npath = "imgs"'))
    code, err = run_cli(capsys, "run", "t.toml")
    assert code == 2 and len(err) == 1
    assert "broken.png: cannot read image" in err[0]


def test_bad_override_and_missing_file(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "t.toml").write_text(GOOD)
    code, err = run_cli(capsys, "run", "t.toml", "--set", "stop.max_items=0")
    assert code == 2 and "stop.max_items: must be at least 1" in err[0]
    code, err = run_cli(capsys, "run", "absent.toml")
    assert code == 2 and "absent.toml: cannot read scenario" in err[0]


def test_process_exit_code_and_no_traceback(tmp_path):
    (tmp_path / "t.toml").write_text(CASES["wrong_type"][0])
    proc = subprocess.run([sys.executable, "-m", "linksim", "run", "t.toml"], cwd=tmp_path,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr and len(proc.stderr.strip().splitlines()) == 1
