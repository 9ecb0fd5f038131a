"""Sionna RT on the CPU: the LLVM check, the import, and the two calls the data set needs.

Sionna RT (``pip install "linksim[radiomap]"``) runs on Dr.Jit's LLVM backend on a CPU.
Dr.Jit needs LLVM 16 or newer; with Debian's LLVM 14/15 it aborts the process (``LLVM
ERROR: Cannot select fminimum``), which no ``try`` can catch. :func:`rt` therefore finds
a recent ``libLLVM`` *before* Dr.Jit is imported and points ``DRJIT_LIBLLVM_PATH`` at it
(a path the user set is kept, unless its file name says it is older than 16), and
otherwise raises one :class:`~linksim.errors.LinksimError` line that names the fix.

- :func:`path_gain`: the :class:`sionna.rt.RadioMapSolver` path-gain map of one
  transmitter on a horizontal plane (linear power gain :math:`g_i`, eq. (54) of the
  Sionna RT docs: the cell average of :math:`\\sum |a_k|^2`, isotropic antennas).
- :func:`surface_heights`: the height of the highest surface above every cell centre,
  by casting vertical rays into the scene's meshes (the building map).
"""
from __future__ import annotations

import glob
import os
import re
import sys
from functools import lru_cache
from typing import Any

import numpy as np

from linksim.errors import LinksimError

#: where Debian/Ubuntu and the LLVM apt repository install ``libLLVM``
LLVM_GLOBS = ("/usr/lib/x86_64-linux-gnu/libLLVM*.so*", "/usr/lib/aarch64-linux-gnu/libLLVM*.so*",
              "/usr/lib/llvm-*/lib/libLLVM*.so*", "/usr/lib64/libLLVM*.so*",
              "/usr/local/lib/libLLVM*.so*")
MIN_LLVM = 16
FIX = ("apt-get install -y libllvm19 (Dr.Jit, Sionna RT's CPU backend, needs LLVM >= 16; "
       "linksim then sets DRJIT_LIBLLVM_PATH itself)")
INSTALL = "pip install \"linksim[radiomap]\" (Sionna RT >= 2.2)"
#: the Mitsuba variant: Dr.Jit's LLVM (CPU) backend with polarization, Sionna RT's own
VARIANT = "llvm_ad_mono_polarized"


def llvm_major(path: str) -> int | None:
    """The LLVM major version in a library file name (``libLLVM.so.19.1`` -> 19)."""
    m = re.search(r"libLLVM[-.]?(?:so\.)?(\d+)", os.path.basename(path))
    return int(m.group(1)) if m else None


def find_llvm() -> str | None:
    """The newest ``libLLVM`` of version >= 16 on this machine, else ``None``."""
    found = [(llvm_major(p) or 0, p) for pattern in LLVM_GLOBS for p in glob.glob(pattern)]
    found = sorted((v, p) for v, p in found if v >= MIN_LLVM)
    return found[-1][1] if found else None


def configure_llvm() -> str:
    """Point ``DRJIT_LIBLLVM_PATH`` at LLVM >= 16 before Dr.Jit loads; returns the path.

    :raises LinksimError: no such library (the message names the apt package).
    """
    given = os.environ.get("DRJIT_LIBLLVM_PATH")
    if given:
        version = llvm_major(given)
        if version is not None and version < MIN_LLVM:
            raise LinksimError(f"DRJIT_LIBLLVM_PATH={given} is LLVM {version}; unset it and "
                               f"{FIX}")
        return given
    if not sys.platform.startswith("linux"):
        return ""  # Dr.Jit finds Homebrew's/the system's LLVM itself
    path = find_llvm()
    if path is None:
        raise LinksimError(f"no LLVM >= {MIN_LLVM} for Sionna RT's CPU ray tracer: {FIX}")
    os.environ["DRJIT_LIBLLVM_PATH"] = path
    return path


def available() -> str | None:
    """``None`` when the ray tracer can run here, else the one-line fix (for test skips)."""
    try:
        import importlib.util

        if importlib.util.find_spec("sionna.rt") is None:
            return f"Sionna RT is not installed: {INSTALL}"
        configure_llvm()
    except LinksimError as exc:
        return str(exc)
    return None


@lru_cache(maxsize=1)
def rt() -> Any:
    """The ``sionna.rt`` module on Dr.Jit's LLVM backend (checked and configured once)."""
    problem = available()
    if problem is not None:
        raise LinksimError(problem)
    import mitsuba as mi

    if mi.variant() != VARIANT:
        mi.set_variant(VARIANT)
    import sionna.rt

    return sionna.rt


def set_threads(threads: int | None) -> None:
    """Dr.Jit's worker threads (``None``: its default, one per core)."""
    if threads:
        import drjit as dr

        rt()
        dr.set_thread_count(int(threads))


def versions() -> dict[str, str]:
    """Versions of the ray-tracing stack, for data-set cards."""
    import drjit
    import mitsuba

    return {"sionna_rt": rt().__version__, "mitsuba": mitsuba.__version__,
            "drjit": drjit.__version__, "llvm": os.environ.get("DRJIT_LIBLLVM_PATH", "")}


def load_scene(path: str) -> Any:
    """A Sionna RT scene from a Mitsuba XML file (or a ``sionna.rt.scene`` name).

    :raises LinksimError: the file is missing or does not load (one line, the path first).
    """
    sionna_rt = rt()
    file = getattr(sionna_rt.scene, path, path)
    if not os.path.isfile(file):
        raise LinksimError(f"{path}: no such scene file; give a Mitsuba XML scene or one of "
                           "Sionna RT's scenes (munich, etoile, florence, san_francisco, ...)")
    try:
        return sionna_rt.load_scene(file, merge_shapes=True)
    except Exception as exc:  # Mitsuba raises RuntimeError/ValueError with long text
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise LinksimError(f"{path}: the scene does not load ({first[:200]})") from None


def surface_heights(scene: Any, xs: np.ndarray, ys: np.ndarray, top: float = 1e4) -> np.ndarray:
    """Height (m) of the highest surface above each point (``-inf`` where a ray hits none).

    :param xs, ys: cell-centre coordinates (m), any equal shapes.
    :returns: float32 array of the same shape.
    """
    import drjit as dr
    import mitsuba as mi

    rt()
    n = xs.size
    origin = mi.Point3f(mi.Float(xs.ravel().astype(np.float32)),
                        mi.Float(ys.ravel().astype(np.float32)), mi.Float(np.full(n, top, np.float32)))
    ray = mi.Ray3f(origin, mi.Vector3f(0.0, 0.0, -1.0))
    si = scene.mi_scene.ray_intersect(ray)
    t = np.asarray(dr.select(si.is_valid(), si.t, dr.inf), dtype=np.float32)
    return (top - t).reshape(xs.shape)


def path_gain(scene: Any, tx: tuple[float, float, float], center: tuple[float, float, float],
              cells: int, cell_m: float, *, frequency_hz: float, rays: int, max_depth: int,
              seed: int, **solver: Any) -> np.ndarray:
    """The path-gain map of one isotropic, vertically polarized transmitter at ``tx``.

    :param center: (x, y, z) of the measurement plane's centre (z: the receiver height).
    :param cells: cells per side; :param cell_m: cell side (m).
    :param rays: Monte-Carlo rays (``samples_per_tx``); :param seed: the solver's seed.
    :returns: [cells, cells] float32 linear path gain, row = y index, column = x index
        (0 where no ray reached the cell).
    """
    sionna_rt = rt()
    import mitsuba as mi

    for name in list(scene.transmitters):
        scene.remove(name)
    scene.frequency = frequency_hz
    array = sionna_rt.PlanarArray(num_rows=1, num_cols=1, pattern="iso", polarization="V")
    scene.tx_array, scene.rx_array = array, array
    scene.add(sionna_rt.Transmitter("tx", position=mi.Point3f(*map(float, tx))))
    side = cells * cell_m
    rm = sionna_rt.RadioMapSolver()(
        scene, center=mi.Point3f(*map(float, center)), orientation=mi.Point3f(0.0, 0.0, 0.0),
        size=mi.Point2f(side, side), cell_size=mi.Point2f(cell_m, cell_m),
        samples_per_tx=int(rays), max_depth=int(max_depth), seed=int(seed),
        **solver)
    gain = np.asarray(rm.path_gain.numpy(), dtype=np.float32)[0]
    if gain.shape != (cells, cells):
        raise LinksimError(f"the radio map solver returned {gain.shape}, expected "
                           f"({cells}, {cells}); choose cell_m so that cells * cell_m is exact")
    return gain
