"""``linksim list`` reads a catalog checked against the sources, without importing parts."""
from __future__ import annotations

import pytest

import json
import subprocess
import sys

from linksim.core import catalog


def test_shipped_catalog_is_current():
    """The shipped snapshot matches the sources and the live registries; after adding or
    changing a part run ``python -m linksim.core.catalog``."""
    shipped = json.loads(catalog.SHIPPED.read_text())
    live = catalog.build()
    assert shipped["registries"] == live["registries"], "run: python -m linksim.core.catalog"
    assert shipped["digest"] == live["digest"], "run: python -m linksim.core.catalog"


@pytest.mark.slow
def test_list_imports_no_heavy_library(tmp_path):
    code = ("import sys\nfrom linksim.cli import main\nmain(['list'])\n"
            "print(sorted(m for m in ('torch', 'sionna', 'matplotlib') if m in sys.modules),"
            " file=sys.stderr)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=120, env={"LINKSIM_CACHE": str(tmp_path), "PATH": "",
                                           "LINKSIM_DISABLE_PLUGIN_AUTOLOAD": "1"})
    assert out.stderr.strip().splitlines()[-1] == "[]", out.stderr
    assert "mambajscc" in out.stdout and "checkpoints:" in out.stdout


def test_stale_snapshot_is_rebuilt_and_cached(tmp_path, monkeypatch):
    monkeypatch.setenv("LINKSIM_CACHE", str(tmp_path))
    monkeypatch.setattr(catalog, "SHIPPED", tmp_path / "shipped.json")
    (tmp_path / "shipped.json").write_text(json.dumps({"digest": "old", "registries": {}}))
    snap = catalog.load()
    assert snap["digest"] == catalog.source_digest() and "systems" in snap["registries"]
    cached = json.loads((tmp_path / "catalog" / "catalog.json").read_text())
    assert cached == snap


def test_summaries_are_plain_text():
    assert catalog.plain(r":math:`y = x + \sqrt{N_0} w`, :math:`w \sim \mathcal{CN}(0, 1)`"
                         ) == "y = x + sqrt(N_0) w, w ~ CN(0, 1)"
    assert catalog.plain(r":math:`10\log_{10}(1/\mathrm{MSE})` per image") == \
        "10 log10 (1/MSE) per image"
    assert catalog.plain("A :class:`~linksim.core.task.Task` of ``B`` items\nmore") == \
        "A Task of B items"
    rows = [r for rows in catalog.build()["registries"].values() for r in rows]
    assert not [r for r in rows if ":math:" in r[2] or "``" in r[2]]
