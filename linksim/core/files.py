"""Moved to :mod:`linksim.base.files`; this alias keeps older imports working."""
import importlib
import sys

sys.modules[__name__] = importlib.import_module("linksim.base.files")
