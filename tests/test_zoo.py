"""The checkpoint store: cards, search path, loading by id and clear mismatch errors."""
from __future__ import annotations

import pytest
import torch

from linksim import zoo
from linksim.errors import LinksimError
from linksim.registry import CHANNELS, SYSTEMS
from linksim.seeding import seed_everything
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
    cfg = TrainConfig(system="deepjscc", data=str(data), val=str(data), out=str(folder / "tiny-dj"),
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
    a, _ = system.transmit(x, CHANNELS.get("awgn")(), 10.0)
    seed_everything(0)
    b, _ = trainer.system.eval().transmit(x, CHANNELS.get("awgn")(), 10.0)
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
    monkeypatch.setenv("LINKSIM_ZOO", str(tmp_path))
    paths = zoo.search_path()
    assert paths[0] == tmp_path
    assert paths[1].name == "zoo" and (paths[1].parent / "linksim").is_dir()
    assert paths[2].parts[-3:] == (".cache", "linksim", "zoo")
