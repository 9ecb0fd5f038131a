"""Radio-map data generation: LLVM check, procedural cities, and (with Sionna RT) a tiny
ray-traced data set that is deterministic and resumes after a kill without duplicates."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from linksim.cli import main
from linksim.base.seeding import derive_seed
from linksim.errors import LinksimError
from linksim.tasks.radiomap import city, raytracer, storage

NO_RT = raytracer.available()
needs_rt = pytest.mark.skipif(NO_RT is not None, reason=str(NO_RT))

#: a 32 x 32 map of 4 m cells, few rays: a few seconds per data set
TINY = ["--split", "1,1,1", "--tx-per-city", "2", "--cells", "32", "--cell-m", "4",
        "--rays", "20000", "--max-depth", "2", "--threads", "1"]


def test_llvm_version_from_file_name():
    assert raytracer.llvm_major("/usr/lib/x86_64-linux-gnu/libLLVM.so.19.1") == 19
    assert raytracer.llvm_major("/usr/lib/x86_64-linux-gnu/libLLVM-15.so.1") == 15
    assert raytracer.llvm_major("/usr/lib/llvm-17/lib/libLLVM-17.so") == 17


def test_old_llvm_is_refused_with_the_fix(monkeypatch):
    monkeypatch.setenv("DRJIT_LIBLLVM_PATH", "/usr/lib/x86_64-linux-gnu/libLLVM-15.so.1")
    with pytest.raises(LinksimError, match="apt-get install -y libllvm19"):
        raytracer.configure_llvm()


def test_missing_llvm_is_refused_with_the_fix(monkeypatch):
    monkeypatch.delenv("DRJIT_LIBLLVM_PATH", raising=False)
    monkeypatch.setattr(raytracer, "LLVM_GLOBS", ("/nonexistent/libLLVM*.so*",))
    if not sys.platform.startswith("linux"):
        pytest.skip("LLVM is searched for on Linux only")
    with pytest.raises(LinksimError, match="libllvm19") as err:
        raytracer.configure_llvm()
    assert "\n" not in str(err.value)


def test_city_is_deterministic_and_inside_the_map():
    a, b = city.random_city(7), city.random_city(7)
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, city.random_city(8))
    spec = city.CitySpec()
    assert len(a) > 5 and np.all(np.abs(a[:, :4]) <= spec.side_m / 2)
    assert np.all((a[:, 4] >= spec.height_m[0]) & (a[:, 4] <= spec.height_m[1]))


def test_box_mesh_faces_point_outwards():
    box = np.array([[0.0, 0.0, 4.0, 2.0, 3.0]])
    v, f = city.box_mesh(box)
    centre = np.array([2.0, 1.0, 1.5])
    for tri in f:
        p = v[tri]
        normal = np.cross(p[1] - p[0], p[2] - p[0])
        assert np.dot(normal, p.mean(0) - centre) > 0


def test_bad_map_size_is_one_line_exit_2(tmp_path, capsys):
    assert main(["radiomap", "generate", "--out", str(tmp_path / "d"), "--cells", "30"]) == 2
    err = capsys.readouterr().err.strip()
    assert "--cells 30: unsupported map size" in err and "\n" not in err


def test_torn_index_line_is_dropped_and_not_glued(tmp_path):
    storage.append_index(tmp_path, {"id": "a", "split": "train"})
    with open(tmp_path / storage.INDEX, "a") as f:
        f.write('{"id": "b", "spl')             # a kill in the middle of a line
    assert [e["id"] for e in storage.read_index(tmp_path)] == ["a"]
    storage.append_index(tmp_path, {"id": "c", "split": "train"})
    assert [e["id"] for e in storage.read_index(tmp_path)] == ["a", "c"]


def _generate(out: Path) -> None:
    assert main(["radiomap", "generate", "--out", str(out)] + TINY) == 0


def _maps(out: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted((out / "maps").glob("*.png"))}


@pytest.fixture(scope="module")
def clean(tmp_path_factory):
    """One tiny data set generated in one go (shared by the tests below)."""
    out = tmp_path_factory.mktemp("radiomap") / "clean"
    _generate(out)
    return out


@pytest.mark.slow
@needs_rt
def test_generation_is_deterministic_and_resumes_after_a_kill(tmp_path, clean):
    killed = tmp_path / "killed"
    card = storage.read_card(clean)
    assert card["status"] == "complete" and card["maps"] == {"train": 2, "val": 2, "test": 2}
    # a second process is killed (SIGKILL) right after its third map is written
    code = ("import os, signal; from linksim.tasks.radiomap import generate as g\n"
            "n = [0]\n"
            "def hit(e):\n    n[0] += 1\n    n[0] == 3 and os.kill(os.getpid(), signal.SIGKILL)\n"
            f"g.generate(g.GenConfig(out={str(killed)!r}, split=(1, 1, 1), tx_per_city=2, "
            "cells=32, cell_m=4.0, rays=20000, max_depth=2), threads=1, progress=False, "
            "on_map=hit)\n")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert proc.returncode == -9, proc.stderr[-2000:]
    assert len(storage.read_index(killed)) == 3
    _generate(killed)
    ids = [e["id"] for e in storage.read_index(killed)]
    assert len(ids) == len(set(ids)) == 6
    assert _maps(killed) == _maps(clean)  # bit-identical maps, none traced twice
    for name in ("city0000", "city0002"):
        assert ((killed / "cities" / name / "buildings.png").read_bytes()
                == (clean / "cities" / name / "buildings.png").read_bytes())


@needs_rt
def test_mesh_raster_matches_the_boxes_and_the_gain_peaks_at_the_transmitter(clean):
    out = clean
    cfg = storage.read_card(out)["config"]
    boxes = city.random_city(derive_seed(cfg["seed"], "city", 0),
                             city.CitySpec(side_m=cfg["cells"] * cfg["cell_m"]))
    exact = city.rasterize_boxes(boxes, cfg["cells"], cfg["cell_m"])
    heights = storage.read_png(out / "cities" / "city0000" / "buildings.png")
    np.testing.assert_array_equal(heights > 0, exact > 0)
    np.testing.assert_allclose(heights[exact > 0], np.round(exact[exact > 0]), atol=1)
    for e in storage.entries(out):
        gain = storage.read_png(out / e["file"]).astype(int)
        col, row = e["tx"]
        assert gain[row, col] >= gain.max() - 3   # within 1.2 dB of the map's strongest cell


@needs_rt
def test_other_settings_refuse_to_resume(tmp_path, capsys):
    out = tmp_path / "d"
    storage.write_card(out, {"config": {"seed": 5}})
    assert main(["radiomap", "generate", "--out", str(out)] + TINY) == 2
    assert "use the same flags to resume" in capsys.readouterr().err
