"""``gnn``: graph attention over the complete user graph (after Zhang, Lu, Chen, Ai, Ding,
"Model-based GNN enabled energy-efficient beamforming for ultra-dense wireless networks",
IEEE TWC 2025; their code is not public, this is linksim's reading), three layers.

Its network is :class:`linksim.tasks.beamforming.learned.GraphBeamformer` with layers
``aaa``: the beamforming task keeps it because GNN-Mamba is the same network with its middle
layer replaced (ARCHITECTURE.md: blocks several systems of a task share live in the task
package); this module is the peer: its name, its configuration and its place among the
baselines.
"""
from __future__ import annotations

from linksim.base.registry import SYSTEMS
from linksim.tasks.beamforming.learned import GraphBeamformer


@SYSTEMS.register("gnn")
class GNN(GraphBeamformer):
    """Three graph-attention layers (``layers = "aaa"``), size-agnostic in K."""
