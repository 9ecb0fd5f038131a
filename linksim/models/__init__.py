"""Learned JSCC models built on the library (MambaJSCC) and the layers they share.

- :mod:`linksim.models.layers`: generic building blocks (patch embedding, patch
  merging, patch division, channel MLP, Channel ModNet) reused by the peer models.
- :mod:`linksim.models.mambajscc`: MambaJSCC (Wu et al., GSSM + CSI-ReST), registered
  as the system ``"mambajscc"``.

Sub-modules register themselves on import; the registry's discovery imports them, so
every module here imports cheaply (no optional packages at top level).
"""
