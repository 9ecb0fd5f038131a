"""Transmitter/receiver pairs (see :mod:`linksim.systems.base`)."""
from linksim.systems.base import System, num_channel_uses

__all__ = ["System", "num_channel_uses"]
