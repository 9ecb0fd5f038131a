"""Peers of the beamforming task: linear heuristics, WMMSE, ZF with EE-optimal power, the
GNN and a fixed-size CNN."""
