#!/usr/bin/env bash
# The paired differences that README.md quotes for the training campaign, from the committed
# records (linksim compare: same images, same channel draws; mean and Student-t 95% half-width):
#   results/image/campaign_paired.txt     Kodak, AWGN and Rayleigh block fading (PSNR)
#   results/image/div2k_rayleigh/paired.txt   DIV2K valid 256x256 crops (PSNR and MS-SSIM)
#   results/image/awgn_receiver_paired.txt    Kodak AWGN: each system with the MMSE receiver
#       (equalizer = "mmse") against itself without it, in the last run before the change
#       (commit 11775ab; the channel kept its label, so the noise is the same)
# Regenerate after the scenarios ran:  results/image/paired.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
MAMBA="MambaJSCC (CSI-ReST)" SWIN="SwinJSCC w/ SA" DEEP="DeepJSCC" ADJ="ADJSCC"
SEP="HEVC-intra + LDPC + QAM"
UNC="Uncoded (LMMSE)"
pair() {  # folder metric A B: a header and the rows (a pair without records says so)
    echo "== $(basename "$1") $2: $3 - $4"
    linksim compare "$1" "$3" "$4" --metric "$2" 2>&1 | tail -n +3 || true
    echo
}
pairs() {  # folder metric: every campaign model against its references
    local f=$1 m=$2 c
    for c in "$MAMBA, campaign" "$SWIN, campaign" "$DEEP, campaign" "$ADJ, campaign"; do
        pair "$f" "$m" "$c" "$SEP"
        pair "$f" "$m" "$c" "$UNC"
    done
    pair "$f" "$m" "$MAMBA, campaign" "$MAMBA"
    pair "$f" "$m" "$SWIN, campaign" "$SWIN"
    pair "$f" "$m" "$DEEP, campaign" "$DEEP (per SNR)"
    pair "$f" "$m" "$ADJ, campaign" "$ADJ"
    pair "$f" "$m" "$SWIN, campaign" "$MAMBA, campaign"
    pair "$f" "$m" "$MAMBA" "$SEP"
    pair "$f" "$m" "$SWIN" "$SEP"
}
HEAD="# rows: channel | snr_db | cbr | A - B | 95% half-width | pairs"
{ echo "$HEAD"; pairs results/image/kodak_awgn psnr; pairs results/image/kodak_rayleigh psnr; } \
    > results/image/campaign_paired.txt &
{ echo "$HEAD"; pairs results/image/div2k_rayleigh psnr; pairs results/image/div2k_rayleigh ms_ssim; } \
    > results/image/div2k_rayleigh/paired.txt &
PLAIN=$(mktemp -d)
git show 11775ab:results/image/kodak_awgn/results.jsonl > "$PLAIN/results.jsonl"
{ echo "$HEAD"
  for c in "$MAMBA, campaign" "$SWIN, campaign" "$DEEP, campaign" "$MAMBA" "MambaJSCC w/o CA" "$SWIN" \
           "SwinJSCC w/o SA" "$ADJ" "$DEEP (per SNR)" "$UNC" "HEVC-intra at capacity" "$SEP"; do
      echo "== kodak_awgn psnr: $c - $c (y as received)"
      linksim compare results/image/kodak_awgn "$c" "$c" --b-from "$PLAIN" 2>&1 | tail -n +3 || true
      echo
  done; } > results/image/awgn_receiver_paired.txt &
wait
rm -r "$PLAIN"
