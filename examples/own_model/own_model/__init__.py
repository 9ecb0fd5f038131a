"""A researcher's own learned image JSCC system for linksim (an example plugin).

Installing this package (``pip install -e examples/own_model``) registers the system
``tinyjscc`` through the entry-point group ``linksim.plugins``; linksim's code names it
nowhere. ``linksim list`` then shows it with its origin, and scenarios, ``linksim train``,
``linksim compare`` and ``linksim report`` use it like a shipped system.
"""
from own_model.system import TinyJSCC

__all__ = ["TinyJSCC"]
