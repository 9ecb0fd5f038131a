"""The checkpoint store: cards, search path, loading by id and clear mismatch errors."""
from __future__ import annotations

import pytest
import torch

from linksim import zoo
from linksim.channels.base import Link
from linksim.errors import LinksimError
from linksim.base.registry import CHANNELS, SYSTEMS
from linksim.base.seeding import seed_everything
from linksim.training import TrainConfig, Trainer
from linksim.training.progress import LogProgress
from linksim.training.synthetic import write_synthetic_images

CARD_KEYS = ("id", "system", "config", "cbr", "cbr_label", "snr_db", "channel", "data", "steps",
             "crop", "batch", "lr", "loss", "seed", "params", "wall_time_s", "device", "torch",
             "linksim", "created", "val_psnr_db")


@pytest.fixture
def trained(tmp_path, monkeypatch):
    """A 3-step DeepJSCC checkpoint 'tiny-dj' in a private zoo on $LINKSIM_ZOO."""
    folder = tmp_path / "zoo"
    monkeypatch.setenv("LINKSIM_ZOO", str(folder))
    data = write_synthetic_images(tmp_path / "data", count=2, size=(32, 32))
    cfg = TrainConfig.from_flat(system="deepjscc", data=str(data), val=str(data), out=str(folder / "tiny-dj"),
                      cbr=1 / 12, snr="0:10", channel="rayleigh",
                      channel_params={"fading": "block"},
                      steps=3, batch=2, crop=16, warmup=1, val_crop=32, val_snrs=(0.0, 5.0, 10.0),
                      threads=1)
    trainer = Trainer(cfg, LogProgress(every=10 ** 9))
    return trainer, trainer.run()


def test_card_records_the_run(trained):
    trainer, card = trained
    (listed,) = [c for c in zoo.list_checkpoints() if c["id"] == "tiny-dj"]
    for key in CARD_KEYS:
        assert key in listed, key
    assert listed["system"] == "deepjscc" and listed["cbr_label"] == "1/12"
    assert listed["channel"] == {"name": "rayleigh", "fading": "block"}
    assert listed["steps"] == 3 and listed["crop"] == 16 and listed["batch"] == 2
    assert set(listed["val_psnr_db"]) == {"0", "5", "10"}
    assert listed["params"] == sum(p.numel() for p in trainer.system.parameters())
    assert listed["val_psnr_db"] == card["val_psnr_db"]


def test_load_by_id_reproduces_the_trained_system(trained):
    trainer, _ = trained
    system = SYSTEMS.get("deepjscc")(cbr=1 / 12, checkpoint="tiny-dj").eval()
    assert system.checkpoint_id == "tiny-dj"
    ref = trainer.system.state_dict()
    assert all(torch.equal(v, ref[k]) for k, v in system.state_dict().items())
    x = torch.rand(2, 3, 16, 16)
    seed_everything(0)
    a, _ = system.transmit(x, Link(CHANNELS.get("awgn")(), 10.0, len(x)))
    seed_everything(0)
    b, _ = trainer.system.eval().transmit(x, Link(CHANNELS.get("awgn")(), 10.0, len(x)))
    assert torch.equal(a, b)


def test_mismatched_config_names_checkpoint_key_and_values(trained):
    with pytest.raises(LinksimError, match=r"checkpoint 'tiny-dj': config key 'kernel' expected 5 "
                                           r"\(the checkpoint's\), found 3 in the system"):
        SYSTEMS.get("deepjscc")(cbr=1 / 12, checkpoint="tiny-dj", kernel=3)


def test_mismatched_cbr_is_refused(trained):
    with pytest.raises(LinksimError, match=r"checkpoint 'tiny-dj': key 'cbr' expected 0.0625"):
        SYSTEMS.get("deepjscc")(cbr=1 / 16, checkpoint="tiny-dj")


def test_changed_tensor_shape_is_refused(trained):
    path = zoo.weights_path(zoo.locate("tiny-dj"))
    state = torch.load(path, weights_only=True)
    state["encoder.0.weight"] = state["encoder.0.weight"][:8]
    torch.save(state, path)
    with pytest.raises(LinksimError, match=r"tensor 'encoder.0.weight' expected shape "
                                           r"\(16, 3, 5, 5\), found \(8, 3, 5, 5\)"):
        SYSTEMS.get("deepjscc")(cbr=1 / 12, checkpoint="tiny-dj")


def test_unknown_id_lists_the_known_ones(trained):
    with pytest.raises(LinksimError, match=r"checkpoint 'nope': not found .* known ids: .*tiny-dj"):
        zoo.read_card("nope")


def test_search_path_order(monkeypatch, tmp_path):
    monkeypatch.setenv("LINKSIM_ZOO", str(tmp_path / "env"))
    monkeypatch.chdir(tmp_path)
    paths = zoo.search_path()
    assert paths[0] == tmp_path / "env"
    assert paths[1].name == "zoo" and (paths[1].parent / "linksim").is_dir()
    assert paths[2] == tmp_path / "zoo"  # ./zoo: a non-editable install run from a clone
    assert paths[3].parts[-3:] == (".cache", "linksim", "zoo")


def clone_checkpoint(source: str, new_id: str, **card_changes) -> None:
    """Copy checkpoint ``source`` in its zoo folder as ``new_id``, changing card keys."""
    import json
    import shutil

    base = zoo.locate(source)
    out = base.with_name(new_id)
    shutil.copy(zoo.weights_path(base), zoo.weights_path(out))
    card = json.loads(zoo.card_path(base).read_text())
    zoo.card_path(out).write_text(json.dumps({**card, "id": new_id, **card_changes}))


@pytest.fixture
def per_snr(trained):
    """Copies of 'tiny-dj' whose cards say they were trained at 0 dB and at 10 dB only."""
    for snr in (0, 10):
        clone_checkpoint("tiny-dj", f"dj-snr{snr}", snr_db=str(snr))
    return ["dj-snr10", "dj-snr0"]


@pytest.mark.parametrize("snr, expected", [(-3, "dj-snr0"), (2, "dj-snr0"), (5, "dj-snr0"),
                                           (7, "dj-snr10"), (19, "dj-snr10")])
def test_checkpoint_list_picks_nearest_training_snr(per_snr, snr, expected):
    cls = SYSTEMS.get("deepjscc")
    params = cls.at_point({"checkpoint": per_snr, "label_free": 1}, {"snr_db": snr, "cbr": 1 / 12})
    assert params == {"checkpoint": expected, "label_free": 1}  # ties (5 dB) go to the lower SNR


def test_checkpoint_list_refuses_range_trained_checkpoints(per_snr):
    with pytest.raises(LinksimError, match="trained at snr_db='0:10', not one SNR"):
        SYSTEMS.get("deepjscc").at_point({"checkpoint": per_snr + ["tiny-dj"]}, {"snr_db": 5.0, "cbr": 1 / 12})
    with pytest.raises(LinksimError, match="none is trained at CBR 1/16"):
        SYSTEMS.get("deepjscc").at_point({"checkpoint": per_snr}, {"snr_db": 5.0, "cbr": 1 / 16})
    with pytest.raises(LinksimError, match="resolved per grid point"):
        SYSTEMS.get("deepjscc")(cbr=1 / 12, checkpoint=per_snr)


def test_runner_uses_one_checkpoint_per_snr_under_one_label(per_snr, tmp_path):
    from linksim.core.runner import Runner
    from linksim.scenario import load_scenario

    path = tmp_path / "per_snr.toml"
    path.write_text(f"""
name = "per_snr"
[source]
dataset = "samples"
crop = 32
count = 1
[sweep]
snr_db = [0, 4, 10]
cbr = ["1/12"]
[[channels]]
name = "awgn"
[[systems]]
name = "deepjscc"
label = "DeepJSCC (per SNR)"
checkpoint = {per_snr!r}
""".replace("'", '"'))
    records = Runner(load_scenario(path), output=tmp_path / "out").run()
    used = {r.axes["snr_db"]: r.checkpoint_id for r in records}
    assert used == {0: "dj-snr0", 4: "dj-snr0", 10: "dj-snr10"}
    assert {r.label for r in records} == {"DeepJSCC (per SNR)"}


def test_retrained_checkpoint_is_recomputed(per_snr, tmp_path):
    """The point id holds the weights' content hash: same id, new weights -> new point."""
    import torch

    from linksim import zoo
    from linksim.core.runner import Runner
    from linksim.scenario import load_scenario

    path = tmp_path / "s.toml"
    path.write_text("""
[source]
count = 1
crop = 48
[sweep]
snr_db = [0]
cbr = ["1/12"]
[[channels]]
name = "awgn"
[[systems]]
name = "deepjscc"
checkpoint = "dj-snr0"
""")
    out = tmp_path / "out"
    Runner(load_scenario(path), output=out).run()
    assert Runner(load_scenario(path), output=out).pending()[0] == []
    card = zoo.read_card("dj-snr0")
    state = torch.load(card["path"], weights_only=True)
    state = {k: v + 0.01 if v.is_floating_point() else v for k, v in state.items()}
    zoo.save(card["path"][: -len(".pt")], state, card)
    assert len(Runner(load_scenario(path), output=out).pending()[0]) == 1


def test_checkpoint_list_picks_the_checkpoint_of_the_point_cbr(trained):
    """One range-trained checkpoint per CBR: the list resolves by CBR alone."""
    clone_checkpoint("tiny-dj", "dj-cbr1_6", cbr=1 / 6)
    cls, ids = SYSTEMS.get("deepjscc"), ["tiny-dj", "dj-cbr1_6"]
    assert cls.at_point({"checkpoint": ids}, {"snr_db": 5.0, "cbr": 1 / 6})["checkpoint"] == "dj-cbr1_6"
    assert cls.at_point({"checkpoint": ids}, {"snr_db": 5.0, "cbr": 1 / 12})["checkpoint"] == "tiny-dj"
