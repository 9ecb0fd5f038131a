"""Imperfect CSI in the beamforming task (issue 30): every system designs on the same LMMSE
estimate and is scored on the true channel; perfect CSI (csi_error = 0) is the old path;
the reference designed on an estimate never becomes the ee_ratio reference."""
from __future__ import annotations

import pytest
import torch

import linksim.baselines.beamforming  # noqa: F401
import linksim.tasks.beamforming  # noqa: F401
from linksim.base.registry import SYSTEMS
from linksim.errors import LinksimError
from linksim.tasks.beamforming.metrics import ee_ratio

from test_beamforming import designed, drops


@pytest.fixture(autouse=True)
def private_reference_cache(tmp_path, monkeypatch):
    from linksim.tasks.beamforming import reference_cache

    monkeypatch.setenv("LINKSIM_CACHE", str(tmp_path / "cache"))
    monkeypatch.setattr(reference_cache, "_memory", {})


def designed_on(name: str, x, antennas: int, monkeypatch, **params):
    """(the Downlink, the channel the system designed on)."""
    seen = []
    cls = SYSTEMS.get(name, "beamforming")
    real = cls.design
    monkeypatch.setattr(cls, "design", lambda self, h, p, c: seen.append(h) or real(self, h, p, c))
    out = designed(name, x, antennas, **params)
    monkeypatch.undo()
    return out, seen[0]


def test_systems_design_on_one_estimate_and_are_scored_on_the_truth(monkeypatch):
    x = drops(4, 6, [30.0], seed=5)
    perfect, h_true = designed_on("mrt", x, 8, monkeypatch)
    assert torch.equal(perfect.h, h_true)                        # csi_error 0: the truth
    seen = {}
    for name in ("mrt", "zf_ee", "ee_opt"):
        out, h_design = designed_on(name, x, 8, monkeypatch, csi_error=0.1)
        assert torch.equal(out.h, h_true)                         # scored on the truth
        seen[name] = h_design
    assert torch.equal(seen["mrt"], seen["zf_ee"]) and torch.equal(seen["mrt"], seen["ee_opt"])
    err = (seen["mrt"] - h_true).abs().square().sum() / h_true.abs().square().sum()
    assert 0.03 < float(err) < 0.3                               # about 0.1 of the energy


def test_the_reference_on_an_estimate_scores_below_the_perfect_csi_reference():
    x = drops(4, 6, [30.0], seed=5)
    noisy = designed("ee_opt", x, 8, csi_error=0.1)
    ratio = ee_ratio(x, noisy)                 # the reference with perfect CSI is computed
    assert bool((ratio < 100.0).all())         # not the noisy design's own EE
    exact = designed("ee_opt", x, 8)
    assert torch.allclose(ee_ratio(x, exact), torch.full((4,), 100.0, dtype=torch.float64))


@pytest.mark.parametrize("bad", [-0.1, 1.0])
def test_bad_csi_error_is_refused(bad):
    with pytest.raises(LinksimError, match="csi_error"):
        SYSTEMS.get("mrt", "beamforming")(csi_error=bad)
