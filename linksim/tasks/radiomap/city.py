"""Procedural cities: random street grids, building footprints and heights, as a Sionna RT scene.

A city covers the square ``[-L/2, L/2]^2`` (m), ``L`` = the map side. Streets run along x
and y: blocks of ``block_m`` (uniform) separated by streets of ``street_m`` (uniform),
starting at a random offset. Each block is cut into 1-3 x 1-2 lots with gaps of 0-4 m;
a lot holds a box building (inset 0-3 m, height uniform in ``height_m``) with probability
``fill`` (the rest are yards and squares). Every number comes from one NumPy generator
seeded with the city's seed, so a seed always gives the same city.

:func:`write_scene` writes the city as a Mitsuba XML scene with two binary PLY meshes
(the buildings, ITU concrete; the ground, ITU medium-dry ground), the format of Sionna
RT's own scenes, so :func:`sionna.rt.load_scene` reads it like ``munich``.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

#: the walls and roof of one box (no floor), outward-facing triangles over its 8 corners
#: 0-3 at z=0 and 4-7 at z=h, counter-clockwise from (x0, y0)
BOX_FACES = np.array([[4, 5, 6], [4, 6, 7], [0, 1, 5], [0, 5, 4], [1, 2, 6], [1, 6, 5],
                      [2, 3, 7], [2, 7, 6], [3, 0, 4], [3, 4, 7]], dtype=np.int32)

SCENE_XML = """<scene version="2.1.0">
    <bsdf type="itu-radio-material" id="{wall}">
        <string name="type" value="{wall}"/>
        <float name="thickness" value="{wall_thickness}"/>
    </bsdf>
    <bsdf type="itu-radio-material" id="{ground}">
        <string name="type" value="{ground}"/>
        <float name="thickness" value="1.0"/>
    </bsdf>
    <shape type="ply" id="mesh-buildings">
        <string name="filename" value="meshes/buildings.ply"/>
        <boolean name="face_normals" value="true"/>
        <ref id="{wall}" name="bsdf"/>
    </shape>
    <shape type="ply" id="mesh-ground">
        <string name="filename" value="meshes/ground.ply"/>
        <boolean name="face_normals" value="true"/>
        <ref id="{ground}" name="bsdf"/>
    </shape>
</scene>
"""


@dataclass(frozen=True)
class CitySpec:
    """The distribution cities are drawn from (lengths in m)."""

    side_m: float = 256.0
    block_m: tuple[float, float] = (30.0, 80.0)
    street_m: tuple[float, float] = (8.0, 20.0)
    height_m: tuple[float, float] = (10.0, 40.0)
    fill: float = 0.85
    wall: str = "concrete"
    wall_thickness: float = 0.3
    ground: str = "medium_dry_ground"


def _cuts(rng: np.random.Generator, spec: CitySpec) -> list[tuple[float, float]]:
    """Block intervals along one axis: (start, end) in m, inside [-L/2, L/2]."""
    half = spec.side_m / 2
    pos, out = -half + rng.uniform(-spec.block_m[1] / 2, 0.0), []
    while pos < half:
        end = pos + rng.uniform(*spec.block_m)
        lo, hi = max(pos, -half), min(end, half)
        if hi - lo >= 6.0:
            out.append((lo, hi))
        pos = end + rng.uniform(*spec.street_m)
    return out


def _split(rng: np.random.Generator, lo: float, hi: float, parts: int) -> list[tuple[float, float]]:
    """``parts`` lots of [lo, hi] with random cut points and gaps of 0-4 m."""
    edges = np.sort(rng.uniform(lo, hi, parts - 1)) if parts > 1 else np.array([])
    bounds = np.concatenate([[lo], edges, [hi]])
    lots = []
    for a, b in zip(bounds[:-1], bounds[1:]):
        gap = rng.uniform(0.0, 4.0) / 2
        if b - a - 2 * gap >= 4.0:
            lots.append((a + gap, b - gap))
    return lots


def random_city(seed: int, spec: CitySpec = CitySpec()) -> np.ndarray:
    """The buildings of one city: [K, 5] float64 rows ``(x0, y0, x1, y1, height)`` in m."""
    rng = np.random.default_rng(seed)
    boxes = []
    for bx0, bx1 in _cuts(rng, spec):
        for by0, by1 in _cuts(rng, spec):
            for lx0, lx1 in _split(rng, bx0, bx1, int(rng.integers(1, 4))):
                for ly0, ly1 in _split(rng, by0, by1, int(rng.integers(1, 3))):
                    if rng.uniform() > spec.fill:
                        continue
                    inset = rng.uniform(0.0, 3.0, 4)
                    x0, x1 = lx0 + inset[0], lx1 - inset[1]
                    y0, y1 = ly0 + inset[2], ly1 - inset[3]
                    if x1 - x0 >= 3.0 and y1 - y0 >= 3.0:
                        boxes.append((x0, y0, x1, y1, rng.uniform(*spec.height_m)))
    return np.array(boxes, dtype=np.float64).reshape(-1, 5)


def box_mesh(boxes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Vertices [8K, 3] float32 and triangles [10K, 3] int32 of the boxes' walls and roofs."""
    x0, y0, x1, y1, h = boxes.T
    zero = np.zeros_like(h)
    xs = np.stack([x0, x1, x1, x0] * 2, axis=1)
    ys = np.stack([y0, y0, y1, y1] * 2, axis=1)
    zs = np.stack([zero] * 4 + [h] * 4, axis=1)
    vertices = np.stack([xs, ys, zs], axis=-1).reshape(-1, 3).astype(np.float32)
    faces = (BOX_FACES[None] + 8 * np.arange(len(boxes), dtype=np.int32)[:, None, None])
    return vertices, faces.reshape(-1, 3)


def write_ply(path: Path, vertices: np.ndarray, faces: np.ndarray) -> None:
    """A binary little-endian PLY of float32 vertices and int32 triangles."""
    header = (f"ply\nformat binary_little_endian 1.0\nelement vertex {len(vertices)}\n"
              "property float x\nproperty float y\nproperty float z\n"
              f"element face {len(faces)}\nproperty list uchar int vertex_indices\nend_header\n")
    tri = np.zeros(len(faces), dtype=[("n", "u1"), ("v", "<i4", (3,))])
    tri["n"], tri["v"] = 3, faces
    with open(path, "wb") as f:
        f.write(header.encode("ascii"))
        f.write(vertices.astype("<f4").tobytes())
        f.write(tri.tobytes())


def write_scene(folder: Path, boxes: np.ndarray, spec: CitySpec = CitySpec()) -> Path:
    """Write ``<folder>/scene.xml`` and its meshes; the ground extends 50 % past the map.

    :returns: the XML file.
    """
    meshes = Path(folder) / "meshes"
    meshes.mkdir(parents=True, exist_ok=True)
    write_ply(meshes / "buildings.ply", *box_mesh(boxes))
    g = 0.75 * spec.side_m
    ground = np.array([[-g, -g, 0], [g, -g, 0], [g, g, 0], [-g, g, 0]], dtype=np.float32)
    write_ply(meshes / "ground.ply", ground, np.array([[0, 1, 2], [0, 2, 3]], dtype=np.int32))
    xml = Path(folder) / "scene.xml"
    xml.write_text(SCENE_XML.format(wall=spec.wall, wall_thickness=spec.wall_thickness,
                                    ground=spec.ground))
    return xml


def rasterize_boxes(boxes: np.ndarray, cells: int, cell_m: float,
                    center: tuple[float, float] = (0.0, 0.0)) -> np.ndarray:
    """[cells, cells] float32 building height (m) at each cell centre (0: open), exact.

    Row = y index, column = x index, as :func:`~linksim.tasks.radiomap.raytracer.path_gain`.
    """
    c = (np.arange(cells) + 0.5) * cell_m - cells * cell_m / 2
    xs, ys = c + center[0], c + center[1]
    out = np.zeros((cells, cells), dtype=np.float32)
    for x0, y0, x1, y1, h in boxes:
        rows = (ys > y0) & (ys < y1)
        cols = (xs > x0) & (xs < x1)
        out[np.ix_(rows, cols)] = np.maximum(out[np.ix_(rows, cols)], h)
    return out
