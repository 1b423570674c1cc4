#!/usr/bin/env bash
# Wait for a Slurm job (and, for an array, all its tasks) to leave the queue; exit 0 when every
# task COMPLETED, 1 otherwise, printing the final states.  wait-job.sh <jobid> [timeout-seconds]
set -euo pipefail
job=${1:?job id}
limit=${2:-3600}
for _ in $(seq 1 "$limit"); do
  states=$(scontrol -o show job "$job" 2>/dev/null | grep -o 'JobState=[A-Z_]*' | sort | uniq -c || true)
  if [ -n "$states" ] && ! grep -qE 'PENDING|RUNNING|CONFIGURING|COMPLETING|REQUEUED|SUSPENDED' <<<"$states"; then
    echo "$states"
    ! grep -vq 'COMPLETED' <<<"$states"
    exit $?
  fi
  sleep 1
done
echo "wait-job: $job still queued after ${limit}s" >&2
exit 1
