"""The system interface: a transmitter/receiver pair over a shared channel.

A system belongs to one task (``task``). The runner builds it from its scenario entry
as ``cls(**params, **task.build_kwargs(axes))`` (the image task passes ``cbr``) and
calls ``system.transmit(batch, link)`` with a :class:`~linksim.channels.base.Link`
that carries the channel, the SNR and the point's common random numbers. The runner
never special-cases a system by name.
"""
from __future__ import annotations

from typing import Any, ClassVar

import torch
from torch import nn

from linksim.channels.base import Link
from linksim.errors import LinksimError


def check_ratio(value: float, name: str) -> float:
    """A bandwidth ratio (e.g. channel uses per source value) in (0, 16] as float, else a
    one-line error naming the parameter ``name``."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 < value <= 16:
        raise LinksimError(f"{name}={value!r}: must be a number in (0, 16]")
    return float(value)


class System(nn.Module):
    """Base class for every transmitter/receiver pair.

    Class attributes:

    - ``task``: the registered task the system serves (``"text"``, ``"gaussian"``, ...).
    - ``learned``: True for systems with trained weights (loaded from a checkpoint).
    - ``envelope``: name of a parameter over which results are reduced by the
      best mean metric when reported (e.g. ``"mcs"`` for the separated chain).
    - ``family``: the system family figures colour alike (default: the registered name,
      so every variant and checkpoint of ``mambajscc`` shares one colour).
    - ``role``: ``"learned"``, ``"classical"`` or ``"bound"`` (a performance bound, drawn
      as one in every figure); default: ``"learned"`` if ``learned`` else ``"classical"``.
    """

    task: ClassVar[str] = ""
    learned: ClassVar[bool] = False
    envelope: ClassVar[str | None] = None
    family: ClassVar[str | None] = None
    role: ClassVar[str | None] = None

    # --- identity recorded in every result -------------------------------------------
    @property
    def checkpoint_id(self) -> str | None:
        """Id of the loaded checkpoint (learned systems), else ``None``."""
        return None

    def provenance(self) -> dict[str, Any]:
        """Extra fields recorded with each result (e.g. a codec's version)."""
        return {}

    @classmethod
    def param_grid(cls, params: dict[str, Any]) -> list[dict[str, Any]]:
        """Expand scenario params into the variants to evaluate (default: just one)."""
        return [params]

    @classmethod
    def at_point(cls, params: dict[str, Any], axes: dict[str, float]) -> dict[str, Any]:
        """The constructor params for one grid point of a variant (default: unchanged).

        Lets a system resolve point-specific choices before it is built, e.g. a checkpoint
        per CBR and training SNR (:class:`~linksim.tasks.image.systems.learned.LearnedSystem`).
        """
        return params

    @classmethod
    def identity(cls, params: dict[str, Any]) -> dict[str, Any]:
        """What, beyond ``params``, determines the results (e.g. a checkpoint's content
        hash); part of the grid point's id."""
        return {}

    def check_items(self, items: list[Any]) -> None:
        """Raise :class:`~linksim.errors.LinksimError` if this system cannot take the
        scenario's items (e.g. a map size a network does not support); called once per
        system before any work. Default: every item is fine."""

    def prepare_training(self, data: Any) -> None:
        """Called once by ``linksim train`` before the first step with the task's training
        data (e.g. word frequencies for an adaptive softmax); default: nothing."""

    # --- the link ---------------------------------------------------------------------
    def transmit(self, x: Any, link: Link | None) -> tuple[Any, dict[str, torch.Tensor]]:
        """Send a batch through ``link`` and return ``(x_hat, extra)``.

        ``extra`` maps names to [B] float tensors that the runner accumulates
        beside the metrics (e.g. ``lost`` for the separated chain).
        """
        raise NotImplementedError

    # --- what the runner may reuse ------------------------------------------------------
    def transmitter_axes(self) -> tuple[str, ...] | None:
        """The task axes the transmitted signal depends on, or ``None`` (the default): it
        may depend on every axis, the channel and the repeat, so nothing is reused.

        A system that returns a tuple (e.g. ``("cbr",)`` for an encoder without channel
        adaptation) promises that :meth:`send` of a batch gives the same result at every
        grid point with the same constructor parameters and the same values of these axes,
        on every channel and repeat, without touching any global random generator, and that
        ``transmit(x, link)`` equals ``receive(send(x, link), link)``. The runner then
        computes ``send`` once per batch and per value of these axes and reuses it across the
        other axes (e.g. every SNR of a curve); records are identical either way. Never for
        an encoder that adapts to the SNR or reads the channel state.
        """
        return None

    def send(self, x: Any, link: Link | None) -> Any:
        """The part of :meth:`transmit` that depends on the declared
        :meth:`transmitter_axes` only: usually what goes on air for batch ``x``, with
        whatever side information the receiver needs; for a transmitter whose SNR enters
        late, its SNR-free front (the rest of it then runs in :meth:`receive`)."""
        raise NotImplementedError(f"{type(self).__name__} declares transmitter_axes but "
                                  "has no send")

    def receive(self, sent: Any, link: Link | None) -> tuple[Any, dict[str, torch.Tensor]]:
        """The rest of :meth:`transmit`: the channel and the receiver for what :meth:`send`
        returned; ``(x_hat, extra)`` as :meth:`transmit`."""
        raise NotImplementedError(f"{type(self).__name__} declares transmitter_axes but "
                                  "has no receive")
