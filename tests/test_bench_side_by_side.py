"""linksim bench --against: several systems timed interleaved in one run (structure only:
timings are benchmarks, never asserted)."""
from __future__ import annotations

import json

import pytest

from linksim.bench import side_by_side
from linksim.cli import main as cli_main
from linksim.errors import LinksimError


def test_rows_per_batch_and_dtype_with_paired_ratios_and_training_rates():
    r = side_by_side(["mambajscc", "swinjscc"], config="small", size=32, batches=(1, 2),
                     dtypes=("fp32", "bf16"), repeats=2, train_steps=1, train_batch=2, train_size=32,
                     threads=1)
    assert [(row["batch"], row["dtype"]) for row in r["latency"]] == [(1, "fp32"), (1, "bf16"),
                                                                        (2, "fp32"), (2, "bf16")]
    for row in r["latency"]:
        assert row["mambajscc_ratio"] == 1.0  # the first system is the reference of the ratios
        assert row["swinjscc"] > 0 and row["swinjscc_ratio"] > 0
        assert row["mambajscc_per_item_ms"] == pytest.approx(row["mambajscc"] / row["batch"], abs=1e-3)
    assert set(r["train"]) == {"mambajscc", "swinjscc"} and all(v > 0 for v in r["train"].values())


def test_unknown_dtype_is_a_one_line_error():
    with pytest.raises(LinksimError, match="--dtype 'fp8'"):
        side_by_side(["mambajscc"], config="small", size=32, dtypes=("fp8",), repeats=1)


def test_cli_against_prints_json(capsys):
    assert cli_main(["bench", "mambajscc", "--config", "small", "--size", "32", "--against", "swinjscc",
                     "--repeats", "1", "--threads", "1", "--json"]) == 0
    r = json.loads(capsys.readouterr().out)
    assert r["latency"][0]["batch"] == 1 and "swinjscc_ratio" in r["latency"][0]
