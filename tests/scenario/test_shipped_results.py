"""Every shipped scenario against its committed results folder, in the dry run: a rerun must
reuse every point (none computed, none refused). A scenario or code change that alters a
point's id, or records that no longer match their scenario, fail here until the results are
regenerated and committed. The dry run reads no data, so nothing is skipped for lack of it."""
from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from linksim.core.plan import COMPUTE, REFUSE
from linksim.core.record import RECORDS
from linksim.core.runner import Runner
from linksim.scenario import load_scenario

REPO = Path(__file__).resolve().parents[2]
SCENARIOS = sorted(p.relative_to(REPO) for p in (REPO / "scenarios").rglob("*.toml"))


def committed(path: Path) -> bool:
    """Whether ``path`` (relative to the repository) is in git; without git, whether it exists."""
    try:
        out = subprocess.run(["git", "ls-files", "--error-unmatch", str(path)], cwd=REPO,
                             capture_output=True, timeout=30)
    except (OSError, subprocess.SubprocessError):
        return (REPO / path).is_file()
    if out.returncode and b"not a git repository" in out.stderr:
        return (REPO / path).is_file()
    return out.returncode == 0


def test_scenarios_are_found():
    assert len(SCENARIOS) >= 10


@pytest.mark.parametrize("path", SCENARIOS, ids=[str(p.relative_to("scenarios")) for p in SCENARIOS])
def test_a_rerun_reuses_every_committed_point(path, monkeypatch):
    monkeypatch.chdir(REPO)
    scenario = load_scenario(path)
    if not committed(Path(scenario.output) / RECORDS):
        pytest.skip(f"{scenario.output}: no committed records (a user's first run computes them)")
    plan = Runner(scenario).plan()
    assert plan.refusal is None, plan.refusal
    assert not plan.torn
    task = Runner(scenario).task
    shown = [f"{p.status} {p.point.describe(task)}"
             for p in plan.points if p.status in (COMPUTE, REFUSE)][:5]
    assert plan.count(COMPUTE) == plan.count(REFUSE) == 0, (plan.summary(), shown)
    assert plan.points, "a scenario without grid points"
