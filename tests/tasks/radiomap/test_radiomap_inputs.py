"""Radio maps: bad input is one line and exit code 2, before any work; figures; the RadioUNet
output layer."""
from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

from linksim.cli import main
from linksim.tasks.radiomap import storage
from linksim.tasks.radiomap.dataset import DEFAULT_ROOT, RadioMapSet

SCENARIO = """
name = "bad"
task = "radiomap"
seed = 0
output = "{out}"

[source]
dataset = "radiomap"
root = "{root}"
split = "test"

[[systems]]
name = "{system}"
{extra}

[stop]
max_items = 2
batch_size = 2
"""


def small_copy(tmp: Path, cells: int = 128, tx: tuple[int, int] | None = None) -> Path:
    """A data set of the first two test maps of the committed one, cropped to
    ``cells`` x ``cells`` (south-west corner) and the first transmitter moved to ``tx``."""
    src, root = DEFAULT_ROOT, tmp / "data"
    entries = list(storage.entries(src, "test"))[:2]
    card = storage.read_card(src)
    card["map_shape"] = [cells, cells]
    card["config"]["cells"] = cells
    storage.write_card(root, card)
    for e in entries:
        heights = storage.read_png(src / "cities" / e["city"] / "buildings.png")[:cells, :cells]
        storage.write_png(root / "cities" / e["city"] / "buildings.png", heights)
        storage.write_png(root / e["file"], storage.read_png(src / e["file"])[:cells, :cells])
    for i, e in enumerate(entries):
        e = dict(e)
        if i == 0 and tx is not None:
            e["tx"] = list(tx)
        else:  # inside the crop: the first open cell of the map
            heights = storage.read_png(root / "cities" / e["city"] / "buildings.png")
            if not (e["tx"][0] < cells and e["tx"][1] < cells):
                rows, cols = np.nonzero(heights == 0)
                e["tx"] = [int(cols[0]), int(rows[0])]
        storage.append_index(root, e)
    return root


def scenario(tmp: Path, root: Path | str, system: str = "fspl", extra: str = "") -> str:
    path = tmp / "bad.toml"
    path.write_text(SCENARIO.format(out=tmp / "out", root=root, system=system, extra=extra))
    return str(path)


def one_line_error(capsys) -> str:
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and "Traceback" not in err, err
    return err


def building_cell(root: Path) -> tuple[int, int]:
    e = next(storage.entries(root, "test"))
    heights = storage.read_png(root / "cities" / e["city"] / "buildings.png")
    rows, cols = np.nonzero(heights > 0)
    return int(cols[0]), int(rows[0])


def test_missing_data_set_run(tmp_path, capsys):
    assert main(["run", scenario(tmp_path, tmp_path / "nowhere"), "--no-plots"]) == 2
    err = one_line_error(capsys)
    assert "no radio-map data set there" in err and "linksim radiomap generate" in err


def test_missing_data_set_train(tmp_path, capsys):
    code = main(["train", "radiounet", "--task", "radiomap", "--data", str(tmp_path / "nowhere"),
                 "--out", str(tmp_path / "m"), "--steps", "1"])
    assert code == 2
    assert "linksim radiomap generate" in one_line_error(capsys)


def test_transmitter_inside_a_building(tmp_path, capsys):
    root = small_copy(tmp_path)
    col, row = building_cell(root)
    shutil.rmtree(root)
    root = small_copy(tmp_path, tx=(col, row))
    with pytest.raises(Exception, match="inside a building"):
        RadioMapSet(str(root), "test")[0]
    assert main(["run", scenario(tmp_path, root), "--no-plots"]) == 2
    err = one_line_error(capsys)
    assert ".toml:7: source: " in err and "inside a building" in err and "city" in err


def test_transmitter_outside_the_map(tmp_path, capsys):
    root = small_copy(tmp_path, tx=(500, 3))
    assert main(["run", scenario(tmp_path, root), "--no-plots"]) == 2
    assert "outside the 128x128 map" in one_line_error(capsys)


def test_map_size_the_network_does_not_support(tmp_path, capsys):
    root = small_copy(tmp_path, cells=96)      # a multiple of 16 (radiomamba small), not of 64
    code = main(["run", scenario(tmp_path, root, "radiounet", "random_weights = true"),
                 "--no-plots"])
    assert code == 2
    err = one_line_error(capsys)
    assert "maps of 96x96 cells are not supported" in err and "multiple of 64" in err
    assert "[[systems]]" in err and not (tmp_path / "out" / "results.jsonl").exists()


def test_bench_map_size_the_network_does_not_support(capsys):
    assert main(["bench", "radiounet", "--task", "radiomap", "--size", "96"]) == 2
    assert "multiple of 64" in one_line_error(capsys)


def test_plot_command_and_bad_map_index(tmp_path, capsys):
    root = small_copy(tmp_path)
    out = tmp_path / "fig.png"
    assert main(["radiomap", "plot", "fspl", "--data", str(root), "--maps", "0,1",
                 "--out", str(out)]) == 0
    assert out.is_file() and out.stat().st_size > 10_000
    capsys.readouterr()
    assert main(["radiomap", "plot", "fspl", "--data", str(root), "--maps", "0,7",
                 "--out", str(out)]) == 2
    assert "map 7 does not exist" in one_line_error(capsys)


def test_radiounet_output_layer_keys_do_not_depend_on_the_relu():
    import torch

    from linksim.tasks.radiomap.radiounet import RadioUNet

    a = RadioUNet(config="small", random_weights=True)
    b = RadioUNet(config="small", output_relu=True, random_weights=True)
    assert list(a.state_dict()) == list(b.state_dict())
    assert not any(isinstance(m, torch.nn.ReLU) for m in a.head1)
    assert any(isinstance(m, torch.nn.ReLU) for m in b.head1)
    assert RadioUNet.configs["paper"]["output_relu"] is True


def test_run_table_and_compare_without_axes(tmp_path, capsys):
    root = small_copy(tmp_path)
    extra = '\n[[systems]]\nname = "multiwall"\nlabel = "MW"\nexponent = 3.0\nwall_db = 10.0'
    assert main(["run", scenario(tmp_path, root, "fspl", extra), "--no-plots"]) == 0
    capsys.readouterr()
    assert main(["table", str(tmp_path / "out"), "--metric", "rm_nmse"]) == 0
    out = capsys.readouterr().out
    assert "| fspl |" in out and "| MW |" in out and "±" in out
    assert main(["compare", str(tmp_path / "out"), "MW", "fspl", "--metric",
                 "rm_nmse"]) == 0
    assert "| 2" in capsys.readouterr().out     # two pairs (maps)
