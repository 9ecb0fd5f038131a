"""``linksim train`` and ``linksim bench`` from the command line."""
from __future__ import annotations

import json

import pytest

from linksim.cli import main
from linksim.training.synthetic import write_synthetic_images


def test_train_writes_checkpoint_and_card(tmp_path, capsys):
    data = write_synthetic_images(tmp_path / "d", count=2, size=(32, 32))
    out = tmp_path / "zoo" / "cli-dj"
    rc = main(["train", "deepjscc", "--data", str(data), "--val", str(data), "--out", str(out),
               "--cbr", "1/12", "--snr", "1,4,7", "--channel", "rayleigh", "--fading", "fast",
               "--steps", "2", "--batch", "2", "--crop", "16", "--val-crop", "32",
               "--threads", "1", "--set", "kernel=3"])
    assert rc == 0
    card = json.loads((tmp_path / "zoo" / "cli-dj.json").read_text())
    assert (tmp_path / "zoo" / "cli-dj.pt").is_file()
    assert card["snr_db"] == "1,4,7" and card["config"]["kernel"] == 3
    assert card["channel"] == {"name": "rayleigh", "fading": "fast"} and card["cbr"] == 1 / 12
    assert json.loads(capsys.readouterr().out.strip().splitlines()[-1])["id"] == "cli-dj"


def test_ctrl_c_saves_the_run_and_says_how_to_resume(tmp_path, capsys, monkeypatch):
    from linksim.training import Trainer, resume_path

    step = Trainer.train_step

    def interrupt_at_third(self):
        if self.step == 2:
            raise KeyboardInterrupt
        return step(self)

    monkeypatch.setattr(Trainer, "train_step", interrupt_at_third)
    data = write_synthetic_images(tmp_path / "d", count=2, size=(32, 32))
    out = tmp_path / "zoo" / "cut"
    args = ["train", "deepjscc", "--data", str(data), "--out", str(out), "--steps", "5",
            "--batch", "2", "--crop", "16", "--threads", "1"]
    assert main(args) == 130
    assert f"saved in {resume_path(out)}" in capsys.readouterr().err
    monkeypatch.setattr(Trainer, "train_step", step)
    assert main(args + ["--resume"]) == 0
    assert json.loads((tmp_path / "zoo" / "cut.json").read_text())["steps"] == 5


@pytest.mark.parametrize("sig", ["SIGTERM", "SIGINT"])
def test_sigterm_and_an_ignored_sigint_save_the_run(tmp_path, capsys, monkeypatch, sig):
    """A job ended by SIGTERM, or sent SIGINT after a shell started it with SIGINT ignored
    (a background job of a script), saves its resume file like Ctrl-C."""
    import os
    import signal

    from linksim.training import Trainer, resume_path

    step = Trainer.train_step

    def signal_at_third(self):
        if self.step == 2:
            os.kill(os.getpid(), getattr(signal, sig))
        return step(self)

    monkeypatch.setattr(Trainer, "train_step", signal_at_third)
    before = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        data = write_synthetic_images(tmp_path / "d", count=2, size=(32, 32))
        out = tmp_path / "zoo" / "term"
        assert main(["train", "deepjscc", "--data", str(data), "--out", str(out), "--steps",
                     "5", "--batch", "2", "--crop", "16", "--threads", "1"]) == 130
        assert f"saved in {resume_path(out)}" in capsys.readouterr().err
        assert signal.getsignal(signal.SIGINT) is signal.SIG_IGN   # restored
    finally:
        signal.signal(signal.SIGINT, before)


def test_bad_flags_are_one_line_errors(tmp_path, capsys):
    data = write_synthetic_images(tmp_path / "d", count=1, size=(32, 32))
    common = ["train", "deepjscc", "--data", str(data), "--out", str(tmp_path / "x")]
    assert main(common + ["--snr", "hot"]) == 2
    assert "--snr 'hot'" in capsys.readouterr().err
    assert main(common + ["--set", "kernel"]) == 2
    assert "--set 'kernel': expected key=value" in capsys.readouterr().err
    assert main(common + ["--cbr", "1/0"]) == 2
    assert "--cbr '1/0'" in capsys.readouterr().err


def test_bench_json(capsys):
    assert main(["bench", "deepjscc", "--cbr", "1/16", "--size", "32", "--repeats", "1",
                 "--json"]) == 0
    r = json.loads(capsys.readouterr().out)
    assert r["params"] == 140242 and r["macs"] > 0


def test_card_command_reproduces_the_configuration():
    """The command a model card keeps parses back to the same training configuration."""
    import shlex

    from linksim.cli import build_parser
    from linksim.cli.train import config_from_args

    argv = ["train", "swinjscc", "--data", "../shared/data/photos", "--out", "zoo/x",
            "--cbr", "1/48", "--channel", "rayleigh", "--fading", "fast", "--set",
            "dims=[48, 96]", "--steps", "30000", "--crop", "128", "--lr", "5e-4",
            "--val", "../shared/data/kodak", "--val-count", "8", "--threads", "1"]
    cfg = config_from_args(build_parser().parse_args(argv))
    again = config_from_args(build_parser().parse_args(shlex.split(cfg.command())[1:]))
    free = ("threads", "resume", "log_every", "max_minutes", "save_every")
    assert {k: v for k, v in again.as_dict().items() if k not in free} == \
        {k: v for k, v in cfg.as_dict().items() if k not in free}
