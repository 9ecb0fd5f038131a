"""The training loop: it learns, resumes bit for bit, and validates its inputs."""
from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
import torch

from linksim.errors import LinksimError
from linksim.training import SnrSpec, TrainConfig, Trainer, resume_path
from linksim.tasks.image.training_data import PatchSampler
from linksim.training.progress import LogProgress
from linksim.training.schedule import draw_snr, warmup_cosine
from linksim.training.synthetic import write_synthetic_images


def tiny(tmp_path, **kw) -> TrainConfig:
    data = write_synthetic_images(tmp_path / "data", count=4, size=(40, 48))
    base = dict(system="deepjscc", data=str(data), val=str(data), out=str(tmp_path / "zoo" / "t"),
                cbr=1 / 16, snr="5:15", channel="awgn", steps=6, batch=4, crop=16, lr=3e-3,
                warmup=2, val_crop=32, val_snrs=(0.0, 10.0), val_every=3, save_every=2,
                log_every=100, threads=1)
    return TrainConfig.from_flat(**{**base, **kw})


def quiet() -> LogProgress:
    return LogProgress(every=10 ** 9)


def test_training_reduces_the_distortion_on_a_tiny_set(tmp_path):
    """40 steps lift the validation PSNR (fixed channel noise) by > 1 dB and the loss drops."""
    trainer = Trainer(tiny(tmp_path, steps=40), quiet())
    before = trainer.validate((10.0,))["10"]
    losses = [trainer.train_step() for _ in range(40)]
    after = trainer.validate((10.0,))["10"]
    assert after > before + 1.0, (before, after)
    assert sum(losses[-10:]) < sum(losses[:10])


def test_resume_is_bit_identical_to_an_uninterrupted_run(tmp_path):
    full = Trainer(tiny(tmp_path / "a"), quiet())
    full.run()
    ref = torch.load(f"{full.cfg.out}.pt", weights_only=True)

    cfg = tiny(tmp_path / "b")
    assert Trainer(cfg, quiet()).run(stop_at=3) is None  # paused at 3, between periodic saves
    assert resume_path(cfg.out).is_file()
    resumed = Trainer(tiny(tmp_path / "b", resume=True), quiet())
    assert resumed.step == 3
    card = resumed.run()
    got = torch.load(f"{cfg.out}.pt", weights_only=True)
    assert card["steps"] == 6 and not resume_path(cfg.out).exists()
    assert ref.keys() == got.keys()
    assert all(torch.equal(ref[k], got[k]) for k in ref)
    ref_card = json.loads(Path(f"{full.cfg.out}.json").read_text())
    for key in ("val_psnr_db", "final_train_loss", "history", "steps"):
        assert card[key] == ref_card[key], key


def test_resume_from_another_device_type_continues_with_a_seeded_channel(tmp_path):
    """A run paused on a GPU resumes on the CPU: the weights, optimizer and data stream carry
    over; the GPU's channel-generator state cannot, so the channel stream is reseeded from
    (seed, step), reproducibly."""
    cfg = tiny(tmp_path / "a")
    Trainer(cfg, quiet()).run(stop_at=3)
    state = torch.load(resume_path(cfg.out), weights_only=True)
    state["config"]["device"] = "cuda"
    state["channel_rng"] = torch.zeros(16, dtype=torch.uint8)  # a Philox state: no CPU fit
    torch.save(state, resume_path(cfg.out))
    cards = []
    for name in ("b", "c"):
        out = tmp_path / name / "t"
        out.parent.mkdir()
        torch.save({**state, "config": {**state["config"], "out": str(out)}}, resume_path(out))
        resumed = Trainer(tiny(tmp_path / "a", out=str(out), resume=True), quiet())
        assert resumed.step == 3 and torch.equal(resumed.gen.get_state(), state["data_rng"])
        cards.append(resumed.run())
    assert cards[0]["val_psnr_db"] == cards[1]["val_psnr_db"]
    assert cards[0]["final_train_loss"] == cards[1]["final_train_loss"]


def test_resume_with_a_changed_setting_names_the_key(tmp_path):
    cfg = tiny(tmp_path)
    Trainer(cfg, quiet()).run(stop_at=2)
    with pytest.raises(LinksimError,
                       match=r"--resume: lr is 0.001 but the interrupted run used 0.003"):
        Trainer(tiny(tmp_path, lr=1e-3, resume=True), quiet())


def test_warmup_cosine_schedule_closed_form():
    f = warmup_cosine(steps=110, warmup=10, min_ratio=0.1)
    assert f(0) == pytest.approx(0.1) and f(9) == pytest.approx(1.0)
    assert f(10) == pytest.approx(1.0)
    assert f(60) == pytest.approx(0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * 0.5)))
    assert f(110) == pytest.approx(0.1)


def test_snr_draws_cover_the_range_or_the_list():
    gen = torch.Generator().manual_seed(0)
    uni = torch.stack([draw_snr(SnrSpec.parse("0:20"), 3, gen) for _ in range(2000)])
    assert (uni == uni[:, :1]).all()                       # one SNR per batch
    assert 0 <= uni.min() < 0.5 and 19.5 < uni.max() <= 20
    assert uni.mean().item() == pytest.approx(10.0, abs=0.5)
    picks = {float(draw_snr(SnrSpec.parse("1,4,7"), 1, gen)) for _ in range(100)}
    assert picks == {1.0, 4.0, 7.0}
    with pytest.raises(LinksimError, match="--snr"):
        SnrSpec.parse("20:0")


def test_patches_are_crops_or_mirrored_crops_of_the_images(tmp_path):
    folder = write_synthetic_images(tmp_path, count=2, size=(20, 24))
    sampler = PatchSampler(folder, crop=8, resize=None)
    gen = torch.Generator().manual_seed(1)
    batch = sampler.sample(16, gen)
    assert batch.shape == (16, 3, 8, 8) and batch.dtype == torch.float32
    for patch in batch:
        found = False
        for im in sampler.images:
            windows = im.float().div(255).unfold(1, 8, 1).unfold(2, 8, 1)  # [3, h, w, 8, 8]
            for p in (patch, patch.flip(-1)):
                diff = (windows - p[:, None, None]).abs().amax(dim=(0, 3, 4))
                found |= bool((diff == 0).any())
        assert found
    with pytest.raises(LinksimError, match="smaller than --crop 32"):
        PatchSampler(folder, crop=32, resize=None)


def test_non_learned_system_is_refused(tmp_path):
    with pytest.raises(LinksimError, match="no trainable weights"):
        Trainer(tiny(tmp_path, system="uncoded"), quiet())


def test_evaluation_uses_common_random_numbers_and_restores_the_generators():
    from sionna.phy.config import config as sionna_config

    from linksim.base.registry import CHANNELS, SYSTEMS
    from linksim.core.task import get_task
    from linksim.training.evaluate import metric_per_snr

    system, channel = SYSTEMS.get("uncoded", "image")(cbr=0.5), CHANNELS.get("rayleigh")(fading="block")
    images = torch.rand(3, 3, 16, 16, generator=torch.Generator().manual_seed(0))
    before = (torch.get_rng_state(), sionna_config.torch_rng("cpu").get_state())
    image = get_task("image")
    a = metric_per_snr(system, channel, images, (0.0, 10.0), image, seed=1)
    b = metric_per_snr(system, channel, images, (0.0, 10.0), image, seed=1)
    assert a == b and a != metric_per_snr(system, channel, images, (0.0, 10.0), image, seed=2)
    assert torch.equal(torch.get_rng_state(), before[0])
    assert torch.equal(sionna_config.torch_rng("cpu").get_state(), before[1])
    assert a["10"][0] > a["0"][0] + 3
