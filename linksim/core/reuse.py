"""Transmitted signals kept for reuse across grid points (see
:meth:`~linksim.core.system.System.transmitter_axes`).

A system whose transmitter does not depend on some axes (an encoder without channel
adaptation does not read the SNR) sends the same signal for a batch at every value of
them. :class:`SentCache` keeps what :meth:`~linksim.core.system.System.send` returned,
keyed by the system variant, the values of the axes it depends on and the batch's items,
least recently used first out beyond a memory limit, so a worker encodes each batch once
per curve instead of once per point.
"""
from __future__ import annotations

import os
from collections import OrderedDict
from typing import Any, Callable, Hashable

import torch

#: default memory limit of one worker's cache (``LINKSIM_REUSE_MB`` overrides; 0: off)
DEFAULT_LIMIT_MB = 512


def nbytes(value: Any) -> int:
    """Bytes of the tensors in ``value`` (nested tuples, lists and dicts)."""
    if isinstance(value, torch.Tensor):
        return value.numel() * value.element_size()
    if isinstance(value, (tuple, list)):
        return sum(nbytes(v) for v in value)
    if isinstance(value, dict):
        return sum(nbytes(v) for v in value.values())
    return 0


def limit_from_env() -> int:
    """The cache's limit in bytes: ``LINKSIM_REUSE_MB`` megabytes, else the default."""
    text = os.environ.get("LINKSIM_REUSE_MB", "")
    try:
        mb = float(text) if text else DEFAULT_LIMIT_MB
    except ValueError:
        mb = DEFAULT_LIMIT_MB
    return int(max(mb, 0.0) * 2**20)


class SentCache:
    """Least-recently-used store of sent signals, at most ``limit`` bytes of tensors.

    :ivar hits: how many :meth:`get` calls found their key; :ivar misses: how many did not.
    """

    def __init__(self, limit: int | None = None) -> None:
        self.limit = limit_from_env() if limit is None else int(limit)
        self._store: OrderedDict[Hashable, tuple[Any, int]] = OrderedDict()
        self._bytes = 0
        self.hits = self.misses = 0

    def get(self, key: Hashable, make: Callable[[], Any]) -> Any:
        """The value stored under ``key``, else ``make()`` (stored if it fits)."""
        if key in self._store:
            self._store.move_to_end(key)
            self.hits += 1
            return self._store[key][0]
        self.misses += 1
        value = make()
        size = nbytes(value)
        if size <= self.limit:
            self._store[key] = (value, size)
            self._bytes += size
            while self._bytes > self.limit:
                _, (_, dropped) = self._store.popitem(last=False)
                self._bytes -= dropped
        return value

    def clear(self) -> None:
        self._store.clear()
        self._bytes = 0
