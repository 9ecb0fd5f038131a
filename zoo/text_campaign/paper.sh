#!/usr/bin/env bash
# DeepSC as its paper describes it and Mamba-DeepSC at the same budget (issue 27):
# config paper_adaptive (3 Transformer layers, d 128, 8 heads, FFN 512, DeepSC's Xavier
# initialization, adaptive softmax), the training split's own vocabulary (23,849 entries),
# AWGN with SNR uniform in 5-10 dB (DeepSC's), cross-entropy, 3000 steps of 128 sentences
# (about 5 epochs), validation BLEU-1 of 128 held-out sentences every 250 steps in the card.
# DeepSC then "DeepSC + rx positions" beside Mamba-DeepSC, on the same recipe; one thread each,
# lowest priority, resumable:
#     nohup zoo/text_campaign/paper.sh >> text_campaign.log 2>&1 &
# LR=1e-4 TAG=paper-lr1e-4 runs the same at the public reproduction's learning rate.
# (a stopped run leaves zoo/<id>.resume.pt; the same command continues it, on any device:
# DEVICE=cuda runs on a GPU). Then `linksim run` each scenario in scenarios/text/ (europarl_*,
# web_*); python results/text/tables.py writes results/text/tables.md.
set -u
cd "$(dirname "$0")/../.."
DATA=${LINKSIM_EUROPARL:-../shared/data/europarl}
STEPS=${STEPS:-3000}
LR=${LR:-1e-3}
TAG=${TAG:-paper}
COMMON=(--task text --data "$DATA" --channel awgn --snr 5:10 --config paper_adaptive
        --steps "$STEPS" --batch 128 --lr "$LR" --warmup 100 --val-every 250 --val-count 256
        --save-every 50 --log-every 50 --threads 1 --seed 0 --resume=if-saved
        --device "${DEVICE:-cpu}")
job() {  # id system [extra flags...]
    local id=$1 system=$2; shift 2
    [ -n "${ONLY:-}" ] && [ "$id" != "$ONLY" ] && return   # ONLY=<id>: that job alone
    [ -f "zoo/$id.json" ] && { echo "# $id: done"; return; }
    echo "# $id: training ($(date -u +%FT%TZ))"
    nice -n 19 env OMP_NUM_THREADS=1 python -m linksim train "$system" --out "zoo/$id" "${COMMON[@]}" "$@" \
        >> "zoo/text_campaign/log_$id.txt" 2>&1
    echo "# $id: exit $? ($(date -u +%FT%TZ))"
}
# DeepSC, then the labelled variant with word positions added at the receiver (not in
# DeepSC's paper), beside Mamba-DeepSC
{ job deepsc-$TAG-spw8-awgn-snr5_10 deepsc
  job deepsc-rxpos-$TAG-spw8-awgn-snr5_10 deepsc --set rx_positions=true; } &
job mamba_deepsc-$TAG-spw8-awgn-snr5_10 mamba_deepsc &
wait
