"""``gnn_mamba``: the GNN with its middle graph-attention layer replaced by a Mamba block
over the users ordered by descending large-scale gain (layers ``ama``)."""
from __future__ import annotations

from typing import Any, ClassVar

from linksim.base.registry import SYSTEMS
from linksim.tasks.beamforming.learned import GraphBeamformer


@SYSTEMS.register("gnn_mamba")
class GNNMamba(GraphBeamformer):
    """Graph attention (layers 1 and 3) around a bidirectional Mamba over users (layer 2)."""

    configs: ClassVar[dict[str, dict[str, Any]]] = {
        "small": {**GraphBeamformer.configs["small"], "layers": "ama"}}
