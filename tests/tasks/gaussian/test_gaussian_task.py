"""The Gaussian task against theory: Goblick's uncoded optimality at CBR 1/2 on AWGN,
the closed forms of uncoded and OPTA, and the shortfall at CBR 1/4 and 1."""
from __future__ import annotations

import math
from pathlib import Path

import pytest

from linksim.core.compare import paired_differences
from linksim.core.runner import Runner
from linksim.scenario import load_scenario

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture(scope="module")
def records(tmp_path_factory):
    scenario = load_scenario(ROOT / "scenarios" / "gaussian" / "gaussian_awgn.toml",
                             ["source.count=32", "source.length=512",
                              'channels=[{name = "awgn"}]'])
    return Runner(scenario, output=tmp_path_factory.mktemp("g")).run()


def mean(records, label, snr, cbr):
    (rec,) = [r for r in records if r.label == label and r.axes == {"snr_db": snr, "cbr": cbr}]
    return rec.mean_ci("mse_db")


def test_goblick_uncoded_meets_opta_at_cbr_half(records):
    diffs = paired_differences(records, "Uncoded (LMMSE)", "OPTA bound", "mse_db", False)
    at_half = [d for d in diffs if d.axes["cbr"] == 0.5]
    assert len(at_half) == 5
    for d in at_half:
        assert abs(d.mean) <= d.ci95, d   # equal within the paired 95% interval


@pytest.mark.parametrize("cbr", [0.25, 1.0])
def test_uncoded_falls_short_of_opta_elsewhere(records, cbr):
    diffs = [d for d in paired_differences(records, "Uncoded (LMMSE)", "OPTA bound", "mse_db",
                                           False) if d.axes["cbr"] == cbr]
    assert len(diffs) == 5 and all(d.mean - d.ci95 > 0 for d in diffs)


@pytest.mark.parametrize("snr", [0.0, 10.0, 20.0])
def test_closed_forms(records, snr):
    s = 10 ** (snr / 10)
    theory = {("Uncoded (LMMSE)", 0.5): 1 / (1 + s), ("Uncoded (LMMSE)", 1.0): 1 / (1 + 2 * s),
              ("Uncoded (LMMSE)", 0.25): 0.5 + 0.5 / (1 + s),
              ("OPTA bound", 0.25): (1 + s) ** -0.5, ("OPTA bound", 1.0): (1 + s) ** -2}
    for (label, cbr), d in theory.items():
        m, ci = mean(records, label, snr, cbr)
        assert abs(m - 10 * math.log10(d)) <= ci + 0.02, (label, cbr, m, 10 * math.log10(d))
