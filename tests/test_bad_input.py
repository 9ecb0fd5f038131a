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
    "folder_without_path": (GOOD.replace('dataset = "samples"', 'dataset = "folder"'),
                            ["t.toml:2:", "source", "needs path"]),
    "infinite_range": (GOOD.replace("snr_db = [0, 10]", 'snr_db = "0:inf:1"'),
                       ["t.toml:7:", "sweep.snr_db", "finite"]),
    "nan_snr": (GOOD.replace("snr_db = [0, 10]", "snr_db = [nan]"),
                ["t.toml:7:", "sweep.snr_db", "finite"]),
    "cbr_the_system_cannot_do": (GOOD.replace('cbr = "1/2"', 'cbr = "1"'),
                                 ["t.toml:11: [[systems]] 'uncoded'", "cbr=1 > 1/2 is not supported"]),
    "negative_seed": ('seed = -5\n' + GOOD, ["t.toml:1:", "seed", "non-negative"]),
    "zero_crop": (GOOD.replace("crop = 32", "crop = 0"), ["t.toml:4:", "source.crop", "positive"]),
    "negative_crop": (GOOD.replace("crop = 32", "crop = -64"), ["source.crop", "positive"]),
    "zero_count": (GOOD.replace("count = 2", "count = 0"), ["t.toml:5:", "source.count"]),
    "negative_count": (GOOD.replace("count = 2", "count = -1"), ["source.count"]),
    "string_bool": (GOOD.replace('name = "uncoded"', 'name = "uncoded"\nlmmse = "false"'),
                    ["t.toml:11: [[systems]]", "lmmse='false': expected true or false"]),
    "negative_target_ci": (GOOD + "[stop]\ntarget_ci = -1\n", ["stop.target_ci", "positive"]),
    "duplicate_metric": (GOOD.replace('names = ["psnr"]', 'names = ["psnr", "psnr"]'),
                         ["metrics.names", "named twice"]),
    "huge_batch": (GOOD + "[stop]\nbatch_size = 1000000000\n", ["stop.batch_size", "4096"]),
    "fading_on_awgn": (GOOD.replace('name = "awgn"', 'name = "awgn"\nfading = "fast"'),
                       ["t.toml:11:", "channels.0.fading", "unknown key"]),
    "slow_fading": (GOOD.replace('name = "awgn"', 'name = "rayleigh"\nfading = "slow"'),
                    ["t.toml:9: [[channels]]", "fading='slow': choose one of block, fast"]),
    "unknown_mcs": (GOOD.replace('name = "uncoded"', 'name = "separated"\nmcs = "64qam-9/10"'),
                    ["t.toml:11: [[systems]]", "64qam-9/10"]),
    "learned_without_checkpoint": (GOOD.replace('name = "uncoded"', 'name = "deepjscc"'),
                                   ["t.toml:11:", "systems.0", "random_weights = true"]),
    "checkpoint_typo": (GOOD.replace('name = "uncoded"', 'name = "deepjscc"\ncheckpiont = "x"'),
                        ["t.toml:13:", "systems.0.checkpiont", "unknown key", "checkpoint"]),
    "unknown_task": ('task = "video"\n' + GOOD, ["t.toml:1:", "task", "unknown task 'video'"]),
    "system_of_other_task": (GOOD.replace('name = "uncoded"', 'name = "opta"'),
                             ["t.toml:12:", "systems.0.name", "unknown system 'opta' for task"]),
    "huge_grid": (GOOD.replace("snr_db = [0, 10]", 'snr_db = "0:200000:0.1"'),
                  ["sweep.snr_db", "use a larger step"]),
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


def test_set_names_the_override_not_line_1(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "t.toml").write_text(GOOD)
    code, err = run_cli(capsys, "run", "t.toml", "--set", "foo=1")
    assert code == 2 and err == ["linksim: error: t.toml: --set foo: unknown key; valid keys: "
                                 "name, task, seed, output, device, source, sweep, channels, "
                                 "systems, metrics, stop, plugins"]


@pytest.mark.parametrize("setup, words", [
    ("file", "is a file, not a folder"),
    ("readonly", "cannot write results"),
    ("locked", "another linksim run is writing here"),
    ("other_seed", "another seed, source, stop rule or metrics"),
])
def test_output_folder_problems_before_any_work(setup, words, tmp_path, capsys, monkeypatch):
    """Each is refused before a point is computed, and existing records stay byte-identical."""
    import os

    from linksim.core.output import FolderLock

    monkeypatch.chdir(tmp_path)
    (tmp_path / "t.toml").write_text(GOOD)
    out = tmp_path / "out"
    assert run_cli(capsys, "run", "t.toml", "--out", str(out), "--no-plots")[0] == 0
    before = (out / "results.jsonl").read_bytes()
    args = ["run", "t.toml", "--out", str(out), "--no-plots", "--set", "sweep.snr_db=[0, 5]"]
    if setup == "file":
        args[3] = str(out / "results.jsonl")
    elif setup == "readonly":
        if os.geteuid() != 0:
            out.chmod(0o500)
        elif subprocess.run(["chattr", "+i", str(out)], capture_output=True).returncode:
            pytest.skip("root writes into read-only folders and chattr +i is not permitted")
    elif setup == "other_seed":
        args += ["--set", "seed=7"]
    if setup == "locked":
        with FolderLock(out):
            code, err = run_cli(capsys, *args)
    else:
        code, err = run_cli(capsys, *args)
    if setup == "readonly" and os.geteuid() == 0:
        subprocess.run(["chattr", "-i", str(out)], check=True)
    out.chmod(0o700)
    assert code == 2 and len(err) == 1 and words in err[0], err
    assert (out / "results.jsonl").read_bytes() == before


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


def test_help_and_version_import_no_heavy_library():
    """The CLI loads the library lazily: --help and --version import neither torch nor
    Sionna (the start-up time is measured by benchmarks, not here)."""
    code = ("import sys\nfrom linksim.cli import build_parser\n"
            "build_parser().format_help()\n"
            "print(sorted(m for m in ('torch', 'sionna', 'matplotlib') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.stdout.strip() == "[]", out.stderr


def test_cuda_device_without_a_gpu_is_a_clear_error(tmp_path, capsys, monkeypatch):
    import torch

    if torch.cuda.is_available():
        pytest.skip("this machine has a GPU")
    monkeypatch.chdir(tmp_path)
    (tmp_path / "t.toml").write_text('device = "cuda"\n' + GOOD)
    code, err = run_cli(capsys, "run", "t.toml")
    assert code == 2 and len(err) == 1 and "sees no CUDA GPU" in err[0]
    assert not (tmp_path / "results").exists()


def test_unexpected_error_is_one_line_with_a_log(tmp_path, monkeypatch, capsys):
    """A bug (not a user error) ends with one line naming the exception and a log file that
    holds the full traceback; exit code 1."""
    import linksim.cli.list as list_cli

    def boom(args):
        raise ZeroDivisionError("a bug\nsecond line")

    monkeypatch.setenv("LINKSIM_CACHE", str(tmp_path))
    monkeypatch.delenv("LINKSIM_DEBUG", raising=False)
    monkeypatch.setattr(list_cli, "main", boom)
    assert main(["list"]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "internal error: ZeroDivisionError: a bug (full traceback in" in err[0]
    log = next((tmp_path / "logs").glob("crash-*.log")).read_text()
    assert "Traceback" in log and "ZeroDivisionError" in log and "list" in log.splitlines()[0]
