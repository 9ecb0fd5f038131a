"""Differentiable channels shared by every link type (draw, apply, equalize)."""
from linksim.channels.base import CSI, Channel, Link, Realization, snr_db_to_no

__all__ = ["CSI", "Channel", "Link", "Realization", "snr_db_to_no"]
