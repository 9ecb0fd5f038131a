"""linksim: end-to-end wireless link simulator for learned and classical coding."""
__version__ = "0.1.0"
