"""Mamba-DeepSC (the survey's Fig. 4): DeepSC with a Mamba block after the Transformer
semantic encoder (before the channel encoder) and one after the channel decoder (before
the Transformer semantic decoder); see :mod:`linksim.tasks.text.transceiver` and
:mod:`linksim.tasks.text.mamba_block`. Everything else is DeepSC's, config for config."""
from __future__ import annotations

from linksim.base.registry import SYSTEMS
from linksim.tasks.text.configs import CONFIGS
from linksim.tasks.text.system import LearnedTextSystem


@SYSTEMS.register("mamba_deepsc")
class MambaDeepSC(LearnedTextSystem):
    """DeepSC plus two bidirectional Mamba blocks on linksim's selective scan."""

    mamba = True
    configs = CONFIGS
