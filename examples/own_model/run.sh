#!/usr/bin/env bash
# The own-model example end to end, from this folder:
#   pip install -e ../..  (linksim)  &&  pip install -e .  (this package: the plugin)
#   bash run.sh            # full size: 400 steps of training, the scenario, compare, report
#   TINY=1 bash run.sh     # CI size: 20 steps, two SNRs, one MCS (results-tiny/)
set -euo pipefail
cd "$(dirname "$0")"
STEPS=400; CROP=96; SETS=(); SEP="HEVC-intra + LDPC + QAM"; OUT=results
CKPT=tinyjscc-cbr1_16-awgn-snr0_20
if [ "${TINY:-0}" = 1 ]; then
  # two SNRs, one MCS of the chain (its BLER table ships with linksim: nothing to simulate)
  STEPS=20; CROP=64; SEP="HEVC-intra + LDPC 1/2 + 16-QAM"; OUT=results-tiny
  CKPT=tinyjscc-tiny-cbr1_16-awgn-snr0_20            # not the shipped example checkpoint
  SETS=(--set 'sweep.snr_db=[0, 10]' --set 'systems.2.mcs="16qam-1/2"'
        --set "systems.2.label=\"$SEP\"" --set "systems.0.checkpoint=\"$CKPT\"" --out "$OUT")
fi
python -m own_model.data photos                          # photos/train, photos/eval
linksim list | grep tinyjscc                             # registered by entry point
linksim train tinyjscc --data photos/train --val photos/eval --val-crop 64 \
  --cbr 1/16 --snr 0:20 --channel awgn --steps "$STEPS" --batch 8 --crop "$CROP" \
  --lr 1e-3 --warmup 20 --val-every "$STEPS" --log-every 50 --threads 1 \
  --out "zoo/$CKPT"
linksim run scenario.toml "${SETS[@]}"
linksim compare "$OUT" "TinyJSCC (own model)" "$SEP"
linksim report "$OUT" --reference "$SEP"
