"""Build mamba-ssm's selective-scan CUDA kernels from its source archive, offline, for this GPU only.

    python benchmarks/build_mamba_ssm.py .cache/mamba_ssm-<version>.tar.gz .cache/einops-<v>.whl DEST

For machines that reach no package registry (the lent GPU machines): the archive and the
einops wheel are carried in (see benchmarks/gpu_check.sh). mamba-ssm's own ``setup.py``
compiles ``selective_scan_cuda`` for every architecture its CUDA knows (8 or more), which
takes far longer than a lent machine's time; this builds the same sources with the same
nvcc flags through ``torch.utils.cpp_extension`` (ninja, parallel) for the one compute
capability of ``cuda:0``, and lays out in DEST a minimal ``mamba_ssm`` package holding the
selective-scan interface module unchanged (``mamba_ssm.ops.selective_scan_interface`` and
the three modules it imports) next to ``selective_scan_cuda`` and einops. With DEST on
``PYTHONPATH``, linksim's ``backend="cuda"`` runs mamba-ssm's kernel.
(On a machine with a registry: ``pip install -e ".[cuda]" --no-build-isolation``.)
"""
from __future__ import annotations

import os
import shutil
import sys
import tarfile
import time
import zipfile
from pathlib import Path

#: the modules of the archive the selective-scan interface needs (the package's __init__
#: imports the whole model zoo, which needs transformers; it is replaced by an empty one)
MODULES = ["mamba_ssm/ops/selective_scan_interface.py", "mamba_ssm/utils/torch.py",
           "mamba_ssm/utils/determinism.py", "mamba_ssm/ops/triton/layer_norm.py"]
SOURCES = ["selective_scan.cpp"] + [f"selective_scan_fwd_{t}.cu" for t in ("fp32", "fp16", "bf16")] + [
    f"selective_scan_bwd_{t}_{k}.cu" for t in ("fp32", "fp16", "bf16") for k in ("real", "complex")]
#: mamba-ssm 2.3's nvcc flags (setup.py), without its list of architectures
NVCC = ["-O3", "-std=c++17", "-U__CUDA_NO_HALF_OPERATORS__", "-U__CUDA_NO_HALF_CONVERSIONS__",
        "-U__CUDA_NO_BFLOAT16_OPERATORS__", "-U__CUDA_NO_BFLOAT16_CONVERSIONS__",
        "-U__CUDA_NO_BFLOAT162_OPERATORS__", "-U__CUDA_NO_BFLOAT162_CONVERSIONS__",
        "--expt-relaxed-constexpr", "--expt-extended-lambda", "--use_fast_math", "-lineinfo"]


def main(archive: str, einops_wheel: str, dest: str) -> int:
    import torch
    from torch.utils.cpp_extension import load

    t0 = time.time()
    dest_dir = Path(dest).resolve()
    src = dest_dir / "src"
    dest_dir.mkdir(parents=True, exist_ok=True)
    with tarfile.open(archive) as tar:
        tar.extractall(src, filter="data")
    root = next(src.iterdir())
    for rel in MODULES:
        (dest_dir / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(root / rel, dest_dir / rel)
    for pkg in ("mamba_ssm", "mamba_ssm/ops", "mamba_ssm/utils", "mamba_ssm/ops/triton"):
        (dest_dir / pkg / "__init__.py").write_text(
            "# minimal mamba-ssm: the selective-scan interface only (benchmarks/build_mamba_ssm.py)\n")
    with zipfile.ZipFile(einops_wheel) as whl:
        whl.extractall(dest_dir)
    major, minor = torch.cuda.get_device_capability(0)
    arch = f"{major}{minor}"
    csrc = root / "csrc" / "selective_scan"
    os.environ.setdefault("MAX_JOBS", str(max(1, (os.cpu_count() or 2) - 2)))
    os.environ["TORCH_CUDA_ARCH_LIST"] = f"{major}.{minor}"
    load(name="selective_scan_cuda", sources=[str(csrc / s) for s in SOURCES],
         extra_cflags=["-O3", "-std=c++17"],
         extra_cuda_cflags=NVCC + ["-gencode", f"arch=compute_{arch},code=sm_{arch}"],
         extra_include_paths=[str(csrc)], build_directory=str(dest_dir), verbose=True)
    print(f"built selective_scan_cuda for sm_{arch} in {time.time() - t0:.0f} s into {dest_dir}")
    return 0


if __name__ == "__main__":
    if len(sys.argv) != 4:
        print(__doc__)
        raise SystemExit(2)
    raise SystemExit(main(*sys.argv[1:]))
