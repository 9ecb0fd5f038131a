"""DeepSC: Transformer semantic encoder/decoder and dense channel encoder/decoder
(:mod:`linksim.tasks.text.transceiver`), trained end to end over the channel."""
from __future__ import annotations

from linksim.base.registry import SYSTEMS
from linksim.tasks.text.configs import CONFIGS
from linksim.tasks.text.system import LearnedTextSystem


@SYSTEMS.register("deepsc")
class DeepSC(LearnedTextSystem):
    """DeepSC with DeepSC's sizes (configs ``deepsc``, ``adaptive``, ``small``)."""

    configs = CONFIGS
