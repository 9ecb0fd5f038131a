#!/usr/bin/env bash
# The image training campaign on one GPU: every unfinished job of jobs.sh at once, one
# process each (small models leave a GPU mostly idle, so they share it), same budget and
# flags as run.sh plus --device. After SECONDS (default: until all finish) the jobs still
# running get SIGINT, which writes their resume files; run.sh or gpu.sh resumes them
# (across devices too). Logs: zoo/campaign/gpu-<id>.log.
#     zoo/campaign/gpu.sh [SECONDS] [DEVICE]
set -u -f -m   # -m: background jobs keep SIGINT (a non-interactive shell would ignore it)
cd "$(dirname "$0")/../.."
source zoo/campaign/jobs.sh
budget=${1:-0} device=${2:-cuda}
pids=()
for spec in "${JOBS[@]}"; do
    read -r id system cbr extra <<< "$spec"
    [ -f "zoo/$id.json" ] && continue
    echo "# $id: training on $device ($(date -u +%FT%TZ))"
    # shellcheck disable=SC2086  # extra flags split on purpose
    python -m linksim train "$system" --out "zoo/$id" --cbr "$cbr" "${COMMON[@]}" \
        --device "$device" --threads 2 $extra >> "zoo/campaign/gpu-$id.log" 2>&1 &
    pids+=("$!")
done
end=$((SECONDS + budget))
while [ -n "$(jobs -r)" ] && { [ "$budget" = 0 ] || [ $SECONDS -lt $end ]; }; do sleep 2; done
[ -n "$(jobs -r)" ] && { echo "# ${budget} s: pausing the running jobs"; kill -INT "${pids[@]}" 2>/dev/null; }
wait
for spec in "${JOBS[@]}"; do
    read -r id _ <<< "$spec"
    [ -f "zoo/campaign/gpu-$id.log" ] && echo "# $id: $(tail -c 300 "zoo/campaign/gpu-$id.log" | tr '\r' '\n' | grep -a . | tail -1)"
done
