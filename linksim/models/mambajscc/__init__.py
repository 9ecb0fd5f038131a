"""MambaJSCC (Wu et al. 2024): GSSM-based JSCC with zero-parameter CSI-ReST channel adaptation.

- :mod:`.gssm`: generalized SSM with scan exchange/recovery (K directions, summed).
- :mod:`.vssm_ca`: the VSSM-CA block and a stage of blocks.
- the hierarchical encoder/decoder are :mod:`linksim.models.hierarchical`'s.
- :mod:`.system`: the registered system ``"mambajscc"``.
"""
from linksim.models.mambajscc.system import MambaJSCC

__all__ = ["MambaJSCC"]
