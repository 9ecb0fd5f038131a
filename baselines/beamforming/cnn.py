"""``cnn``: a fixed-size convolutional beamformer, the non-graph baseline of the survey's
timing figure. It reads the K x K "image" of pair features (edge features plus both users'
node features, 9 channels), three 3x3 convolutions, and a fully connected head to the
2K + 1 outputs of the model-based output layer (:mod:`linksim.tasks.beamforming.learned`).
It exists for one K only (config ``users``)."""
from __future__ import annotations

from typing import Any, ClassVar

import torch
from torch import nn

from linksim.base.registry import SYSTEMS
from linksim.errors import LinksimError
from linksim.tasks.beamforming.features import EDGE_FEATURES, NODE_FEATURES
from linksim.tasks.beamforming.learned import LearnedBeamformer


@SYSTEMS.register("cnn")
class CNN(LearnedBeamformer):
    """Fixed K: conv(9 -> c) x 3 (ReLU), then FC(c K^2 -> 2K + 1)."""

    configs: ClassVar[dict[str, dict[str, Any]]] = {"small": {"users": 30, "channels": 8}}

    def __init__(self, num_users: float | None = None, *args: Any, **kwargs: Any) -> None:
        super().__init__(num_users, *args, **kwargs)
        if self.num_users is not None and self.num_users != self.config["users"]:
            raise LinksimError(f"cnn is built for K={self.config['users']} users, the point has "
                               f"num_users={self.num_users}; restrict it with num_users = "
                               f"[{self.config['users']}] or build one with users={self.num_users}")

    def build(self, users: int, channels: int) -> None:
        c_in = EDGE_FEATURES + 2 * NODE_FEATURES
        self.users = int(users)
        self.conv = nn.Sequential(
            nn.Conv2d(c_in, channels, 3, padding=1), nn.ReLU(),
            nn.Conv2d(channels, channels, 3, padding=1), nn.ReLU(),
            nn.Conv2d(channels, channels, 3, padding=1), nn.ReLU())
        self.head = nn.Linear(channels * self.users ** 2, 2 * self.users + 1)

    def heads(self, node, edge, order):
        b, k, _ = node.shape
        if k != self.users:
            raise LinksimError(f"cnn is built for K={self.users} users, got {k}")
        pair = torch.cat([edge, node[:, :, None].expand(-1, -1, k, -1),
                          node[:, None].expand(-1, k, -1, -1)], dim=-1)
        out = self.head(self.conv(pair.permute(0, 3, 1, 2)).flatten(1))
        return out[:, :k], out[:, k:2 * k], out[:, -1]
