#!/usr/bin/env bash
# The image training campaign (issue "Image link at full strength on CPU"): one budget for
# every compared system, 30x the reference set's steps x crop area (30000 steps of batch 8 at
# 128x128 crops against 4000 at 64x64), small configs (chosen by the pilot in
# zoo/README.md), Rayleigh fast fading + MMSE, SNR uniform in 0-20 dB, MSE loss.
#
# Jobs run one after another on one thread at the lowest priority; each resumes from
# zoo/<id>.resume.pt (written every 200 steps; commit it to carry a run to another machine)
# and is skipped once zoo/<id>.json exists or while another runner holds its lock, so two
# runners (one per free core) share the queue. Start (or restart after a session ended):
#     nohup zoo/campaign/run.sh >> zoo/campaign/log.txt 2>&1 &
set -u
cd "$(dirname "$0")/../.."
DATA=${LINKSIM_TRAIN_DATA:-../shared/data/photos}
VAL=${LINKSIM_VAL_DATA:-../shared/data/kodak}
COMMON=(--data "$DATA" --val "$VAL" --channel rayleigh --fading fast --snr 0:20 --batch 8
        --crop 128 --steps 30000 --lr 5e-4 --warmup 200 --val-every 1000 --save-every 200
        --log-every 100 --threads 1 --resume)
job() {  # id system cbr [extra flags...]
    local id=$1 system=$2 cbr=$3; shift 3
    [ -f "zoo/$id.json" ] && { echo "# $id: done"; return; }
    exec {lock}> "zoo/$id.lock"  # released when the runner exits, however it exits
    flock -n "$lock" || { echo "# $id: another runner has it"; exec {lock}>&-; return; }
    echo "# $id: training ($(date -u +%FT%TZ))"
    nice -n 19 python -m linksim train "$system" --out "zoo/$id" --cbr "$cbr" "${COMMON[@]}" "$@"
    exec {lock}>&-
}
job mambajscc-small-c128-cbr1_16-rayleighfast-snr0_20 mambajscc 1/16
job swinjscc-small-c128-cbr1_16-rayleighfast-snr0_20 swinjscc 1/16 --set 'dims=[48,96]'
job mambajscc-small-c128-cbr1_48-rayleighfast-snr0_20 mambajscc 1/48
job swinjscc-small-c128-cbr1_48-rayleighfast-snr0_20 swinjscc 1/48 --set 'dims=[48,96]'
job adjscc-small-c128-cbr1_16-rayleighfast-snr0_20 adjscc 1/16
job deepjscc-small-c128-cbr1_16-rayleighfast-snr0_20 deepjscc 1/16
