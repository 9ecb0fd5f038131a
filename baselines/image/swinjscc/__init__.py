"""SwinJSCC (Yang et al. 2024): Swin Transformer JSCC with Channel ModNet SNR adaptation.

- :mod:`.attention`: (shifted) window attention with relative position bias.
- :mod:`.blocks`: the Swin block and stage.
- :mod:`.system`: the registered system ``"swinjscc"``.
"""
from linksim.baselines.image.swinjscc.system import SwinJSCC

__all__ = ["SwinJSCC"]
