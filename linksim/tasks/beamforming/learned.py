r"""Learned beamformers: a network predicts the optimal structure's parameters.

The network (subclasses' :meth:`LearnedBeamformer.build` / :meth:`LearnedBeamformer.heads`)
outputs per user a dual logit :math:`a_k` and a power logit :math:`b_k`, and one
budget logit :math:`c`; the beamformers are (model-based output, :mod:`.structure`)

.. math::

    P = P_{\max}\,\sigma(c),\quad q = P\,\mathrm{softmax}(a),\quad p = P\,\mathrm{softmax}(b),
    \quad w_k = \sqrt{p_k}\,\frac{(I + A Q A^H)^{-1} a_k}{\|\cdot\|},

so :math:`\sum_k \|w_k\|^2 = P \le P_{\max}` holds by construction for any weights.
Trained unsupervised on the negative EE (loss ``neg_ee``) with ``linksim train``.

A checkpoint's card records the configuration, including ``num_antennas`` (the M it was
trained for); building it for another M is refused with a one-line error.
"""
from __future__ import annotations

from typing import Any, ClassVar

import torch
from torch import nn

from linksim.zoo.learned import LearnedWeights
from linksim.errors import LinksimError
from linksim.tasks.beamforming.cell import Cell
from linksim.tasks.beamforming.features import graph_features
from linksim.tasks.beamforming.structure import directions, gram, with_powers
from linksim.tasks.beamforming.system import BeamformingSystem


class LearnedBeamformer(LearnedWeights, BeamformingSystem):
    """Subclasses set ``configs`` and implement :meth:`build` and :meth:`heads`.
    ``num_antennas`` (M) is a sweep axis; the config keeps it, so a card names its M."""

    axis_keys: ClassVar[frozenset[str]] = frozenset({"num_antennas"})

    def __init__(self, num_users: float | None = None, p_max_dbm: float | None = None,
                 num_antennas: float = 64, r_min: float = 0.0, csi_error: float = 0.0,
                 config: str | dict[str, Any] | None = None,
                 checkpoint: str | None = None, random_weights: bool = False,
                 **overrides: Any) -> None:
        super().__init__(num_users, p_max_dbm, num_antennas, r_min, csi_error)
        cfg = self.named_config(config, overrides, checkpoint)
        trained_m = cfg.get("num_antennas", self.num_antennas)
        if checkpoint is not None and trained_m != self.num_antennas:
            raise LinksimError(f"checkpoint {checkpoint!r} was trained for num_antennas="
                               f"{trained_m}, the point has num_antennas={self.num_antennas}; "
                               "train one for this M (linksim train ... --set "
                               f"num_antennas={self.num_antennas}) or change the sweep")
        self.config = {**cfg, "num_antennas": self.num_antennas}
        self.build(**{k: v for k, v in self.config.items() if k != "num_antennas"})
        if checkpoint is not None:
            self.load_checkpoint(checkpoint)

    # --- the network -------------------------------------------------------------------
    def build(self, **config: Any) -> None:
        raise NotImplementedError

    def heads(self, node: torch.Tensor, edge: torch.Tensor, order: torch.Tensor
              ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """Dual logits [B, K], power logits [B, K] and budget logit [B] (float32)."""
        raise NotImplementedError

    def design(self, h: torch.Tensor, p_max: torch.Tensor, cell: Cell) -> torch.Tensor:
        g = gram(h)
        node, edge, gain_db = graph_features(h, p_max, g)
        order = torch.argsort(gain_db, dim=-1, descending=True)
        a, b, c = (t.double() for t in self.heads(node, edge, order))
        total = p_max * torch.sigmoid(c)
        q = total[:, None] * a.softmax(dim=-1)
        p = total[:, None] * b.softmax(dim=-1)
        return with_powers(directions(h, q, g), p)


#: width of the embedded edge features, computed once per network
EDGE_DIM = 8


class GraphBeamformer(LearnedBeamformer):
    """Embedding, a stack of user layers (``layers``: ``a`` graph attention, ``m`` Mamba over
    users by descending large-scale gain), per-user and pooled output heads."""

    configs: ClassVar[dict[str, dict[str, Any]]] = {
        "small": {"dim": 32, "heads": 4, "layers": "aaa", "d_state": 8}}

    def build(self, dim: int, heads: int, layers: str, d_state: int) -> None:
        from linksim.tasks.beamforming.features import EDGE_FEATURES, NODE_FEATURES
        from linksim.tasks.beamforming.layers import GraphAttention, UserMamba

        if not layers or set(layers) - {"a", "m"}:
            raise LinksimError(f"layers={layers!r}: a string of 'a' (graph attention) and "
                               "'m' (Mamba) layer codes")
        self.embed = nn.Sequential(nn.Linear(NODE_FEATURES, dim), nn.GELU(), nn.Linear(dim, dim))
        self.edge_embed = nn.Sequential(nn.Linear(EDGE_FEATURES, EDGE_DIM), nn.GELU(),
                                        nn.Linear(EDGE_DIM, EDGE_DIM))
        self.blocks = nn.ModuleList(
            GraphAttention(dim, EDGE_DIM, heads) if code == "a" else UserMamba(dim, d_state=d_state)
            for code in layers)
        self.user_head = nn.Sequential(nn.LayerNorm(dim), nn.Linear(dim, 2))
        self.budget_head = nn.Sequential(nn.LayerNorm(dim), nn.Linear(dim, 1))

    def heads(self, node, edge, order):
        x, edge = self.embed(node), self.edge_embed(edge)
        for block in self.blocks:
            x = block(x, edge, order)
        a, b = self.user_head(x).unbind(-1)
        return a, b, self.budget_head(x.mean(dim=1))[:, 0]
