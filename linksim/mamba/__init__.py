"""Selective-scan (S6) core for Mamba models: one function, several backends.

:func:`linksim.mamba.scan.selective_scan` is the public entry point (backends are
imported, and the C++ kernel compiled, only on first use); :mod:`linksim.mamba.gssm_order`
holds the GSSM scan-exchange permutations. Importing this package is cheap.
"""
from linksim.mamba.scan import selective_scan

__all__ = ["selective_scan"]
