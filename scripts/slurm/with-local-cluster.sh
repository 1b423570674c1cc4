#!/usr/bin/env bash
# Run a command against a throwaway single-node Slurm cluster that lives in a
# private network namespace holding only the loopback interface, so no daemon
# can be reached from, or reach, anything but 127.0.0.1 (slurmctld binds to
# every address of its namespace). Root only.
#   with-local-cluster.sh <state-dir> <command...>     (SLURM_CONF is exported to the command)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
dir=$(realpath -m "${1:?state directory}")
shift
if [ -z "${FLATVOX_SLURM_NETNS:-}" ]; then
  exec unshare --net env FLATVOX_SLURM_NETNS=1 "$0" "$dir" "$@"
fi
ip link set lo up
# glibc (getaddrinfo with AI_ADDRCONFIG, which slurmctld uses to find its listen address)
# counts every IPv4 address but 127.0.0.1 as "configured": give loopback a second one.
ip addr add 127.0.0.2/8 dev lo
trap '"$here/local-cluster.sh" stop "$dir"' EXIT
export SLURM_CONF
SLURM_CONF=$("$here/local-cluster.sh" start "$dir")
"$@"
