"""DeepSC (Xie, Qin, Li, Juang, IEEE TSP 2021): Transformer semantic encoder/decoder and
dense channel encoder/decoder, trained end to end over the channel.

Its network is :class:`linksim.tasks.text.transceiver.Transceiver`, which lives in the text
task because Mamba-DeepSC is the same network with two Mamba blocks inserted (the rule of
ARCHITECTURE.md: blocks several systems of a task share live in the task package); this
module is the peer itself: its name, its configurations and its place among the baselines.
"""
from __future__ import annotations

from linksim.base.registry import SYSTEMS
from linksim.tasks.text.configs import CONFIGS
from linksim.tasks.text.system import LearnedTextSystem


@SYSTEMS.register("deepsc")
class DeepSC(LearnedTextSystem):
    """DeepSC with DeepSC's sizes (configs ``deepsc``, ``adaptive``, ``small``)."""

    configs = CONFIGS
