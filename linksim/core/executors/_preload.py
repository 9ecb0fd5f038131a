"""Imported once by the process executor's fork server: every worker forked from it starts
with linksim, PyTorch and the registries already imported (seconds saved per worker)."""
from linksim.core import worker  # noqa: F401
from linksim.base.registry import discover

discover()
