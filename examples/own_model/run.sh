#!/usr/bin/env bash
# The own-model example end to end, from this folder:
#   pip install -e ../..  (linksim)  &&  pip install -e .  (this package: the plugin)
#   bash run.sh            # full size: 400 steps of training, the scenario, compare, report
#   TINY=1 bash run.sh     # CI size: 20 steps, 64x64 crops, two SNRs
set -euo pipefail
cd "$(dirname "$0")"
STEPS=400; CROP=96; SETS=()
if [ "${TINY:-0}" = 1 ]; then
  STEPS=20; CROP=64
  SETS=(--set source.crop=64 --set 'sweep.snr_db=[0, 10]' --out results-tiny)
fi
python -m own_model.data photos                          # photos/train, photos/eval
linksim list | grep tinyjscc                             # registered by entry point
linksim train tinyjscc --data photos/train --val photos/eval --val-crop 64 \
  --cbr 1/16 --snr 0:20 --channel awgn --steps "$STEPS" --batch 8 --crop "$CROP" \
  --lr 1e-3 --warmup 20 --val-every "$STEPS" --log-every 50 --threads 1 \
  --out zoo/tinyjscc-cbr1_16-awgn-snr0_20
linksim run scenario.toml "${SETS[@]}"
OUT=results; [ "${TINY:-0}" = 1 ] && OUT=results-tiny
linksim compare "$OUT" "TinyJSCC (own model)" "HEVC-intra + LDPC + QAM"
linksim report "$OUT" --reference "HEVC-intra + LDPC + QAM"
