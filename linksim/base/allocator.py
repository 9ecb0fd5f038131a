"""Large CPU tensors from reused heap memory instead of fresh page mappings (glibc malloc).

PyTorch's CPU tensors come from ``malloc``. glibc serves a block larger than its mmap
threshold (128 KiB, raised by use to at most 32 MiB) with a new anonymous mapping and
unmaps it on ``free``, and hands the top of the heap back to the kernel once more than
the trim threshold is free there. A network on full-size images allocates and frees
feature maps of tens to hundreds of MB per layer (64 channels x 768 x 512 x 4 images
is 100 MB), so every operator then writes into fresh pages: one page fault, and the
kernel zero-filling 4 KiB, per page. On the Kodak sweep's learned systems that was a
third of the CPU time (``benchmarks/bench_allocator.py``).

:func:`reuse_freed_memory` raises both thresholds (``mallopt``) so that freed feature
maps stay in the process and are reused by the next operator. The arithmetic is not
touched: results are bit-identical, only the page faults go. The price is a resident
size near the peak of the largest pass instead of falling back after it.

It changes nothing where the C library is not glibc, or where the user already chose
malloc settings (``MALLOC_MMAP_THRESHOLD_``, ``MALLOC_TRIM_THRESHOLD_`` or malloc
tunables in ``GLIBC_TUNABLES``); ``LINKSIM_MALLOC=system`` keeps the C library's defaults.
"""
from __future__ import annotations

import ctypes
import os

#: ``mallopt`` parameters (glibc's malloc.h)
M_TRIM_THRESHOLD, M_MMAP_THRESHOLD = -1, -3
#: blocks up to 1 GiB come from the heap; up to 2 GiB - 1 of free heap top is kept
#: (``mallopt`` takes a C int)
MMAP_THRESHOLD_BYTES = 1 << 30
TRIM_THRESHOLD_BYTES = (1 << 31) - 1

_applied: bool | None = None


def _user_chose() -> bool:
    """Whether the environment already sets malloc's thresholds or opts out."""
    env = os.environ
    return (env.get("LINKSIM_MALLOC", "").lower() == "system"
            or any(k in env for k in ("MALLOC_MMAP_THRESHOLD_", "MALLOC_TRIM_THRESHOLD_"))
            or "glibc.malloc" in env.get("GLIBC_TUNABLES", ""))


def reuse_freed_memory() -> bool:
    """Keep freed large blocks for reuse (see the module docstring); ``True`` if in effect.

    Idempotent and process-wide; processes forked afterwards inherit the setting.
    """
    global _applied
    if _applied is None:
        _applied = False
        if not _user_chose():
            try:
                mallopt = ctypes.CDLL(None).mallopt
            except (OSError, AttributeError):  # not glibc (macOS, Windows, musl)
                return False
            mallopt.argtypes, mallopt.restype = [ctypes.c_int, ctypes.c_int], ctypes.c_int
            _applied = bool(mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD_BYTES)
                            and mallopt(M_TRIM_THRESHOLD, TRIM_THRESHOLD_BYTES))
    return _applied
