"""ADJSCC (Xu et al. 2022): GDN CNN JSCC with SNR attention-feature (AF) modules.

- :mod:`.gdn`: generalized divisive normalization with Ballé's reparametrization.
- :mod:`.model`: the AF module, the encoder/decoder stacks, the system ``"adjscc"``.
"""
from linksim.baselines.image.adjscc.model import ADJSCC

__all__ = ["ADJSCC"]
