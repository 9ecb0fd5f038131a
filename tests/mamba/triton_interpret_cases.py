"""The Triton scan backend against the sequential reference, run under Triton's interpreter.

Run by tests/test_scan_triton.py in a subprocess with ``TRITON_INTERPRET=1`` (it must be
set before Triton is imported, and must not leak into the other tests); prints one JSON
object: case name -> {tensor: max |got - ref| / max |ref|} for the output and every gradient.
``--device cuda`` runs the same cases compiled on a GPU (benchmarks/gpu_check.sh).
Shapes are small (the interpreter runs every program in NumPy) but cross the kernel's chunks
(8 steps), channel blocks (4) and a state size that is not a power of two.
"""
from __future__ import annotations

import json
import os
import sys

import torch

from linksim.mamba import gssm_order
from linksim.mamba.scan import gssm_scan, selective_scan

#: where the Triton side runs (the reference runs on the CPU in float64)
DEVICE = "cpu"


def inputs(b, d, n, length, seed, dtype, z=True, skip=True):
    g = torch.Generator().manual_seed(seed)

    def rnd(*shape, scale=1.0):
        return (scale * torch.randn(*shape, generator=g, dtype=torch.float64)).to(dtype)

    x = dict(u=rnd(b, d, length), delta=rnd(b, d, length, scale=0.5),
             A=-torch.rand(d, n, generator=g, dtype=torch.float64).add(0.1).float(),
             B=rnd(b, n, length), C=rnd(b, n, length), D=rnd(d).float(), z=rnd(b, d, length),
             delta_bias=rnd(d, scale=0.1).float())
    if not z:
        x.pop("z")
    if not skip:
        x.pop("D")
        x.pop("delta_bias")
    return x, rnd(b, scale=5.0).float()


def rel(got, ref):
    """max |got - ref| / max |ref| (the absolute error where ref is 0 throughout)."""
    err = (got.detach().cpu().double() - ref.detach().double()).abs().max()
    scale = ref.detach().double().abs().max()
    return float(err / scale if scale > 0 else err)


def compare(run, x, snr_db, csi):
    """Output and every gradient of run(leaves, snr, backend) for triton against reference."""
    results = []
    for backend in ("reference", "triton"):
        where = {"reference": dict(dtype=torch.float64), "triton": dict(device=DEVICE)}[backend]

        def leaf(v, where=where):
            return (v.to(**where) if "device" in where or v.is_floating_point() else v).detach().requires_grad_()

        leaves = {k: leaf(v) for k, v in x.items()}
        s = leaf(snr_db)
        y = run(leaves, s if csi is not None else None, backend)
        gy = torch.randn(y.shape, generator=torch.Generator().manual_seed(7), dtype=torch.float64).to(y.device)
        wrt = list(leaves.values()) + ([s] if csi is not None else [])
        grads = torch.autograd.grad(y, wrt, gy.to(y.dtype), allow_unused=True)  # snr_db: no write
        results.append([y] + [torch.zeros_like(w) if g is None else g for g, w in zip(grads, wrt)])
    names = ["y"] + [f"d{k}" for k in x] + (["dsnr_db"] if csi is not None else [])
    return {name: rel(got, ref) for name, ref, got in zip(names, *results)}


def single(case):
    x, snr_db = inputs(case["b"], case["d"], case["n"], case["L"], case["seed"], case["dtype"],
                       case.get("z", True), case.get("skip", True))
    csi = case["csi"]

    def run(leaves, s, backend):
        return selective_scan(**leaves, delta_softplus=case.get("softplus", True), backend=backend,
                              **({} if csi is None else dict(csi, snr_db=s)))

    return compare(run, x, snr_db, csi)


def orders(case):
    """A GSSM scan: K orders through index maps, u and delta as time-major views."""
    h, w, k = case["h"], case["w"], len(case["orders"])
    x, snr_db = inputs(2, 6, 3, h * w, case["seed"], torch.float32, z=False)
    g = torch.Generator().manual_seed(3)
    x["delta"] = torch.randn(k, 2, h * w, 6, generator=g).transpose(-1, -2) * 0.5
    x["u"] = x["u"].transpose(1, 2).contiguous().transpose(1, 2)
    x["A"], x["B"], x["C"] = (x["A"].expand(k, -1, -1) * torch.linspace(0.5, 1.5, k)[:, None, None],
                              torch.randn(k, 2, 3, h * w, generator=g), torch.randn(k, 2, 3, h * w, generator=g))
    x["D"], x["delta_bias"] = torch.randn(k, 6, generator=g), 0.1 * torch.randn(k, 6, generator=g)
    csi = case["csi"]

    def run(leaves, s, backend):
        pos = gssm_order.positions(case["orders"], h, w, leaves["u"].device)
        return gssm_scan(**leaves, delta_softplus=True, positions=pos, backend=backend,
                         **({} if csi is None else dict(csi, snr_db=s)))

    return compare(run, x, snr_db, csi)


F32 = dict(b=2, d=5, n=3, seed=0, dtype=torch.float32)
CASES = {
    "plain_L23": (single, dict(F32, L=23, csi=None)),
    "paper_T7_L23": (single, dict(F32, L=23, csi=dict(csi_period=7))),
    "paper_T8_chunk_aligned_L17": (single, dict(F32, L=17, csi=dict(csi_period=8), seed=1)),
    "paper_initial_only_L9": (single, dict(F32, L=9, csi=dict(csi_period=None), seed=2)),
    "released_T6_L19": (single, dict(F32, L=19, csi=dict(csi_mode="released", csi_period=6), seed=3)),
    "released_default_L5_no_write": (single, dict(F32, L=5, csi=dict(csi_mode="released"), seed=4)),
    "L1": (single, dict(F32, L=1, csi=dict(csi_period=3), seed=5)),
    "no_softplus_no_gate_no_skip": (single, dict(F32, L=11, csi=dict(csi_period=4), z=False, skip=False,
                                                 softplus=False, seed=6)),
    "bf16_paper_T5": (single, dict(F32, L=13, csi=dict(csi_period=5), dtype=torch.bfloat16, seed=7)),
    "fp16_released_T4": (single, dict(F32, L=13, csi=dict(csi_mode="released", csi_period=4),
                                      dtype=torch.float16, seed=8)),
    "gssm_4_orders_paper_T5": (orders, dict(h=3, w=5, orders=("identity", "transpose", "reverse",
                                                                "transpose_reverse"), csi=dict(csi_period=5), seed=9)),
    "gssm_2_orders_released_T4": (orders, dict(h=2, w=5, orders=("identity", "reverse"),
                                               csi=dict(csi_mode="released", csi_period=4), seed=10)),
}


def main(names: list[str]) -> int:
    global DEVICE
    if names[:1] == ["--device"]:
        DEVICE, names = names[1], names[2:]
    assert DEVICE != "cpu" or os.environ.get("TRITON_INTERPRET") == "1", "run with TRITON_INTERPRET=1"
    out = {name: fn(case) for name, (fn, case) in CASES.items() if not names or name in names}
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
