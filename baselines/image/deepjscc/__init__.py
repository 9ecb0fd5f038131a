"""DeepJSCC (Bourtsoulatze, Burth Kurka and Gündüz, 2019): the first CNN JSCC for images."""
from linksim.baselines.image.deepjscc.model import DeepJSCC

__all__ = ["DeepJSCC"]
