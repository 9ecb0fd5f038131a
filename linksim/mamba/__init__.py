"""Selective-scan (S6) core for Mamba models: one function, several backends.

:func:`linksim.mamba.scan.selective_scan` is the public entry point;
:mod:`linksim.mamba.gssm_order` holds the GSSM scan-exchange permutations.
Nothing heavy is imported here (no compilation, no optional packages).
"""
