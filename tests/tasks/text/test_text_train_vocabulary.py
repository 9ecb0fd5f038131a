"""The text task's vocabulary comes from the training split alone: test-only words are sent
as <UNK> and counted; the out-of-domain sentence file and the seeded test subset."""
from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest

from linksim.errors import LinksimError
from linksim.tasks.text.sentence_file import SentenceFile
from linksim.tasks.text.source import EuroparlSource, train_vocabulary
from linksim.tasks.text.task import TextTask
from linksim.tasks.text.vocab import SPECIALS, UNK, build_vocabulary

ROOT = Path(__file__).resolve().parents[3]
WEB = ROOT / "scenarios" / "text" / "data" / "web_sentences.txt"


@pytest.fixture
def folder(tmp_path):
    (tmp_path / "train.txt").write_text("the vote is open\nthe vote\nwe agree on the report\n")
    (tmp_path / "test.txt").write_text("the vote is closed\nwe agree\nthe council agrees today\n")
    return tmp_path


def test_words_by_count_then_alphabet_after_the_specials():
    v = build_vocabulary([["b", "a", "c"], ["c", "a"], ["c"]])
    assert v.idx_to_token == list(SPECIALS) + ["c", "a", "b"]
    assert v.digest == build_vocabulary([["c", "a"], ["b", "a", "c"], ["c"]]).digest


def test_test_only_words_are_unknown_and_counted(folder):
    v = train_vocabulary(folder)
    assert len(v) == 4 + 8 and "closed" not in v.token_to_idx
    test = EuroparlSource(path=str(folder))
    assert [s.unk for s in test.sentences] == [1, 0, 3]
    assert test.sentences[0].ids[4] == UNK and test.vocab is v


def test_training_builds_the_model_for_the_training_vocabulary(folder):
    cfg = SimpleNamespace(data=str(folder), overrides={}, val=None)
    task = TextTask()
    assert task.train_build_kwargs(cfg) == {"vocab": 12}
    assert task.train_card(cfg, 3, 0)["data"]["vocab"] == {
        "source": "train.txt", "size": 12, "digest": train_vocabulary(folder).digest}
    assert task.train_build_kwargs(SimpleNamespace(data=str(folder), overrides={"vocab": 9})) == {}


def test_seeded_subset_keeps_file_order_and_refuses_too_many(folder):
    a = EuroparlSource(path=str(folder), sample=2, sample_seed=3)
    b = EuroparlSource(path=str(folder), sample=2, sample_seed=3)
    assert a.names == b.names and a.index == sorted(a.index) and len(a) == 2
    with pytest.raises(LinksimError, match="sample=4"):
        EuroparlSource(path=str(folder), sample=4)
    with pytest.raises(LinksimError, match="sample=0"):
        EuroparlSource.check_params({"sample": 0})


def test_out_of_domain_file_reads_with_the_europarl_vocabulary(folder):
    data = SentenceFile(file=str(WEB), europarl=str(folder))
    assert len(data) == 500 and data.names[0] == "web_sentences-00000"
    assert all(5 <= len(s.words) <= 29 for s in data.sentences)
    assert sum(s.unk for s in data.sentences) > 0.9 * sum(len(s.words) for s in data.sentences)
    with pytest.raises(LinksimError, match="file=None"):
        SentenceFile.check_params({})
