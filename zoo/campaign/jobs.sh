# The image training campaign (issue "Image link at full strength on CPU"), sourced by
# run.sh (CPU, jobs in turn) and gpu.sh (one GPU, jobs at once): one budget for
# every compared system, 30x the reference set's steps x crop area (30000 steps of batch 8
# at 128x128 crops against 4000 at 64x64), small configs (chosen by the pilot in
# zoo/README.md), Rayleigh fast fading + MMSE, SNR uniform in 0-20 dB, MSE loss. Each job
# resumes from zoo/<id>.resume.pt (written every 200 steps; commit it to carry a run to
# another machine) and is skipped once zoo/<id>.json exists.
DATA=${LINKSIM_TRAIN_DATA:-../shared/data/photos}
VAL=${LINKSIM_VAL_DATA:-../shared/data/kodak}
COMMON=(--data "$DATA" --val "$VAL" --channel rayleigh --fading fast --snr 0:20 --batch 8
        --crop 128 --steps "${LINKSIM_CAMPAIGN_STEPS:-30000}" --lr 5e-4 --warmup 200
        --val-every 1000 --save-every 200 --log-every 100 --threads "${LINKSIM_CAMPAIGN_THREADS:-1}"
        --resume=if-saved)
# "id system cbr [extra linksim-train flags]", in queue order
JOBS=(
  "mambajscc-small-c128-cbr1_16-rayleighfast-snr0_20 mambajscc 1/16"
  "swinjscc-small-c128-cbr1_16-rayleighfast-snr0_20 swinjscc 1/16 --set dims=[48,96]"
  "mambajscc-small-c128-cbr1_48-rayleighfast-snr0_20 mambajscc 1/48"
  "swinjscc-small-c128-cbr1_48-rayleighfast-snr0_20 swinjscc 1/48 --set dims=[48,96]"
  "adjscc-small-c128-cbr1_16-rayleighfast-snr0_20 adjscc 1/16"
  "deepjscc-small-c128-cbr1_16-rayleighfast-snr0_20 deepjscc 1/16"
  "adjscc-small-c128-cbr1_48-rayleighfast-snr0_20 adjscc 1/48"
  "deepjscc-small-c128-cbr1_48-rayleighfast-snr0_20 deepjscc 1/48"
)
