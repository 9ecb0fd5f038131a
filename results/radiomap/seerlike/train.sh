#!/usr/bin/env bash
# Train RadioUNet (first U, then the second on the frozen first) and RadioMamba small on the
# training maps of the RadioMapSeer-like data set (results/radiomap/seerlike/README.md), all at
# one budget: STEPS steps of BATCH maps (random dihedral symmetry each), AdamW lr 5e-4,
# warm-up 30, weight decay 1e-4, clip 1, MSE of the normalized path gain, one CPU thread,
# transmitter map dilated to 9 x 9 for every model. Run from the repository root:
#   nohup nice -n 19 bash results/radiomap/seerlike/train.sh > radiomap_train.log 2>&1 &
# The view of the training maps is rebuilt from the committed index when it is missing
# (the maps must have been generated: see README.md for the generate command).
set -euo pipefail
ROOT=${ROOT:-results/radiomap/data/seerlike-256}
VIEW=${VIEW:-$HOME/.cache/linksim/data/radiomap/seerlike-256-train}
STEPS=${STEPS:-600}
BATCH=${BATCH:-4}
HERE=results/radiomap/seerlike
export OMP_NUM_THREADS=1
if [ ! -e "$VIEW/index.jsonl" ]; then
  if [ -e "$HERE/train_index/index.jsonl" ]; then
    linksim radiomap snapshot "$ROOT" --out "$VIEW" --index "$HERE/train_index/index.jsonl"
  else
    linksim radiomap snapshot "$ROOT" --out "$VIEW" --splits train
    mkdir -p "$HERE/train_index" && cp "$VIEW/index.jsonl" "$VIEW/card.json" "$HERE/train_index/"
  fi
fi
common=(--task radiomap --data "$VIEW" --steps "$STEPS" --batch "$BATCH" --lr 5e-4 --warmup 30
        --weight-decay 1e-4 --clip 1 --threads 1 --seed 0 --log-every 10 --save-every 25
        --resume if-saved --loss radiomap_mse)
linksim train radiomamba "${common[@]}" --config small --out zoo/radiomamba-small-tx9-seer256 \
  > radiomap_train_mamba.log 2>&1 &
mamba=$!
linksim train radiounet "${common[@]}" --config small --set tx_dilation=9 \
  --out zoo/radiounet-small-tx9-seer256
linksim train radiounet "${common[@]}" --config small-wnet --set tx_dilation=9 \
  --set first_u=radiounet-small-tx9-seer256 --out zoo/radiounet-wnet-small-tx9-seer256
wait "$mamba"
