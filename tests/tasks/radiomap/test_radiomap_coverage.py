"""Coverage of the image link: link budget, interpolation of committed records, verdicts."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from linksim.core.record import read_records
from linksim.errors import LinksimError
from linksim.tasks.radiomap.coverage import (LinkBudget, difference_curve, interpolate,
                                             metric_curve, verdict)

GAUSSIAN = Path(__file__).resolve().parents[3] / "results/gaussian/gaussian_awgn"


def test_link_budget_by_hand():
    budget = LinkBudget(p_tx_dbm=30.0, bandwidth_hz=10e6, noise_figure_db=9.0)
    assert budget.noise_dbm == pytest.approx(-95.0)
    snr = budget.snr_db(np.array([[1e-10, 0.0]]))
    assert snr[0, 0] == pytest.approx(25.0) and np.isnan(snr[0, 1])


def test_interpolation_inside_the_swept_range_only():
    xs, ys = np.array([0.0, 10.0, 20.0]), np.array([20.0, 25.0, 27.0])
    out = interpolate(np.array([0.0, 5.0, 15.0, 20.0, -1.0, 21.0, np.nan]), xs, ys)
    assert out[:4].tolist() == [20.0, 22.5, 26.0, 27.0]
    assert np.isnan(out[4:]).all()


def test_verdict_needs_the_whole_interval():
    v = verdict(np.array([1.0, 0.5, -1.0, np.nan]), np.array([0.5, 0.6, 0.5, 0.1]))
    assert v[:3].tolist() == [1.0, 0.0, -1.0] and np.isnan(v[3])


def test_curves_from_committed_records_meet_theory():
    """Uncoded transmission at CBR 1/2 meets the OPTA bound (Goblick): the paired difference
    is a tie at every SNR, and the curves are read per CBR."""
    records = read_records(GAUSSIAN)
    snr, mse = metric_curve(records, "OPTA bound", "mse_db", 0.5, "awgn")
    assert mse == pytest.approx(-10 * np.log10(1 + 10 ** (snr / 10)), abs=0.1)
    xs, diff, ci = difference_curve(records, "Uncoded (LMMSE)", "OPTA bound", "mse_db", 0.5,
                                     "awgn")
    assert (verdict(diff, ci) == 0).all()
    _, diff_4, ci_4 = difference_curve(records, "Uncoded (LMMSE)", "OPTA bound", "mse_db", 0.25,
                                         "awgn")
    assert (diff_4[1:] - ci_4[1:] > 0).all()       # dropping samples: above the bound
    with pytest.raises(LinksimError, match="labels"):
        metric_curve(records, "no such system", "mse_db", 0.5, "awgn")
    with pytest.raises(LinksimError, match="several channels"):
        metric_curve(records, "OPTA bound", "mse_db", 0.5)


def test_coverage_command_bad_input(tmp_path, capsys):
    from linksim.cli import main

    assert main(["radiomap", "coverage", "--tx", "1,2", "--out", str(tmp_path / "c.png")]) == 2
    assert "--tx '1,2': expected 3 numbers" in capsys.readouterr().err
    assert main(["radiomap", "coverage", "--cell-m", "0", "--out", str(tmp_path / "c.png")]) == 2
