"""On the committed Kodak records (common random numbers), the best-MCS envelope of the
separated chain is never below a fixed MCS at the same (channel, CBR, SNR) point."""
from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3] / "results" / "image"


@pytest.mark.parametrize("folder", ["kodak_awgn", "kodak_rayleigh"])
def test_best_mcs_envelope_not_below_fixed_mcs(folder):
    path = ROOT / folder / "results.jsonl"
    if not path.exists():
        pytest.skip(f"no records in {path}")
    best, fixed = defaultdict(list), defaultdict(list)
    for line in path.read_text().splitlines():
        r = json.loads(line)
        if r["system"] != "separated" or r.get("count", 0) == 0:
            continue
        key = (r["channel_label"], r["axes"]["cbr"], r["axes"]["snr_db"])
        mean = r["metrics"]["psnr"]["sum"] / r["metrics"]["psnr"]["count"]
        # the scenario's "mcs = best" entry (every MCS) against its one fixed-MCS entry
        (best if r["label"] == "HEVC-intra + LDPC + QAM" else fixed)[key].append(mean)
    shared = [k for k in fixed if k in best]
    if not shared:
        pytest.skip("no point has both the envelope and a fixed MCS yet")
    for k in shared:
        assert max(best[k]) >= max(fixed[k]) - 1e-9, k
