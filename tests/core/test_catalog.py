"""``linksim list`` reads a catalog checked against the sources, without importing parts."""
from __future__ import annotations

import pytest

import json
import subprocess
import sys

from linksim.core import catalog
from linksim.core.catalog_view import CatalogParts
from linksim.core.sources import Sources


def test_shipped_catalog_is_current():
    """The shipped snapshot matches the sources and the live registries, the keys each
    part accepts included; after adding or changing a part run ``python -m
    linksim.core.catalog``. (Its module fingerprints may lag: a stale one only makes the
    scenario pre-check leave that part to the full validation.)"""
    shipped = json.loads(catalog.SHIPPED.read_text())
    live = catalog.build()
    assert shipped["registries"] == live["registries"], "run: python -m linksim.core.catalog"
    assert shipped["schema"] == live["schema"], "run: python -m linksim.core.catalog"
    assert shipped["digest"] == live["digest"], "run: python -m linksim.core.catalog"


def test_every_named_part_has_a_fingerprinted_module():
    """The pre-check trusts a part only through its module's fingerprint: every built-in
    task, system, channel and metric has one (parts registered at no site the stamp sees,
    e.g. ``metric(f"bleu{n}")`` in a loop, are covered by it too)."""
    snap = catalog.build()
    for kind in ("tasks",) + catalog.NAMED_KINDS:
        for name, owners in snap["schema"][kind].items():
            for entry in owners.values():
                assert snap["fingerprints"].get(entry["module"]), (kind, name)


def test_schema_answers_as_the_live_registries():
    """Every answer of the catalog's view (tasks, names, keys of every part under every
    task) equals the live registries' for the built-in parts."""
    from linksim.base.registry import ALL, BUILTIN
    from linksim.scenario.entries import Live

    known, live = CatalogParts([catalog.build()], Sources(), True), Live()
    assert known.task(None).name == live.task(None).name
    for _, name, cls in catalog._builtin("tasks"):
        schema, task = known.task(name), cls()
        assert (schema.name, [(a.name, a.label) for a in schema.axes], schema.needs_channel,
                schema.default_metrics) == (task.name, [(a.name, a.label) for a in task.axes],
                                            task.needs_channel, tuple(task.default_metrics))
        for kind in catalog.NAMED_KINDS:
            registry = ALL[kind]
            builtin = sorted({n for n, obj in registry.items(name)
                              if registry.origin_of(obj) == BUILTIN})
            assert known.names(kind, name) == builtin
            for part in builtin if kind in catalog.ENTRY_KINDS else ():
                assert known.keys(known.get(kind, part, name), schema) == \
                    live.keys(live.get(kind, part, name), task), (kind, part, name)


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
