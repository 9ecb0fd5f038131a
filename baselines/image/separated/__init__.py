"""The classical separated baseline (image codec + 5G NR LDPC + QAM) and the capacity bound.

Modules: :mod:`.codecs` (image codecs, rate control, cache), :mod:`.mcs` (MCS
table), :mod:`.phy` (bit-true CRC/LDPC/QAM chain), :mod:`.abstraction` (BLER
tables, effective SNR), :mod:`.system` (the registered systems ``separated``
and ``ideal``), :mod:`.make_tables` (regenerates the shipped BLER tables).
"""
