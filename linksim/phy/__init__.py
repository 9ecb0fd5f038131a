"""The classical physical layer shared by every task's separated chain.

- :mod:`.mcs`: the modulation-and-coding-scheme table (QAM order, LDPC rate).
- :mod:`.bicm`: CRC-24A, 5G NR LDPC code-block planning, scrambled Gray QAM and the
  bit-true link (Sionna's encoder, mapper, APP demapper and BP decoder).
- :mod:`.abstraction`: BLER tables of the bit-true link and the mutual-information
  effective SNR that maps a block's per-symbol SINRs onto them.
"""
