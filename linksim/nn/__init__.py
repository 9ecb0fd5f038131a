"""Generic neural layers shared by the learned systems of every task.

Feature maps are **channels-last** ``[B, H, W, C]`` between blocks, as in Swin
Transformer and VMamba; convolutions convert internally.
"""
from linksim.nn.mlp import ChannelMLP
from linksim.nn.modnet import ChannelModNet
from linksim.nn.patches import PatchDivision, PatchEmbed, PatchMerging
from linksim.nn.symbols import latent_to_symbols, symbols_to_latent

__all__ = ["ChannelMLP", "ChannelModNet", "PatchDivision", "PatchEmbed", "PatchMerging",
           "latent_to_symbols", "symbols_to_latent"]
