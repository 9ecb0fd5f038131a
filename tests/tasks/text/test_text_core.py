"""Text task: vocabulary rules, source codes round trip, metrics against hand values."""
from __future__ import annotations

import json

import pytest

from linksim.baselines.text.separated.source_codes import FixedChars, HuffmanWords, Zlib
from linksim.errors import LinksimError
from linksim.tasks.text.batch import Sentence, TextBatch
from linksim.tasks.text.metrics import corpus_bleu, bleu_statistics, word_errors, wer, exact
from linksim.tasks.text.source import read_sentences
from linksim.tasks.text.vocab import UNK, Vocabulary, synthetic_vocabulary

WORDS = ["the", "cat", "sat", "on", "mat"]


def test_vocabulary_rules_and_errors(tmp_path):
    v = synthetic_vocabulary(40)
    assert v.encode(["zzz"]) == [1, UNK, 2] and v.decode([1, 5, 2, 7]) == [v.idx_to_token[5]]
    bad = tmp_path / "v.json"
    bad.write_text(json.dumps({"token_to_idx": {"<PAD>": 1}}))
    with pytest.raises(LinksimError, match="PAD"):
        Vocabulary.load(bad)
    with pytest.raises(LinksimError, match="not found"):
        Vocabulary.load(tmp_path / "missing.json")


def test_reading_rules(tmp_path):
    v = synthetic_vocabulary(40)
    f = tmp_path / "s.txt"
    f.write_text("a b c d e f\n\nx\n")
    with pytest.raises(LinksimError, match=r"s.txt:2: empty line"):
        read_sentences(f, v)
    f.write_text("a b c\nHello!\n")
    with pytest.raises(LinksimError, match=r"s.txt:2: character 'H'"):
        read_sentences(f, v)
    out, _ = read_sentences(f, v, normalized=True)
    assert out[1].words == ("hello",)
    f.write_text("a b c d\n")
    (s,), skipped = read_sentences(f, v, max_words=2)
    assert s.words == ("a", "b") and s.truncated and skipped == 0
    assert read_sentences(f, v, max_words=2, long="skip") == ([], 1)


@pytest.mark.parametrize("code", [FixedChars(), Zlib(),
                                  HuffmanWords.from_sentences([WORDS, WORDS[:3]])])
def test_source_codes_round_trip_and_fit(code):
    words = WORDS + ["unseen"]
    assert code.decode(code.encode(words)) == words
    bits, count = code.fit(words, code.encode(words[:3]).size)
    assert count == 3 and code.decode(bits) == words[:3]


def test_metrics_by_hand():
    x = TextBatch.stack([Sentence.of(WORDS, synthetic_vocabulary(10))])
    assert word_errors(WORDS, ["the", "dog", "sat", "mat"]) == 2
    assert float(wer(x, [["the", "dog", "sat", "mat"]])[0]) == pytest.approx(0.4)
    assert float(exact(x, [WORDS])[0]) == 1.0
    stats = {k: float(v.sum()) for k, v in bleu_statistics(x.words, [WORDS]).items()}
    assert corpus_bleu(stats) == pytest.approx(100.0)
