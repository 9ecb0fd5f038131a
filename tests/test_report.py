"""linksim report: a self-contained HTML page and a Markdown file from the records alone,
checked for content and rendered in headless Chromium (skipped where it is absent)."""
from __future__ import annotations

import re
import shutil
import subprocess

import pytest

import linksim
from linksim.cli import main

SCENARIO = {"task": "gaussian", "name": "report_test", "seed": 1,
            "source": {"dataset": "gaussian", "count": 6, "length": 32},
            "sweep": {"snr_db": [0, 10], "cbr": ["1/4", "1/2"]},
            "channels": [{"name": "awgn"}],
            "systems": [{"name": "uncoded", "label": "Uncoded"},
                        {"name": "opta", "label": "OPTA bound"}]}


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    folder = tmp_path_factory.mktemp("report")
    linksim.run(SCENARIO, output=folder)
    assert main(["report", str(folder), "--reference", "OPTA bound"]) == 0
    return folder


def test_report_holds_figures_tables_paired_rows_and_provenance(report):
    page = (report / "report.html").read_text()
    md = (report / "report.md").read_text()
    # every metric against every axis: mse_db vs snr_db (2 CBRs) and vs cbr (2 SNRs)
    figures = re.findall(r'src="data:image/png;base64,', page)
    assert len(figures) == 4 and len(list((report / "report_files").rglob("*.png"))) == 4
    assert "src=\"http" not in page and "<link" not in page   # self-contained
    for text in (page, md):
        assert "Paired differences" in text and "OPTA bound" in text
        assert "scenario hash" in text and "report_test" in text and "wall time" in text
    # the paired table: Uncoded - OPTA at each of the 4 points, with pairs = 6
    rows = [l for l in md.splitlines() if l.startswith("| Uncoded | awgn |")]
    assert len(rows) == 4 and all(l.rstrip(" |").endswith("| 6") for l in rows)


def test_unknown_reference_is_a_one_line_error(report, capsys):
    assert main(["report", str(report), "--reference", "nope"]) == 2
    assert "--reference 'nope': no such system" in capsys.readouterr().err


def _chromium() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.mark.skipif(_chromium() is None, reason="headless Chromium not installed")
def test_report_renders_in_headless_chromium(report, tmp_path):
    url = (report / "report.html").resolve().as_uri()
    out = subprocess.run([_chromium(), "--headless", "--no-sandbox", "--disable-gpu",
                          "--enable-logging=stderr", "--v=0", "--virtual-time-budget=5000",
                          "--dump-dom", url], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    # the page's script counted every figure as loaded (complete, with a width)
    assert 'data-figures="4"' in out.stdout
    console = [l for l in out.stderr.splitlines() if "CONSOLE" in l or "Uncaught" in l]
    assert not console, console
    shot = tmp_path / "shot.png"
    subprocess.run([_chromium(), "--headless", "--no-sandbox", "--disable-gpu",
                    f"--screenshot={shot}", "--window-size=1000,800", url],
                   capture_output=True, timeout=120)
    assert shot.stat().st_size > 10_000
