"""reuse_freed_memory: freed large tensors are reused without page faults (glibc only)."""
import json
import os
import subprocess
import sys

import pytest

PROBE = """
import json, resource, sys, torch
from linksim.base.allocator import reuse_freed_memory
applied = reuse_freed_memory()
torch.set_num_threads(1)
def faults():
    return resource.getrusage(resource.RUSAGE_SELF).ru_minflt
def layer(x):                       # operators writing 64 MiB results, freed again
    y = x * 2.0
    return y + 1.0
x = torch.ones(16 * 2**20)          # 64 MiB: above glibc's largest dynamic mmap threshold
for _ in range(3):                  # warm-up: the heap grows to the working set
    layer(layer(x))
before = faults()
for _ in range(3):
    layer(layer(x))
print(json.dumps({"applied": applied, "faults": faults() - before}))
"""


def _probe(env_extra: dict[str, str], code: str = PROBE) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MALLOC_", "GLIBC_TUNABLES"))}
    env.pop("LINKSIM_MALLOC", None)
    out = subprocess.run([sys.executable, "-c", code], env={**env, **env_extra},
                         capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc malloc settings")
def test_freed_large_tensors_are_reused_without_page_faults():
    on, off = _probe({}), _probe({"LINKSIM_MALLOC": "system"})
    if not on["applied"]:
        pytest.skip("not glibc: mallopt unavailable")
    assert off["applied"] is False
    pages = 12 * 64 * 2**20 // 4096     # twelve fresh 64 MiB results
    assert off["faults"] > pages // 2   # glibc's defaults map (and fault in) each one afresh
    assert on["faults"] < pages // 10   # reused heap memory: at most one result faults in


def test_user_malloc_settings_are_left_alone():
    code = ("import json; from linksim.base.allocator import reuse_freed_memory; "
            "print(json.dumps({'applied': reuse_freed_memory()}))")
    for env in ({"MALLOC_MMAP_THRESHOLD_": "65536"}, {"GLIBC_TUNABLES": "glibc.malloc.trim_threshold=0"}):
        assert _probe(env, code)["applied"] is False
