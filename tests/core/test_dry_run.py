"""The dry run (linksim run --dry-run, linksim.dry_run, Runner.plan) and the refusal to mix:
records under a label whose system or channel parameters changed are never added to."""
from __future__ import annotations

import pytest

import linksim
from linksim.cli import main
from linksim.core.plan import COMPUTE, REFUSE, REUSE
from linksim.core.record import RECORDS, read_records

SCENARIO = """
name = "mix"
task = "gaussian"
seed = 2
[source]
count = 4
length = 64
[sweep]
snr_db = [0, 10]
cbr = "1/2"
[[channels]]
name = "rayleigh"
label = "fading"
fading = "fast"
[[systems]]
name = "uncoded"
label = "Uncoded (LMMSE)"
"""


@pytest.fixture
def folder(tmp_path):
    path = tmp_path / "s.toml"
    path.write_text(SCENARIO)
    out = tmp_path / "out"
    assert len(linksim.run(str(path), out).records) == 2
    return path, out


def statuses(plan):
    return [p.status for p in plan.points]


def test_the_dry_run_computes_nothing_and_reads_no_data(folder, monkeypatch):
    from linksim.core.worker import PointWorker

    path, out = folder

    def no_data(self):
        raise AssertionError("the dry run read the source")

    monkeypatch.setattr(PointWorker, "items", no_data)
    before = (out / RECORDS).read_bytes()
    plan = linksim.dry_run(str(path), out)
    assert statuses(plan) == [REUSE, REUSE] and plan.refusal is None
    plan = linksim.dry_run(linksim.load_scenario(str(path), {"sweep.snr_db": [0, 5, 10]}), out)
    assert statuses(plan) == [REUSE, COMPUTE, REUSE]
    assert "3 points: 2 reused, 1 to compute, 0 refused" == plan.summary()
    assert statuses(linksim.dry_run(str(path), out, fresh=True)) == [COMPUTE, COMPUTE]
    assert (out / RECORDS).read_bytes() == before


def test_a_label_whose_system_changed_is_refused(folder, capsys):
    path, out = folder
    text = SCENARIO.replace('name = "uncoded"', 'name = "opta"')
    path.write_text(text)
    words = ("s.toml:15: [[systems]] 'Uncoded (LMMSE)': {records} holds records under this "
             "label computed with other parameters (name: 'uncoded' in the records, 'opta' in "
             "the scenario)")
    before = (out / RECORDS).read_bytes()
    plan = linksim.dry_run(str(path), out)
    assert statuses(plan) == [REFUSE, REFUSE] and plan.refusal
    expected = words.format(records=out / RECORDS)
    for argv in (["run", str(path), "--out", str(out), "--dry-run"],
                 ["run", str(path), "--out", str(out), "--no-plots"]):
        assert main(argv) == 2
        err = capsys.readouterr().err.strip().splitlines()
        assert expected in err[-1] and "--fresh replaces" in err[-1] and "new label" in err[-1]
    assert (out / RECORDS).read_bytes() == before
    # the fixes: a new label keeps both, --fresh replaces the old records
    path.write_text(text.replace("Uncoded (LMMSE)", "Uncoded (changed)"))
    assert main(["run", str(path), "--out", str(out), "--no-plots"]) == 0
    assert len(read_records(out)) == 4
    path.write_text(text)
    assert main(["run", str(path), "--out", str(out), "--no-plots", "--fresh"]) == 0
    assert {r.label for r in read_records(out)} == {"Uncoded (LMMSE)"}
    assert len(read_records(out)) == 2


def test_a_channel_label_whose_parameters_changed_is_refused(folder):
    path, out = folder
    path.write_text(SCENARIO.replace('fading = "fast"', 'fading = "block"'))
    plan = linksim.dry_run(str(path), out)
    assert plan.refusal and "s.toml:11: [[channels]] 'fading':" in plan.refusal
    assert "fading: 'fast' in the records, 'block' in the scenario" in plan.refusal
    with pytest.raises(linksim.LinksimError, match="computed with other parameters"):
        linksim.run(str(path), out)


def test_records_of_another_seed_are_refused_for_every_point(folder):
    path, out = folder
    plan = linksim.dry_run(linksim.load_scenario(str(path), {"seed": 9}), out)
    assert statuses(plan) == [REFUSE, REFUSE]
    assert "another seed, source, stop rule or metrics" in plan.refusal
    appended = linksim.dry_run(linksim.load_scenario(str(path), {"seed": 9}), out, append=True)
    assert statuses(appended) == [COMPUTE, COMPUTE] and appended.refusal is None
