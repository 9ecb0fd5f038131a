"""Every shipped checkpoint loads into its system, and one per system reproduces the
validation PSNR written in its model card (so campaigns survive refactors)."""
from __future__ import annotations

import pytest

from linksim import zoo
from linksim.base.paths import REPO, shared_data
from linksim.base.registry import CHANNELS, SYSTEMS

SHIPPED = [c["id"] for c in zoo.list_checkpoints()
           if zoo.locate(c["id"]).parent == REPO / "zoo"
           and c.get("system") in {n for n, cls in SYSTEMS.items("image")
                                   if getattr(cls, "task", "") == "image"}]
#: one checkpoint per system, with the channel its card was validated on
REPRODUCED = ["mambajscc-small-16k-cbr1_16-rayleighfast-snr0_20",
              "swinjscc-small-cbr1_16-rayleigh-snr0_20",
              "adjscc-small-cbr1_16-rayleigh-snr0_20",
              "deepjscc-small-cbr1_16-rayleigh-snr10"]


@pytest.mark.parametrize("cid", SHIPPED)
def test_every_shipped_checkpoint_loads(cid):
    card = zoo.read_card(cid)
    system = SYSTEMS.get(card["system"], "image")(cbr=card["cbr"], checkpoint=cid)
    assert system.checkpoint_id == cid


@pytest.mark.slow
@pytest.mark.parametrize("cid", REPRODUCED)
def test_card_validation_psnr_is_reproduced(cid):
    kodak = shared_data("kodak")
    if kodak is None:
        pytest.skip("needs ../shared/data/kodak (the cards were validated on Kodak)")
    from linksim.tasks.image.training_data import load_val
    from linksim.core.task import get_task
    from linksim.training.evaluate import metric_per_snr

    card = zoo.read_card(cid)
    system = SYSTEMS.get(card["system"], "image")(cbr=card["cbr"], checkpoint=cid)
    spec = dict(card["val_channel"])
    channel = CHANNELS.get(spec.pop("name"))(**spec)
    images = load_val(kodak, card["data"]["val_crop"], card["data"]["val_images"])
    mean, ci = metric_per_snr(system, channel, images, (10.0,), get_task("image"),
                              seed=card["seed"])["10"]
    # new channel draws, same images: agreement within the draws' own 95% interval
    assert abs(mean - card["val_psnr_db"]["10"]) <= 1.5 * ci + 0.05, (mean, ci)


@pytest.mark.parametrize("cid", SHIPPED)
def test_every_shipped_card_names_the_command_that_builds_its_model(cid):
    """The card's ``linksim train`` command parses and asks for exactly the card's
    configuration (named config + --set overrides), so the README's recipe and the card
    cannot drift apart again."""
    import shlex

    from linksim.cli import build_parser
    from linksim.cli.train import config_from_args

    card = zoo.read_card(cid)
    cfg = config_from_args(build_parser().parse_args(shlex.split(card["command"])[1:]))
    cls = SYSTEMS.get(card["system"], cfg.task)
    built = {**cls.configs[cfg.config], **cfg.overrides}
    as_lists = {k: list(v) if isinstance(v, tuple) else v for k, v in built.items()}
    assert as_lists == card["config"]
    assert cfg.options.cbr == card["cbr"] and cfg.steps == card.get("planned_steps", card["steps"])
