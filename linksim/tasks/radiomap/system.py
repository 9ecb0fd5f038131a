"""Radio-map systems: ``transmit(batch, None) -> (P_hat, {})`` with no channel.

:class:`RadioMapSystem` is the base of every predictor (physics baselines and networks):
it implements :meth:`predict` ([B, 1, H, W] estimate of the normalized path gain from a
:class:`~linksim.tasks.radiomap.dataset.RadioBatch`). :class:`LearnedRadioMap` adds named
configurations and checkpoints of the zoo (the configuration comes from the model card);
its subclasses implement :meth:`build` and :meth:`network` (inputs [B, 2, H, W] -> [B, 1, H, W]).

Every network config may set ``tx_dilation`` (odd, in cells; 1, the default, is the
one-cell transmitter map of RadioMapSeer): the transmitter channel is max-pooled with a
``tx_dilation`` x ``tx_dilation`` window of stride 1 before the network sees it, i.e. a
square of ones of that side around the transmitter. No parameters; a checkpoint whose card
does not set it was trained without it.
"""
from __future__ import annotations

from typing import Any, ClassVar

import torch
import torch.nn.functional as F

from linksim.zoo.learned import LearnedWeights
from linksim.core.system import System
from linksim.errors import LinksimError


class RadioMapSystem(System):
    """Base of the radio-map predictors. In evaluation mode predictions are clipped to [0, 1]."""

    task: ClassVar[str] = "radiomap"
    #: map sides must be a multiple of this (pooling depth of a network)
    multiple: ClassVar[int] = 1

    def predict(self, batch) -> torch.Tensor:
        raise NotImplementedError

    @classmethod
    def check_example_size(cls, size: int, config: str | None = None, **params: Any) -> None:
        """Refuse ``linksim bench --size`` for maps this system cannot take, before any
        work (``multiple`` may depend on the configuration, so the model is built)."""
        kwargs = dict(params, **({"config": config} if config is not None else {}))
        if getattr(cls, "learned", False):
            kwargs.setdefault("random_weights", True)
        cls(**kwargs).check_size(size, size)

    def check_size(self, h: int, w: int) -> None:
        if h % self.multiple or w % self.multiple:
            raise LinksimError(f"{type(self).__name__}: maps of {h}x{w} cells are not supported; "
                               f"the side must be a multiple of {self.multiple}")

    def check_items(self, items) -> None:
        for h, w in sorted({it.data.heights.shape[-2:] for it in items}):
            self.check_size(h, w)

    def transmit(self, batch, link=None) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
        self.check_size(*batch.inputs.shape[-2:])
        p_hat = self.predict(batch)
        return (p_hat if self.training else p_hat.clamp(0.0, 1.0)), {}


class LearnedRadioMap(LearnedWeights, RadioMapSystem):
    """A network with trained weights: ``config`` names one of ``configs`` (overrides by
    keyword), ``checkpoint`` an id in the zoo, ``random_weights=True`` an untrained model."""

    def __init__(self, config: str | None = None, checkpoint: str | None = None,
                 random_weights: bool = False, **overrides: Any) -> None:
        super().__init__()
        self.config: dict[str, Any] = self.named_config(config, overrides, checkpoint)
        self.tx_dilation = check_dilation(self.config.get("tx_dilation", 1))
        self.build(**{k: v for k, v in self.config.items() if k != "tx_dilation"})
        if checkpoint is not None:
            self.load_checkpoint(checkpoint)

    def build(self, **config: Any) -> None:
        raise NotImplementedError

    def network(self, inputs: torch.Tensor) -> torch.Tensor:
        raise NotImplementedError

    def predict(self, batch) -> torch.Tensor:
        return self.network(dilate_transmitter(batch.inputs, self.tx_dilation))


def check_dilation(k: Any) -> int:
    if isinstance(k, bool) or not isinstance(k, int) or k < 1 or k % 2 == 0:
        raise LinksimError(f"tx_dilation={k!r}: expected an odd whole number of cells >= 1 "
                           "(1: the one-cell transmitter map)")
    return k


def dilate_transmitter(inputs: torch.Tensor, k: int) -> torch.Tensor:
    """[B, 2, H, W] (buildings, transmitter) -> the same with the transmitter channel
    max-pooled over a k x k window (stride 1, same size): a k x k square around it."""
    if k == 1:
        return inputs
    tx = F.max_pool2d(inputs[:, 1:], k, stride=1, padding=k // 2)
    return torch.cat([inputs[:, :1], tx], dim=1)
