"""The RadioMapSeer-like data set and what goes with it: adaptive smoothing of Monte-Carlo
maps, real-scene tiles, the held-out-city split, the checksum, RadioUNet's second U
(checked against Table III of the RadioMamba paper) and the agreement of two verdict maps."""
from __future__ import annotations

import json

import numpy as np
import pytest
import torch

from linksim.cli import main
from linksim.errors import LinksimError
from linksim.tasks.radiomap import city, raytracer, smoothing, storage, tiles
from linksim.tasks.radiomap.coverage_figure import agreement
from linksim.tasks.radiomap.dataset import RadioMapSet
from linksim.tasks.radiomap.radiounet import RadioUNet

NO_RT = raytracer.available()
needs_rt = pytest.mark.skipif(NO_RT is not None, reason=str(NO_RT))


def test_box_sum_matches_a_loop():
    a = np.random.default_rng(0).random((7, 9))
    got = smoothing.box_sum(a, 3)
    p = np.pad(a, 1)
    want = np.array([[p[r:r + 3, c:c + 3].sum() for c in range(9)] for r in range(7)])
    np.testing.assert_allclose(got, want)


def test_adaptive_mean_keeps_dense_cells_and_fills_sparse_ones_unbiased():
    rng = np.random.default_rng(1)
    buildings = np.zeros((64, 64))
    buildings[20:30, 20:30] = 10.0
    g = np.full((64, 64), 1e-8)
    g[:, 32:] = np.where(rng.random((64, 32)) < 0.2, 5e-8, 0.0)   # sparse: mean 1e-8
    out = smoothing.adaptive_mean(g, buildings)
    assert (out[buildings > 0] == 0).all()
    dense = np.zeros_like(g, dtype=bool)
    dense[2:-2, 2:28] = True
    dense[18:32, 18:32] = False
    np.testing.assert_array_equal(out[dense], g[dense].astype(np.float32))
    sparse = out[:, 40:]
    assert (sparse > 0).mean() > 0.95                  # filled
    assert sparse.mean() == pytest.approx(1e-8, rel=0.1)   # the mean is kept


def test_second_u_has_the_parameters_of_table_iii():
    """RadioMamba's Table III lists RadioUNet (both Us) at 13.27 M parameters."""
    n = sum(p.numel() for p in RadioUNet(config="paper-wnet", random_weights=True).parameters())
    assert round(n / 1e6, 2) == 13.27
    one = sum(p.numel() for p in RadioUNet(config="paper", random_weights=True).parameters())
    assert one < n


def test_stage_two_trains_the_second_u_only(tmp_path, monkeypatch):
    first = RadioUNet(config="small", random_weights=True)
    torch.save(first.state_dict(), tmp_path / "u1.pt")
    (tmp_path / "u1.json").write_text(json.dumps({"id": "u1", "system": "radiounet",
                                                  "config": first.config}))
    monkeypatch.setenv("LINKSIM_ZOO", str(tmp_path))
    model = RadioUNet(config="small-wnet", first_u="u1", random_weights=True)
    model.prepare_training(None)
    for k, v in first.state_dict().items():
        assert torch.equal(model.state_dict()[k], v)
    trainable = {n for n, p in model.named_parameters() if p.requires_grad}
    assert trainable and all(n.startswith("second.") for n in trainable)
    x = torch.rand(2, 2, 64, 64)
    model.train()
    model.network(x).mean().backward()
    assert all(p.grad is None for n, p in model.named_parameters() if not n.startswith("second."))
    with pytest.raises(LinksimError, match="first_u"):
        RadioUNet(config="small-wnet", random_weights=True).prepare_training(None)


def test_verdict_agreement_counts():
    a = np.array([1.0, 0.0, -1.0, np.nan, 1.0])
    b = np.array([1.0, 1.0, -1.0, 0.0, np.nan])
    out = agreement(a, b)
    assert out["cells_both"] == 3 and out["agree"] == pytest.approx(2 / 3)
    assert out["cells_only_first"] == 1 and out["cells_only_second"] == 1
    assert out["confusion"]["tie->win"] == 1 and out["confusion"]["win->win"] == 1


@needs_rt
def test_tile_heights_match_the_boxes(tmp_path):
    spec = city.CitySpec(side_m=128.0)
    boxes = city.random_city(3, spec)
    scene = raytracer.load_scene(str(city.write_scene(tmp_path, boxes, spec)))
    for center in ((0.0, 0.0), (-32.0, 32.0)):
        got = tiles.heights(scene, center, 16, 4.0, 1.5)
        exact = city.rasterize_boxes(boxes, 16, 4.0, center)
        np.testing.assert_array_equal(got > 0, exact > 0)
    found = tiles.scene_tiles("x", scene, 16, 4.0, 1.5, need_open=1)
    assert found and all(abs(t.center[0]) <= 96 and abs(t.center[1]) <= 96 for t in found)


@needs_rt
@pytest.mark.slow
def test_real_tiles_held_out_city_resume_and_checksum(tmp_path, capsys):
    out = tmp_path / "d"
    args = ["radiomap", "generate", "--out", str(out), "--split", "0,0,0", "--tx-per-city", "1",
            "--cells", "16", "--cell-m", "24", "--rays", "20000", "--max-depth", "1",
            "--diffraction", "--smooth", "--real-scenes", "etoile", "--holdout-city",
            "florence", "--threads", "1"]
    assert main(args) == 0
    card = storage.read_card(out)
    assert card["status"] == "complete" and card["maps"]["test_city"] >= 1
    assert card["maps"]["train"] >= 1 and card["maps"]["test"] == 0
    layouts = {e["city"]: e["split"] for e in storage.read_index(out)}
    assert all(s == "test_city" for c, s in layouts.items() if c.startswith("florence"))
    assert any(c.startswith("etoile") and s == "train" for c, s in layouts.items())
    assert all((out / e["raw_file"]).is_file() for e in storage.read_index(out))
    assert len(RadioMapSet(str(out), "test_city")) == card["maps"]["test_city"]
    capsys.readouterr()
    assert main(["radiomap", "generate", "--out", str(out), "--verify"]) == 0
    assert json.loads(capsys.readouterr().out)["match"] is True
    first = next(storage.entries(out))
    img = storage.read_png(out / first["file"])
    img[0, 0] ^= 1
    storage.write_png(out / first["file"], img)
    assert main(["radiomap", "generate", "--out", str(out), "--verify"]) == 1
    assert main(args[:-6] + ["--holdout-city", "munich", "--threads", "1"]) == 2
    assert "use the same flags to resume" in capsys.readouterr().err


def test_held_out_city_may_not_train(tmp_path, capsys):
    assert main(["radiomap", "generate", "--out", str(tmp_path), "--real-scenes", "munich",
                 "--holdout-city", "munich"]) == 2
    assert "a held-out city must not train" in capsys.readouterr().err
    assert main(["radiomap", "generate", "--out", str(tmp_path), "--real-scenes", "paris"]) == 2
    assert "not one of Sionna RT's city scenes" in capsys.readouterr().err


def test_snapshot_is_a_fixed_view_and_rebuilds_from_its_index(tmp_path, capsys):
    from linksim.tasks.radiomap.synthetic import write_synthetic

    root = write_synthetic(tmp_path / "d", split=(2, 1, 1), tx_per_city=2, cells=32)
    assert main(["radiomap", "snapshot", str(root), "--out", str(tmp_path / "s")]) == 0
    card = storage.read_card(tmp_path / "s")
    assert card["maps"] == {"train": 4} and card["snapshot_of"] == str(root.resolve())
    storage.append_index(root, {**next(storage.entries(root, "train")), "id": "late_tx00"})
    assert len(RadioMapSet(str(tmp_path / "s"), "train")) == 4      # the later map is not seen
    assert main(["radiomap", "snapshot", str(root), "--out", str(tmp_path / "r"), "--index",
                 str(tmp_path / "s" / "index.jsonl")]) == 0
    assert storage.read_card(tmp_path / "r")["checksum"] == card["checksum"]
    (tmp_path / "x").mkdir()
    storage.append_index(tmp_path / "x", {"id": "nowhere_tx00", "split": "train"})
    assert main(["radiomap", "snapshot", str(root), "--out", str(tmp_path / "y"), "--index",
                 str(tmp_path / "x" / "index.jsonl")]) == 2
    assert "not generated yet" in capsys.readouterr().err


def test_diffraction_gain_numbers():
    from linksim.tasks.radiomap.diffraction_figure import diffraction_gain

    nan = np.nan
    with_db = np.array([-80.0, -90.0, -100.0, nan])
    without = np.array([-80.0, -95.0, nan, nan])
    out = diffraction_gain(with_db, without, np.array([True, True, True, True]))
    assert out["only_with_diffraction"] == 0.25 and out["reached_with"] == 0.75
    assert out["median_added_db"] == pytest.approx(2.5)


def test_generation_order_is_chosen_and_checked(tmp_path):
    from linksim.tasks.radiomap.generate import GenConfig, plan

    cfg = GenConfig(out=str(tmp_path), split=(2, 1, 1))
    assert [(lay.name, lay.split) for lay in plan(cfg, None)] == [
        ("city0003", "test"), ("city0002", "val"), ("city0000", "train"), ("city0001", "train")]
    assert [lay.split for lay in plan(cfg, None, ("train", "test", "test_city", "val"))] == [
        "train", "train", "test", "val"]
    with pytest.raises(LinksimError, match="--order"):
        plan(cfg, None, ("train", "test"))


@needs_rt
def test_coverage_gain_from_a_model_is_its_prediction(tmp_path):
    """The model route of the coverage map: the free-space 'model' gives Friis at every open
    cell (to the 8-bit step of the normalized scale), buildings from the scene."""
    from linksim.tasks.radiomap.coverage_figure import Site, predict, tx_cell
    from linksim.tasks.radiomap.units import SPAN_DB, friis_gain_db

    spec = city.CitySpec(side_m=64.0)
    boxes = city.random_city(5, spec)
    xml = city.write_scene(tmp_path, boxes, spec)
    exact = city.rasterize_boxes(boxes, 16, 4.0)
    rows, cols = np.nonzero(exact == 0)
    col, row = int(cols[0]), int(rows[0])
    site = Site(scene=str(xml), tx=(-32 + 4 * col + 2.0, -32 + 4 * row + 2.0, 1.5),
                cells=16, cell_m=4.0)
    assert tx_cell(site) == (col, row)
    gain, building = predict(site, "fspl", {})
    np.testing.assert_array_equal(building, exact > 0)
    r, c = np.mgrid[0:16, 0:16]
    d = np.maximum(np.hypot(r - row, c - col) * 4.0, 2.0)
    friis = friis_gain_db(torch.from_numpy(d), site.frequency_hz).numpy()
    open_ = ~building & (gain > 0)
    assert open_.sum() > 100
    np.testing.assert_allclose(10 * np.log10(gain[open_]), friis[open_], atol=SPAN_DB / 255)
    assert (gain[building] == 0).all()
