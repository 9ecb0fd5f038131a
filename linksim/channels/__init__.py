"""Differentiable channels shared by every link type."""
from linksim.channels.base import CSI, Channel, power_normalize, snr_db_to_no

__all__ = ["CSI", "Channel", "power_normalize", "snr_db_to_no"]
