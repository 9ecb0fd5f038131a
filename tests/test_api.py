"""The Python API (linksim.api, exported lazily by linksim): scenarios from dicts with
overrides, runs with the CLI's records and resume, tables, paired comparisons, parts by name."""
from __future__ import annotations

import subprocess
import sys

import pytest
import torch

import linksim
from linksim.base.registry import load_plugin  # noqa: F401  (the API re-exports it)
from linksim.core.record import read_records

GAUSSIAN = {"task": "gaussian", "seed": 3,
            "source": {"dataset": "gaussian", "count": 8, "length": 64},
            "sweep": {"snr_db": [0, 10], "cbr": ["1/2"]},
            "channels": [{"name": "awgn"}],
            "systems": [{"name": "uncoded", "label": "U"}, {"name": "opta", "label": "OPTA"}],
            "stop": {"batch_size": 4}}


def test_import_linksim_loads_no_torch_and_every_public_name_has_a_docstring():
    code = ("import sys, linksim\nassert 'torch' not in sys.modules, 'torch imported'\n"
            "missing = [n for n in linksim.__all__ if n != '__version__' and not "
            "(getattr(linksim, n).__doc__ or '').strip()]\nprint(missing)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=300)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"


def test_dict_scenario_with_overrides_runs_like_the_cli_and_resumes(tmp_path, capsys):
    scenario = linksim.load_scenario(GAUSSIAN, {"stop.max_items": 4, "systems.0.label": "Unc"})
    assert scenario.stop.max_items == 4 and scenario.systems[0].label == "Unc"
    results = linksim.run(scenario, output=tmp_path / "api")
    assert len(results.records) == 4 and not results.failed
    # the CLI on the same scenario file writes the same records (but wall time and host)
    toml = tmp_path / "s.toml"
    toml.write_text('task = "gaussian"\nseed = 3\n[source]\ndataset = "gaussian"\ncount = 8\n'
                    'length = 64\n[sweep]\nsnr_db = [0, 10]\ncbr = ["1/2"]\n[[channels]]\n'
                    'name = "awgn"\n[[systems]]\nname = "uncoded"\nlabel = "Unc"\n[[systems]]\n'
                    'name = "opta"\nlabel = "OPTA"\n[stop]\nbatch_size = 4\nmax_items = 4\n')
    from linksim.cli import main

    assert main(["run", str(toml), "--out", str(tmp_path / "cli"), "--no-plots"]) == 0
    strip = lambda r: (r.point_id, r.label, r.metrics, r.values)  # noqa: E731
    assert [strip(r) for r in read_records(tmp_path / "cli")] == [strip(r) for r in
                                                                  results.records]
    again = linksim.run(scenario, output=tmp_path / "api")   # resume: nothing recomputed
    assert [r.wall_time_s for r in again.records] == [r.wall_time_s for r in results.records]


def test_table_compare_and_plot_from_a_folder(tmp_path):
    results = linksim.run(linksim.load_scenario(GAUSSIAN, ["stop.max_items=8"]),
                          output=tmp_path)
    rows = linksim.table(tmp_path)
    rows = rows.to_dict("records") if hasattr(rows, "to_dict") else rows
    assert {r["system"] for r in rows} == {"U", "OPTA"} and all(r["count"] == 8 for r in rows)
    assert all(r["mse_db_ci95"] > 0 for r in rows)
    diffs = results.compare("U", "OPTA")
    diffs = diffs.to_dict("records") if hasattr(diffs, "to_dict") else [
        {"diff": d.mean, "ci95": d.ci95, "pairs": d.count} for d in diffs]
    assert len(diffs) == 2 and all(d["pairs"] == 8 for d in diffs)
    # Goblick: uncoded meets OPTA on AWGN at CBR 1/2; the paired interval covers zero
    assert all(abs(d["diff"]) <= d["ci95"] + 0.05 for d in diffs)
    assert [p.suffix for p in linksim.plot(tmp_path)] == [".png"]


def test_parts_by_name_on_tensors():
    system = linksim.build_system("uncoded", task="gaussian", cbr=0.5)
    channel = linksim.build_channel("awgn")
    x = torch.randn(3, 64, generator=torch.Generator().manual_seed(0))
    x_hat, _ = system.transmit(x, linksim.make_link(channel, 40.0, 3, seed=1))
    assert torch.allclose(x_hat, x, atol=0.05)   # at 40 dB the LMMSE output is ~x
    psnr = linksim.get_metric("psnr")
    img = torch.rand(2, 3, 16, 16, generator=torch.Generator().manual_seed(0))
    assert psnr.higher_is_better and psnr(img, img * 0 + 0.5).shape == (2,)
    assert "mambajscc" in linksim.names("systems", "image")
    assert linksim.origin("systems", "mambajscc") == "linksim"


def test_bad_override_is_a_one_line_error():
    with pytest.raises(linksim.LinksimError, match="stop.max_items"):
        linksim.load_scenario(GAUSSIAN, {"stop.max_items": "many"})
