"""Common random numbers per item: an item's channel draws and per-item values do not depend
on the batch it travels in, nor on the stop rule, for every task (text, image, beamforming).

Each scenario runs twice with different ``max_items`` and ``batch_size``; the per-item values
of every point must be identical on the items both runs share, and stored in item order.
"""
from __future__ import annotations

import random

import pytest

from linksim.core.runner import Runner
from linksim.scenario import load_scenario

WORDS = ("the", "commission", "parliament", "vote", "we", "must", "report", "council",
         "member", "states", "agree", "on", "this", "and", "of", "a", "new", "policy")


def run_twice(tmp_path, text: str, first: tuple[int, int], second: tuple[int, int]):
    """Records of ``text`` with (max_items, batch_size) ``first`` and ``second``."""
    path = tmp_path / "s.toml"
    path.write_text(text)
    out = []
    for k, (items, batch) in enumerate((first, second)):
        sc = load_scenario(path, [f"stop.max_items={items}", f"stop.batch_size={batch}"])
        out.append(Runner(sc, output=tmp_path / f"run{k}").run())
    return out


def assert_shared_items_equal(a, b, shared: int) -> None:
    assert len(a) == len(b) and a
    for ra, rb in zip(a, b):
        assert (ra.label, ra.axes) == (rb.label, rb.axes)
        for name, values in ra.values.items():
            assert values == rb.values[name][:shared], (ra.label, ra.axes, name)


@pytest.fixture
def europarl(tmp_path):
    """A tiny normalized corpus: sentences of 1-12 words (so batches pad to other widths)."""
    rng = random.Random(0)
    folder = tmp_path / "europarl"
    folder.mkdir()
    for split, n in (("train", 60), ("test", 14)):
        lines = [" ".join(rng.choice(WORDS) for _ in range(rng.randint(1, 12))) for _ in range(n)]
        if split == "test":
            lines[3] += " unseenword"  # a test-only word: <UNK>, counted
        (folder / f"{split}.txt").write_text("\n".join(lines) + "\n")
    return folder


def test_text_values_per_item_survive_the_batching(tmp_path, europarl):
    from linksim.tasks.text.source import train_vocabulary

    vocab = len(train_vocabulary(europarl))
    text = f"""
name = "pairs"
task = "text"
seed = 1
[source]
dataset = "europarl"
path = "{europarl}"
[sweep]
snr_db = [3, 12]
symbols_per_word = 2
[[channels]]
name = "rayleigh"
fading = "fast"
[[systems]]
name = "deepsc"
config = "small"
vocab = {vocab}
cutoffs = [8, 16]
random_weights = true
[[systems]]
name = "ideal"
code = "chars"
train = "{europarl / 'train.txt'}"
[metrics]
names = ["bleu1", "wer"]
"""
    a, b = run_twice(tmp_path, text, (9, 3), (14, 5))
    assert_shared_items_equal(a, b, 9)
    assert [r.extra["unk_words"]["sum"] for r in b] == [1.0] * len(b)
    ideal = [r for r in a if r.system == "ideal"]
    assert len({tuple(r.values["bleu1"]) for r in ideal}) > 1  # the draws matter


def test_image_values_per_item_survive_the_batching(tmp_path):
    text = """
name = "pairs"
seed = 2
[source]
dataset = "samples"
crop = 32
count = 4
[sweep]
snr_db = [0, 10]
cbr = "1/4"
[[channels]]
name = "rayleigh"
fading = "fast"
[[systems]]
name = "uncoded"
[metrics]
names = ["psnr"]
"""
    a, b = run_twice(tmp_path, text, (3, 2), (4, 3))
    assert_shared_items_equal(a, b, 3)


def test_beamforming_values_per_item_survive_the_batching(tmp_path):
    text = """
name = "pairs"
task = "beamforming"
seed = 3
[source]
dataset = "drops"
count = 5
max_users = 4
[sweep]
num_users = [4]
p_max_dbm = [30]
num_antennas = 4
[[channels]]
name = "rayleigh"
fading = "fast"
[[systems]]
name = "mrt"
[metrics]
names = ["ee"]
"""
    a, b = run_twice(tmp_path, text, (3, 1), (5, 2))
    assert_shared_items_equal(a, b, 3)
