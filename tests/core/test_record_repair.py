"""A crash mid-write leaves at worst a half-written last line of results.jsonl: every command
reads past it and the next run drops it and recomputes its point. Any other damaged line is
an error naming file and line, and nothing is written."""
from __future__ import annotations

import json
from dataclasses import asdict

import pytest

from linksim.cli import main
from linksim.core.record import RECORDS, read_records, repair
from linksim.core.runner import Runner
from linksim.scenario import load_scenario

SCENARIO = """
name = "repair"
task = "gaussian"
seed = 3
[source]
count = 4
length = 64
[sweep]
snr_db = [0, 10]
cbr = ["1/2", "1"]
[[channels]]
name = "awgn"
[[systems]]
name = "uncoded"
"""
VOLATILE = ("wall_time_s", "host")


def stable(records):
    return [json.dumps({k: v for k, v in asdict(r).items() if k not in VOLATILE},
                       sort_keys=True) for r in records]


@pytest.fixture
def done(tmp_path):
    """A scenario file and a folder holding its four finished records."""
    path = tmp_path / "s.toml"
    path.write_text(SCENARIO)
    out = tmp_path / "out"
    records = Runner(load_scenario(path), output=out).run()
    assert len(records) == 4
    return path, out, records


def cli(capsys, *argv):
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err.strip().splitlines()


def test_half_written_last_line_is_repaired_and_its_point_recomputed(done, capsys):
    path, out, full = done
    data = (out / RECORDS).read_bytes()
    last = data.rstrip(b"\n").rfind(b"\n") + 1
    torn = data[: last + (len(data) - last) // 2]       # a crash in the middle of the last line
    (out / RECORDS).write_bytes(torn)
    assert len(read_records(out)) == 3                    # readers skip it, they do not write
    assert (out / RECORDS).read_bytes() == torn
    assert cli(capsys, "table", str(out))[0] == 0
    code, listed, err = cli(capsys, "run", str(path), "--out", str(out), "--dry-run")
    assert code == 0 and listed.count("compute") == 1
    assert "half-written line" in err[0] and "3 reused, 1 to compute, 0 refused" in err[1]
    code, _, err = cli(capsys, "run", str(path), "--out", str(out), "--no-plots")
    assert code == 0 and any("dropped its half-written last line" in e for e in err), err
    assert "3 of 4 points reused" in err[0]
    assert stable(read_records(out)) == stable(full)
    assert (out / RECORDS).read_bytes().endswith(b"\n")
    assert (out / "results.csv").is_file()


def test_repair_drops_only_an_unterminated_tail(tmp_path):
    path = tmp_path / RECORDS
    path.write_bytes(b'{"a": 1}\n{"b": 2}\n')
    assert not repair(path) and path.read_bytes() == b'{"a": 1}\n{"b": 2}\n'
    path.write_bytes(b'{"a": 1}\n{"b": 2}\n{"c"')
    assert repair(path) and path.read_bytes() == b'{"a": 1}\n{"b": 2}\n'
    path.write_bytes(b'{"c"')
    assert repair(path) and path.read_bytes() == b""


@pytest.mark.parametrize("damage, line", [
    ("middle", 2),             # a garbled line inside the file
    ("first_not_utf8", 1),     # bytes that are not text
    ("last_with_newline", 4),  # a complete (newline-ended) last line that is not a record
    ("record_of_nothing", 3),  # JSON, but not a record
])
def test_a_damaged_line_elsewhere_is_an_error_naming_it(damage, line, done, capsys):
    path, out, _ = done
    lines = (out / RECORDS).read_bytes().splitlines(keepends=True)
    lines[line - 1] = {"middle": lines[1][: len(lines[1]) // 2] + b"\n",
                       "first_not_utf8": b"\xff\xfe garbage\n",
                       "last_with_newline": b"{\"point_id\": \n",
                       "record_of_nothing": b"[1, 2, 3]\n"}[damage]
    damaged = b"".join(lines)
    (out / RECORDS).write_bytes(damaged)
    for argv in (["run", str(path), "--out", str(out), "--no-plots"],
                 ["run", str(path), "--out", str(out), "--dry-run"],
                 ["table", str(out)], ["plot", str(out)]):
        code, _, err = cli(capsys, *argv)
        assert code == 2 and len(err) == 1, (argv, err)
        assert f"{out / RECORDS}:{line}: not a linksim record; delete the line" in err[0]
    assert (out / RECORDS).read_bytes() == damaged
