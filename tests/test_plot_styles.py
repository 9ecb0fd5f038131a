"""Figures a reader can tell apart: one colour per system family (from the system's class
metadata, the same in every figure), a line style per variant, bounds black dotted."""
from __future__ import annotations

from pathlib import Path

import pytest

from linksim.core.record import read_records
from linksim.plots import _family_colours, curve_styles, system_kind

DIV2K = Path(__file__).resolve().parents[1] / "results" / "image" / "div2k_rayleigh"


@pytest.mark.skipif(not (DIV2K / "results.jsonl").exists(), reason="DIV2K records absent")
def test_div2k_curves_are_distinct_and_families_share_a_colour():
    records = read_records(DIV2K)
    styles = curve_styles(records)
    labels = {r.label: r.system for r in records}
    assert set(styles) == set(labels)
    looks = {(s["color"], str(s["linestyle"]), s["marker"]) for s in styles.values()}
    assert len(looks) == len(styles)                 # no two curves drawn alike
    by_family: dict[str, set] = {}
    for label, name in labels.items():
        family, role = system_kind(name, "image")
        by_family.setdefault((family, role), set()).add(styles[label]["color"])
    assert all(len(c) == 1 for c in by_family.values())          # one colour per family
    learned = [c.pop() for (f, r), c in by_family.items() if r == "learned"]
    assert len(set(learned)) == len(learned)                      # families differ
    bound = [styles[l] for l, n in labels.items() if system_kind(n, "image")[1] == "bound"]
    assert bound and all(s["color"] == "black" and s["linestyle"] == ":" for s in bound)


def test_family_colours_do_not_depend_on_the_figure():
    assert _family_colours("image") == _family_colours("image")
    colours = _family_colours("image")
    assert system_kind("ideal", "image") == ("ideal", "bound")
    assert system_kind("mambajscc", "image") == ("mambajscc", "learned")
    assert system_kind("separated", "image")[1] == "classical"
    assert colours["mambajscc"] != colours["swinjscc"]
