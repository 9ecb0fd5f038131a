"""A catalog built from the live registries of this tree, for the scenario pre-check."""
from __future__ import annotations

import json
from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def fresh_catalog(tmp_path_factory) -> Path:
    """A ``LINKSIM_CACHE`` folder whose cached catalog vouches for every part of the working
    tree (the shipped one may lag behind uncommitted edits)."""
    from linksim.core import catalog

    root = tmp_path_factory.mktemp("cache")
    (root / "catalog").mkdir()
    (root / "catalog" / "catalog.json").write_text(json.dumps(catalog.build()))
    return root
