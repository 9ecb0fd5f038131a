"""Bad input: one line naming file, key and fix; exit code 2; no traceback."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import tomllib

import pytest

from linksim.cli import main
from scenario_texts import CASES, GOOD  # tests/scenario/scenario_texts.py


def run_cli(capsys, *argv):
    code = main(list(argv))
    err = capsys.readouterr().err.strip().splitlines()
    return code, err


def one_line(code, err, expected):
    """Exit code 2 and one line naming every part of ``expected`` (no traceback, no
    "internal error")."""
    assert code == 2, err
    assert len(err) == 1 and err[0].startswith("linksim: error: "), err
    for part in expected:
        assert part in err[0], (part, err[0])


@pytest.mark.parametrize("case", sorted(CASES))
def test_one_line_error_exit_2(case, tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    text, expected = CASES[case]
    path = tmp_path / "t.toml"
    path.write_bytes(text) if isinstance(text, bytes) else path.write_text(text)
    code, err = run_cli(capsys, "run", "t.toml")
    one_line(code, err, expected)
    assert not list(tmp_path.rglob("results.jsonl"))  # refused before any point


# --- checkpoints: a damaged weights file or model card of a scenario's checkpoint ------------
CARD = "deepjscc-small-c128-cbr1_48-rayleighfast-snr0_20"
DAMAGES = {
    "truncated": lambda good: good[: len(good) // 2],
    "empty": lambda good: b"",
    "garbage": lambda good: b"not a checkpoint at all\n" * 40,
}


@pytest.mark.parametrize("damage", sorted(DAMAGES) + ["empty_card", "garbage_card"])
def test_damaged_checkpoint_is_a_one_line_error(damage, tmp_path, capsys, monkeypatch):
    from linksim import zoo

    good = zoo.locate(CARD)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("LINKSIM_ZOO", str(tmp_path / "zoo"))
    (tmp_path / "zoo").mkdir()
    weights, card = zoo.weights_path(good).read_bytes(), zoo.card_path(good).read_text()
    if damage in DAMAGES:
        weights, words = DAMAGES[damage](weights), ["broken.pt: checkpoint 'broken': not a "
                                                    "readable torch.save file", "train it again"]
    else:
        card = "" if damage == "empty_card" else "{ not json"
        words = ["broken.json: unreadable model card", "re-save the checkpoint"]
    zoo.weights_path(tmp_path / "zoo" / "broken").write_bytes(weights)
    zoo.card_path(tmp_path / "zoo" / "broken").write_text(card)
    (tmp_path / "t.toml").write_text(GOOD.replace('cbr = "1/2"', 'cbr = "1/48"').replace(
        'name = "uncoded"', 'name = "deepjscc"\ncheckpoint = "broken"'))
    code, err = run_cli(capsys, "run", "t.toml")
    one_line(code, err, ["t.toml:11: [[systems]] 'deepjscc-broken'"] + words)
    assert not list(tmp_path.rglob("results.jsonl"))


def test_damaged_resume_file_is_a_one_line_error(tmp_path, capsys):
    from linksim.training import resume_path
    from linksim.training.synthetic import write_synthetic_images

    data = write_synthetic_images(tmp_path / "d", count=2, size=(32, 32))
    out = tmp_path / "zoo" / "run"
    resume_path(out).parent.mkdir()
    resume_path(out).write_bytes(b"\x00" * 100)
    code, err = run_cli(capsys, "train", "deepjscc", "--data", str(data), "--out", str(out),
                        "--crop", "16", "--batch", "2", "--resume")
    one_line(code, err, [f"{resume_path(out)}: --resume: not a readable torch.save file"])


# --- command-line flags -------------------------------------------------------------------
FLAG_CASES = {
    "fresh_and_append": (["run", "t.toml", "--fresh", "--append"],
                         ["--fresh and --append: choose one"]),
    "workers_not_a_number": (["run", "t.toml", "--workers", "two"],
                             ["linksim run: argument --workers: invalid int value: 'two'",
                              "see linksim run --help"]),
    "unknown_flag": (["run", "t.toml", "--frsh"], ["unrecognized arguments: --frsh"]),
    "missing_scenario": (["run"], ["the following arguments are required: scenario"]),
    "unknown_command": (["rnu", "t.toml"], ["invalid choice: 'rnu'"]),
    "set_without_value": (["run", "t.toml", "--set", "stop.max_items"],
                          ["--set stop.max_items: expected key=value"]),
    "set_out_of_range": (["run", "t.toml", "--set", "sweep.snr_db=[-1e9]"],
                         ["t.toml: --set sweep.snr_db: -1e+09 dB is outside"]),
    "resume_without_resume_file": (["train", "deepjscc", "--data", ".", "--out", "zoo/none",
                                    "--resume"],
                                   ["--resume: zoo/none.resume.pt: no resume file",
                                    "--resume=if-saved"]),
    "resume_bad_choice": (["train", "deepjscc", "--data", ".", "--out", "x", "--resume=maybe"],
                          ["argument --resume: invalid choice: 'maybe'"]),
    "executor_unknown": (["run", "t.toml", "--executor", "nope"], ["unknown executor 'nope'"]),
    "workers_zero": (["run", "t.toml", "--workers", "0"], ["--workers 0: must be at least 1"]),
}


@pytest.mark.parametrize("case", sorted(FLAG_CASES))
def test_bad_command_line_is_one_line_exit_2(case, tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "t.toml").write_text(GOOD)
    argv, expected = FLAG_CASES[case]
    try:
        code = main(argv)
    except SystemExit as exc:  # argparse: the exit code it asks for
        code = exc.code
    one_line(code, capsys.readouterr().err.strip().splitlines(), expected)
    assert not list(tmp_path.rglob("results.jsonl")) and not (tmp_path / "zoo").exists()


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
                                                  'dataset = "folder"\npath = "imgs"')
                                     .replace("count = 2\n", ""))
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


@pytest.mark.slow
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


def test_a_bad_top_level_key_is_refused_before_torch_loads(tmp_path):
    """The scenario's own keys (top level, name, seed, output) are checked before torch or
    any part is imported; keys of the parts need their registered signatures."""
    (tmp_path / "t.toml").write_text("bogus = 1\n" + GOOD)
    code = ("import sys\nfrom linksim.errors import LinksimError\n"
            "from linksim.scenario import load_scenario\n"
            "try:\n    load_scenario(sys.argv[1])\nexcept LinksimError as exc:\n"
            "    print(str(exc).splitlines()[0])\n"
            "print(sorted(m for m in ('torch', 'sionna', 'matplotlib') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code, str(tmp_path / "t.toml")],
                         capture_output=True, text=True, timeout=60)
    lines = out.stdout.strip().splitlines()
    assert "bogus: unknown key" in lines[0], out.stderr
    assert lines[-1] == "[]", out.stderr


#: mistakes in the parts' tables that the catalog finds before torch loads
BEFORE_TORCH = {
    "unknown_system_key": GOOD.replace('name = "uncoded"', 'name = "uncoded"\ncolour = "red"'),
    "unknown_system": CASES["unknown_system"][0],
    "unknown_channel": GOOD.replace('name = "awgn"', 'name = "awgnn"'),
    "unknown_channel_key": CASES["fading_on_awgn"][0],
    "unknown_sweep_axis": GOOD.replace('cbr = "1/2"', 'cbr = "1/2"\nsnr = [1]'),
    "unknown_metric": GOOD.replace('names = ["psnr"]', 'names = ["psnr", "psnrr"]'),
}
HEAVY = "sorted(m for m in ('torch', 'sionna', 'matplotlib') if m in sys.modules)"
#: every scenario text through the pre-check (all first: no part imported yet), then
#: through the full validation; each one's message or null
BOTH = f"""import json, sys, tomllib
from linksim.errors import LinksimError
from linksim.scenario.parse import precheck, validate

def message(check, text):
    try:
        check(tomllib.loads(text), "t.toml", text)
    except LinksimError as exc:
        return str(exc)

cases = json.load(sys.stdin)
pre = {{name: message(precheck, text) for name, text in cases.items()}}
heavy = {HEAVY}
print(json.dumps({{"pre": pre, "heavy": heavy,
                  "full": {{name: message(validate, text) for name, text in cases.items()}}}}))
"""


def closed_env(cache) -> dict[str, str]:
    """The environment of a process without installed plugins and with a current catalog."""
    return {**os.environ, "LINKSIM_CACHE": str(cache), "LINKSIM_DISABLE_PLUGIN_AUTOLOAD": "1"}


def _parses(text) -> bool:
    try:
        return isinstance(text, str) and bool(tomllib.loads(text))
    except tomllib.TOMLDecodeError:
        return False


@pytest.fixture(scope="module")
def both(fresh_catalog):
    """``{"pre": {case: message}, "full": {case: message}, "heavy": [...]}`` of every case."""
    cases = {**{k: t for k, (t, _) in CASES.items() if _parses(t)}, **BEFORE_TORCH}
    out = subprocess.run([sys.executable, "-c", BOTH], input=json.dumps(cases),
                         capture_output=True, text=True, timeout=300,
                         env=closed_env(fresh_catalog))
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)


def test_the_precheck_refuses_as_the_full_validation(both):
    """Where the pre-check refuses, the full validation refuses with the same line; where
    the full validation accepts, so does the pre-check; and it imports no heavy library."""
    assert both["heavy"] == []
    wrong = {k: (pre, both["full"][k]) for k, pre in both["pre"].items()
             if pre is not None and pre != both["full"][k]}
    assert not wrong
    assert all(both["pre"][k] is not None for k in BEFORE_TORCH)


@pytest.mark.parametrize("case", sorted(BEFORE_TORCH))
def test_a_bad_part_table_is_refused_before_torch_loads(case, both, fresh_catalog, tmp_path):
    """A wrong system, channel or metric name, entry key or sweep axis: the full
    validation's line, before torch, Sionna or matplotlib is imported."""
    (tmp_path / "t.toml").write_text(BEFORE_TORCH[case])
    code = ("import sys\nfrom linksim.errors import LinksimError\n"
            "from linksim.scenario import load_scenario\n"
            "try:\n    load_scenario('t.toml')\nexcept LinksimError as exc:\n"
            f"    print(str(exc).splitlines()[0])\nprint({HEAVY})")
    out = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True,
                         text=True, timeout=60, env=closed_env(fresh_catalog))
    lines = out.stdout.strip().splitlines()
    assert lines == [both["full"][case], "[]"], out.stderr


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
