r"""GSSM scan exchange: invertible permutations of the row-major flattened H×W sequence.

MambaJSCC (Sec. III-A, eqs. 9-13) writes scan exchanging as :math:`\tilde{\mathbf u} =
\mathbf P_k \mathbf u` with an invertible matrix and scan recovery as
:math:`\mathbf P_k^{-1}`; for the scan schemes used in practice :math:`\mathbf P_k` is a
permutation matrix (rows of the identity swapped), so :math:`\mathbf P_k^{-1} =
\mathbf P_k^\top`. Here a scheme is an index tensor ``perm`` [L] (``L = H·W``) with

* exchange: ``u_k = u.index_select(-1, perm)``  (``u_k[i] = u[perm[i]]``),
* recovery: ``y = y_k.index_select(-1, inv)``  (``inv[perm[i]] = i``).

Schemes (VMamba's four cross-scan orders; the paper's design uses the first two):

========================= ============================ ==================================
name                      alias                        order of the scan
========================= ============================ ==================================
``identity``              ``row_major``                row by row (the vectorization)
``reverse``               ``row_major_reverse``        row-major, last pixel first
``transpose``             ``col_major``                column by column
``transpose_reverse``     ``col_major_reverse``        column-major, last pixel first
========================= ============================ ==================================
"""
from __future__ import annotations

from functools import lru_cache
from typing import Callable

import torch

from linksim.errors import UnknownName


def _row_major(h: int, w: int) -> torch.Tensor:
    return torch.arange(h * w)


def _col_major(h: int, w: int) -> torch.Tensor:
    return torch.arange(h * w).view(h, w).t().reshape(-1)


#: scheme name -> ``fn(H, W) -> perm [H*W]`` (int64)
ORDERS: dict[str, Callable[[int, int], torch.Tensor]] = {
    "identity": _row_major,
    "reverse": lambda h, w: _row_major(h, w).flip(0),
    "transpose": _col_major,
    "transpose_reverse": lambda h, w: _col_major(h, w).flip(0),
}
ALIASES = {"row_major": "identity", "row_major_reverse": "reverse",
           "col_major": "transpose", "col_major_reverse": "transpose_reverse"}


def names() -> list[str]:
    """Canonical scheme names."""
    return list(ORDERS)


def inverse(perm: torch.Tensor) -> torch.Tensor:
    """Inverse permutation: ``inv[perm[i]] = i``."""
    inv = torch.empty_like(perm)
    inv[perm] = torch.arange(perm.numel(), device=perm.device)
    return inv


@lru_cache(maxsize=256)
def _cached(name: str, h: int, w: int) -> tuple[torch.Tensor, torch.Tensor]:
    perm = ORDERS[name](h, w)
    return perm, inverse(perm)


def order(name: str, h: int, w: int, device: torch.device | str | None = None
          ) -> tuple[torch.Tensor, torch.Tensor]:
    """``(perm, inv)`` int64 index tensors [H*W] of scan scheme ``name`` for an H×W map."""
    key = ALIASES.get(name.lower(), name.lower())
    if key not in ORDERS:
        raise UnknownName(f"unknown GSSM scan order {name!r}; choose one of: "
                          f"{', '.join(list(ORDERS) + list(ALIASES))}")
    perm, inv = _cached(key, int(h), int(w))
    if device is not None:
        perm, inv = perm.to(device), inv.to(device)
    return perm, inv


@lru_cache(maxsize=256)
def _positions(names: tuple[str, ...], h: int, w: int, device: str) -> torch.Tensor:
    return torch.stack([order(name, h, w)[0] for name in names]).to(device)


def positions(names: tuple[str, ...] | list[str], h: int, w: int,
              device: torch.device | str = "cpu") -> torch.Tensor:
    """[K, H*W] int64: row ``k`` is ``perm`` of scheme ``names[k]``, the index map with which a
    scan kernel visits the row-major sequence in that order (scan step ``t`` reads and writes
    position ``perm[t]``; :func:`linksim.mamba.scan.gssm_scan`). Cached per shape and device."""
    return _positions(tuple(names), int(h), int(w), str(torch.device(device)))


def _flat(x: torch.Tensor, transpose: bool) -> torch.Tensor:
    """[B, D, H, W] -> [B, D, H*W], row-major (or column-major when ``transpose``)."""
    return (x.transpose(-1, -2) if transpose else x).reshape(*x.shape[:-2], -1)


def _unflat(y: torch.Tensor, h: int, w: int, transpose: bool) -> torch.Tensor:
    """Inverse of :func:`_flat`: [B, D, H*W] -> [B, D, H, W]."""
    return y.reshape(*y.shape[:-1], w, h).transpose(-1, -2) if transpose else \
        y.reshape(*y.shape[:-1], h, w)


#: the four named schemes as (column-major?, reversed?): reshapes and flips, which are much
#: faster than a gather along L and give exactly ``index_select(-1, perm)``
_VIEWS = {"identity": (False, False), "reverse": (False, True),
          "transpose": (True, False), "transpose_reverse": (True, True)}


def scan_exchange(x: torch.Tensor, name: str) -> torch.Tensor:
    """[B, D, H, W] -> [B, D, H*W] in the order of ``name`` (:math:`\\mathbf P_k \\mathbf u`)."""
    key = ALIASES.get(name.lower(), name.lower())
    if key in _VIEWS:
        transpose, rev = _VIEWS[key]
        u = _flat(x, transpose)
        return u.flip(-1) if rev else u
    b, d, h, w = x.shape
    perm, _ = order(name, h, w, device=x.device)
    return x.reshape(b, d, h * w).index_select(-1, perm)


def scan_recover(y: torch.Tensor, name: str, h: int, w: int) -> torch.Tensor:
    """[B, D, H*W] in the order of ``name`` -> [B, D, H, W] (:math:`\\mathbf P_k^{-1}`)."""
    key = ALIASES.get(name.lower(), name.lower())
    if key in _VIEWS:
        transpose, rev = _VIEWS[key]
        return _unflat(y.flip(-1) if rev else y, h, w, transpose)
    _, inv = order(name, h, w, device=y.device)
    return y.index_select(-1, inv).reshape(*y.shape[:-1], h, w)
