#!/usr/bin/env bash
# The image training campaign on the CPU, LINKSIM_CAMPAIGN_THREADS threads (default 1; the
# jobs and their budget: jobs.sh). Stop it with kill -TERM (or -INT): the running job
# saves its resume file first.
# Jobs run one after another at the lowest priority; a job is skipped once zoo/<id>.json
# exists or while another runner holds its lock, so two runners (one per free core) share
# the queue. Start (or restart after a session ended):
#     nohup zoo/campaign/run.sh >> zoo/campaign/log.txt 2>&1 &
set -u -f
cd "$(dirname "$0")/../.."
source zoo/campaign/jobs.sh
for spec in "${JOBS[@]}"; do
    read -r id system cbr extra <<< "$spec"
    [ -f "zoo/$id.json" ] && { echo "# $id: done"; continue; }
    exec {lock}> "zoo/$id.lock"  # released when the runner exits, however it exits
    flock -n "$lock" || { echo "# $id: another runner has it"; exec {lock}>&-; continue; }
    echo "# $id: training ($(date -u +%FT%TZ))"
    # shellcheck disable=SC2086  # extra flags split on purpose
    nice -n 19 python -m linksim train "$system" --out "zoo/$id" --cbr "$cbr" "${COMMON[@]}" $extra
    exec {lock}>&-
done
