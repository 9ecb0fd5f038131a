"""Layers shared by the hierarchical JSCC models (MambaJSCC, SwinJSCC, ...).

Feature maps are **channels-last** ``[B, H, W, C]`` between blocks, as in Swin
Transformer and VMamba; convolutions convert internally.
"""
from linksim.models.layers.mlp import ChannelMLP
from linksim.models.layers.modnet import ChannelModNet
from linksim.models.layers.patches import PatchDivision, PatchEmbed, PatchMerging
from linksim.models.layers.symbols import latent_to_symbols, symbols_to_latent

__all__ = ["ChannelMLP", "ChannelModNet", "PatchDivision", "PatchEmbed", "PatchMerging",
           "latent_to_symbols", "symbols_to_latent"]
