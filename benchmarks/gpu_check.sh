#!/usr/bin/env bash
# Issue 26's GPU checks in one command, for a lent GPU machine that reaches no package
# registry (torch with CUDA, Triton, nvcc, ninja there). Results go to files under $OUT
# (default ./gpu_check_out); steps.log says what ran, when, and how it ended.
#
# What to carry (ignored paths, made on a machine with a registry):
#   mkdir -p .cache && cd .cache
#   MAMBA_SKIP_CUDA_BUILD=TRUE pip download --no-deps --no-build-isolation --no-binary mamba-ssm mamba-ssm -d .
#   pip download --no-deps einops -d .
# then run it there with the folder carried, e.g. with the device tool:
#   run(command="bash benchmarks/gpu_check.sh", carry=[".cache"], timeout_s=590)
# Without the archive the mamba-ssm steps are skipped (and say so); everything else runs.
# The whole run stays under DEADLINE seconds (default 540): a step gets at most its own limit
# and what is left, and is skipped (logged) when under 20 s remain. Arguments pick steps:
#   bash benchmarks/gpu_check.sh [triton] [scan] [models] [profile] [mamba]   (default: all)
#
# Steps (the mamba-ssm build runs in the background from the start, ~3-6 min for one GPU
# architecture, so the Triton work overlaps it):
#  env.txt: GPU, driver, torch / CUDA / Triton / nvcc versions
#  [triton] triton_cases.json: the interpreter test cases compiled on the GPU (values and every
#     gradient against the float64 reference: CSI-ReST both modes, bf16/fp16, GSSM orders);
#     test_scan_cuda.txt: the chunked backend on CUDA (tests/mamba/test_scan.py)
#  [scan] scan_fp32/bf16.txt/json: scan forward and forward+backward at L = 1024, 4096, 16384
#     (B=1, D=256, N=16, CSI-ReST on): triton and chunked in fp32, triton in bf16;
#     scan_blocks_*.txt: the Triton kernel at L = 16384 with other chunk/channel blocks
#  [models] bench_paper.json, bench_small.json: MambaJSCC vs SwinJSCC latency (batch 1 and 16,
#     fp32 and bf16) and training steps/s, interleaved in one run (linksim bench --against)
#  [profile] profile/: torch profiler summaries of the paper config, inference and training step
#  [mamba] mamba_build.log; test_scan_mamba.txt (mamba-ssm's kernel, backend cuda, against the
#     reference, tests/mamba/test_scan.py) and scan_mamba_fp32.txt/json (timed like [scan])
set -u -o pipefail
cd "$(dirname "$0")/.."
OUT=${OUT:-$PWD/gpu_check_out}
mkdir -p "$OUT/profile"
export PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}"
MAMBA_DIR=${MAMBA_DIR:-/tmp/linksim_mamba_ssm}
DEADLINE=${DEADLINE:-540}
WANT=" ${*:-triton scan models profile mamba} "
want() { [[ "$WANT" == *" $1 "* ]]; }
log() { echo "# $(date -u +%T) +${SECONDS}s $*" | tee -a "$OUT/steps.log"; }
step() {  # step NAME TIMEOUT_S OUTFILE command...: run, log its exit status, never stop the script
    local name=$1 limit=$2 out=$3; shift 3
    local left=$((DEADLINE - SECONDS))
    [ "$left" -lt "$limit" ] && limit=$left
    if [ "$limit" -lt 20 ]; then log "skip $name: ${left}s left of DEADLINE=$DEADLINE"; return; fi
    log "start $name (limit ${limit}s)"
    timeout "$limit" "$@" > "$out" 2>&1
    log "end $name: exit $? (124: timed out)"
}

log "gpu_check on $(hostname)"
{ nvidia-smi; python -c "import torch, triton; print('torch', torch.__version__, 'cuda', torch.version.cuda,
'triton', triton.__version__, torch.cuda.get_device_name(0), torch.cuda.get_device_capability(0))"
  nvcc --version | tail -2; } > "$OUT/env.txt" 2>&1

archive=$(ls .cache/mamba_ssm-*.tar.gz 2>/dev/null | head -1)
einops=$(ls .cache/einops-*.whl 2>/dev/null | head -1)
build_pid=""
if ! want mamba; then
    :
elif [ -n "$archive" ] && [ -n "$einops" ]; then
    log "start mamba-ssm build from $archive (background)"
    MAX_JOBS=${MAX_JOBS:-10} nice python benchmarks/build_mamba_ssm.py "$archive" "$einops" "$MAMBA_DIR" \
        > "$OUT/mamba_build.log" 2>&1 &
    build_pid=$!
else
    log "no .cache/mamba_ssm-*.tar.gz + einops wheel carried: mamba-ssm steps skipped"
fi

if want triton; then
    step triton_cases 150 "$OUT/triton_cases.json" python tests/mamba/triton_interpret_cases.py --device cuda
    step test_scan_cuda 60 "$OUT/test_scan_cuda.txt" python -m pytest -q tests/mamba/test_scan.py -k chunked_on_cuda \
        -p no:cacheprovider
fi
if want scan; then
    step scan_fp32 120 "$OUT/scan_fp32.txt" python benchmarks/bench_scan.py --device cuda --dtype fp32 \
        --backends triton chunked --lengths 1024 4096 16384 --reps 10 --json "$OUT/scan_fp32.json"
    for blocks in 16,8 64,2 128,1; do  # chunk length, channels per program (default 32,4)
        LINKSIM_TRITON_BLOCKS=$blocks step "scan_blocks_$blocks" 40 "$OUT/scan_blocks_${blocks/,/_}.txt" \
            python benchmarks/bench_scan.py --device cuda --backends triton --lengths 16384 --reps 5
    done
    step scan_bf16 60 "$OUT/scan_bf16.txt" python benchmarks/bench_scan.py --device cuda --dtype bf16 \
        --backends triton --lengths 1024 4096 16384 --reps 10 --json "$OUT/scan_bf16.json"
fi
if want models; then
    step bench_paper 120 "$OUT/bench_paper.json" python -m linksim bench mambajscc --config paper \
        --against swinjscc --batch 1,16 --dtype fp32,bf16 --device cuda --repeats 10 --train-steps 10 \
        --train-batch 8 --train-size 256 --json
    step bench_small 50 "$OUT/bench_small.json" python -m linksim bench mambajscc --config small --size 64 \
        --against swinjscc --batch 1,16 --dtype fp32,bf16 --device cuda --repeats 10 --train-steps 30 --json
fi
if want profile; then
    step profile_fp32 60 "$OUT/profile/summary_fp32.txt" python benchmarks/profile_mambajscc.py --device cuda \
        --config paper --dtype fp32 --train-size 256 --out "$OUT/profile"
fi

if [ -n "$build_pid" ]; then
    log "waiting for the mamba-ssm build"
    while kill -0 "$build_pid" 2>/dev/null && [ $SECONDS -lt $((DEADLINE - 60)) ]; do sleep 2; done
    kill -0 "$build_pid" 2>/dev/null && { log "mamba-ssm build still running at DEADLINE-60s: stopped"; kill "$build_pid"; }
    wait "$build_pid"; log "mamba-ssm build: exit $?"
    if [ -f "$MAMBA_DIR/selective_scan_cuda.so" ]; then
        export PYTHONPATH="$PYTHONPATH:$MAMBA_DIR"
        step test_scan_mamba 40 "$OUT/test_scan_mamba.txt" python -m pytest -q tests/mamba/test_scan.py -k cuda_backend \
            -p no:cacheprovider
        step scan_mamba 90 "$OUT/scan_mamba_fp32.txt" python benchmarks/bench_scan.py --device cuda \
            --dtype fp32 --backends cuda --lengths 1024 4096 16384 --reps 10 --json "$OUT/scan_mamba_fp32.json"
    else
        log "mamba-ssm build failed: see mamba_build.log"
    fi
fi
log "done"
