"""Peer systems of the text task: DeepSC and the classical separated text chain."""
