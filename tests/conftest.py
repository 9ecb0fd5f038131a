"""Shared fixtures. Tests that need ../shared/data skip cleanly when it is absent."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

# `linksim run` without --workers runs one point per core in worker processes; the tests
# call it in-process and serially unless they choose an executor (tests/core/test_parallel.py)
os.environ.setdefault("LINKSIM_WORKERS", "1")

SHARED_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"


def shared_data(name: str) -> Path:
    path = SHARED_DATA / name
    if not path.is_dir():
        pytest.skip(f"{path} not present")
    return path


@pytest.fixture
def kodak_dir() -> Path:
    return shared_data("kodak")


@pytest.fixture
def photos_dir() -> Path:
    return shared_data("photos")
